"""The dashboard's filters (GET): period and category."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.models import Category
from metrics.selectors import Period

PERIOD_CHOICES = [
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("365d", _("Last 12 months")),
    ("all", _("All time")),
    ("custom", _("Custom range")),
]
MAX_DAYS = 366 * 20


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, history_start: date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.history_start = history_start

    def clean(self) -> dict:
        data = super().clean() or {}
        today = timezone.localdate()
        period = data.get("period") or "30d"
        if period == "custom" or (data.get("start") and not data.get("period")):
            since = data.get("start") or today - timedelta(days=29)
            until = data.get("end") or today
        elif period == "all":
            since, until = self.history_start or today, today
        else:
            since, until = today - timedelta(days=int(period[:-1]) - 1), today
        if since > until:
            raise ValidationError(
                {"end": [_("The end date is before the start date.")]}, code="range"
            )
        if (until - since).days > MAX_DAYS:
            raise ValidationError({"start": [_("Choose at most 20 years.")]}, code="range")
        data["period"] = period
        data["since"], data["until"] = since, until
        return data

    def to_period(self) -> Period:
        category = self.cleaned_data.get("category")
        return Period(
            since=self.cleaned_data["since"],
            until=self.cleaned_data["until"],
            category_id=category.pk if category else None,
        )
