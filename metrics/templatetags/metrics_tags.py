from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money_minor(amount_minor: int | None, currency: str = "EUR") -> str:
    """Integer minor units -> "12.50 EUR", locale-aware, never through a float."""
    if amount_minor is None:
        return "—"
    exponent = settings.REWARDS_CURRENCIES.get(currency, {}).get("exponent", 2)
    amount = int(amount_minor)
    sign = "-" if amount < 0 else ""
    value = Decimal(abs(amount)).scaleb(-exponent)
    return f"{sign}{number_format(value, decimal_pos=exponent, force_grouping=True)} {currency}"


@register.filter
def percent(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{number_format(round(ratio * 100, 1), decimal_pos=1)} %"


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds -> a short human duration ("42 min", "5.2 h", "3.1 days")."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min") % {"n": number_format(round(seconds / 60), decimal_pos=0)}
    if seconds < 2 * 86400:
        return _("%(n)s h") % {"n": number_format(round(seconds / 3600, 1), decimal_pos=1)}
    return _("%(n)s days") % {"n": number_format(round(seconds / 86400, 1), decimal_pos=1)}
