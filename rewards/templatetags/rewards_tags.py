from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def thread_bounty_state(thread, user) -> dict:  # type: ignore[no-untyped-def]
    """For the thread page (forum's template cannot import rewards): see
    ``rewards.selectors.thread_bounty_state``."""
    from rewards.selectors import thread_bounty_state as state

    return state(thread=thread, user=user)


@register.filter
def money(amount_minor: int | None, currency: str = "EUR") -> str:
    """Integer minor units -> "12.50 EUR" (locale-aware separators); never via float."""
    amount = int(amount_minor or 0)
    exponent = settings.REWARDS_CURRENCIES.get(currency, {}).get("exponent", 2)
    if exponent == 0:
        return f"{number_format(amount, force_grouping=True)} {currency}"
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exponent)
    from decimal import Decimal

    value = Decimal(whole) + Decimal(frac) / (10**exponent)
    return f"{sign}{number_format(value, decimal_pos=exponent, force_grouping=True)} {currency}"
