"""Daily rollups of the community's numbers.

The dashboard, the API, the CSV export and the monthly e-mail read only these tables, so a
page costs the same handful of queries whether the forum has a hundred threads or a million.
Rows are rewritten by ``metrics.services.rollups_compute`` (beat: yesterday and today) and
``manage.py metrics_rebuild``; nothing else writes them.

Events are counted on the day they happened (local date in ``settings.TIME_ZONE``): a
question on the day it was asked, a first answer on the day it came, a solution on the day
it was accepted. Response times are attributed to the day of the response, so recomputing
"yesterday and today" is enough to keep every older row exact.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DailyRollup(models.Model):
    date = models.DateField(_("date"))
    # NULL: all categories together (the sum of the category rows, kept so an "all" view
    # reads one row per day instead of summing categories at read time).
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    questions_asked = models.PositiveIntegerField(default=0)
    questions_answered = models.PositiveIntegerField(default=0)  # first answer that day
    questions_solved = models.PositiveIntegerField(default=0)
    solved_by_staff = models.PositiveIntegerField(default=0)
    solved_by_community = models.PositiveIntegerField(default=0)

    # Means: sum / count. Percentiles: merge the histograms (see metrics.histogram).
    first_answer_count = models.PositiveIntegerField(default=0)
    first_answer_seconds = models.BigIntegerField(default=0)
    first_answer_histogram = models.JSONField(default=dict, blank=True)
    accepted_count = models.PositiveIntegerField(default=0)
    accepted_seconds = models.BigIntegerField(default=0)
    accepted_histogram = models.JSONField(default=dict, blank=True)

    escalations_opened = models.PositiveIntegerField(default=0)
    escalations_resolved = models.PositiveIntegerField(default=0)
    escalations_resolved_by_staff = models.PositiveIntegerField(default=0)
    # SLA clocks started that day, and clocks that breached that day (a clock breaches
    # after it starts, so over a period the ratio is "breaches per tracked question";
    # counting both by their own day keeps every row final once the day is over).
    sla_tracked = models.PositiveIntegerField(default=0)
    sla_breached = models.PositiveIntegerField(default=0)

    suggestions_opened = models.PositiveIntegerField(default=0)
    deflections = models.PositiveIntegerField(default=0)  # opened, and did not post after
    # Running total of view_count over solved threads, as seen when the row was computed
    # for "today". Thread.view_count has no history, so past days rebuilt later keep
    # whatever snapshot they had (or NULL): views in a period = difference of snapshots.
    solved_views_snapshot = models.BigIntegerField(null=True, blank=True)

    # EUR minor units. Cash credited to experts' wallets by reward grants (net of
    # reversals); paid out = cash that left through payouts (only on the all-categories
    # row: a payout has no category).
    rewards_cash_minor = models.BigIntegerField(default=0)
    paid_out_minor = models.BigIntegerField(default=0)
    # False while the rewards tables are missing (app not migrated): shown as "not available".
    rewards_available = models.BooleanField(default=True)

    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "category"],
                condition=Q(category__isnull=False),
                name="metrics_rollup_one_per_day_category",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(category__isnull=True),
                name="metrics_rollup_one_per_day_all",
            ),
        ]
        indexes = [
            # The dashboard's only access path: one category (or all) over a date range.
            models.Index(fields=["category", "date"], name="metrics_rollup_cat_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.category_id or 'all'}"


class ExpertDailyRollup(models.Model):
    """Accepted community answers per expert, category and day (all-categories row too)."""

    date = models.DateField()
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    solutions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("expert daily rollup")
        verbose_name_plural = _("expert daily rollups")
        indexes = [
            models.Index(fields=["category", "date"], name="metrics_expert_cat_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.user_id}: {self.solutions}"


class SummaryDelivery(models.Model):
    """One monthly summary e-mail to one manager: the unique row makes the beat task and
    its retries send each month's summary at most once per person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # first day of the summarised month
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly summary delivery")
        verbose_name_plural = _("monthly summary deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="metrics_summary_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} to {self.user_id}"
