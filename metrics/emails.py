"""The monthly summary e-mail (HTML + text), in the recipient's language."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from metrics import selectors


def summary_message(*, user: User, month: date) -> EmailMultiAlternatives:
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    period = selectors.Period(since=month, until=next_month - timedelta(days=1))
    language = user.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        data = selectors.dashboard_get(period=period)
        month_name = date_format(month, "F Y")
        context = {
            "user": user,
            "dash": data,
            "totals": data.totals,
            "figures": data.figures,
            "month_name": month_name,
            "site_name": settings.SITE_NAME,
            "dashboard_url": settings.SITE_URL
            + reverse("metrics:dashboard")
            + f"?period=custom&start={period.since}&end={period.until}",
        }
        subject = _("%(site)s: community figures for %(month)s") % {
            "site": settings.SITE_NAME,
            "month": month_name,
        }
        text = render_to_string("metrics/email/monthly_summary.txt", context)
        html = render_to_string("metrics/email/monthly_summary.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message
