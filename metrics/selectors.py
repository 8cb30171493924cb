"""Reads of the metrics app. Everything here reads rollup rows only, in a fixed number of
queries (see tests/metrics/test_dashboard_queries.py):

1. totals over the period (one aggregate, also the solved-views snapshots),
2. the response-time histograms of the period's rows,
3. the chart series (grouped by day, week or month),
4. the top experts (grouped, joined to their user).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from accounts.models import User
from metrics import histogram
from metrics.models import DailyRollup, ExpertDailyRollup
from metrics.services import COUNT_FIELDS

TOP_EXPERTS = 10


@dataclass(frozen=True)
class Period:
    since: date
    until: date
    category_id: int | None = None

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def granularity(self) -> str:
        if self.days <= 62:
            return "day"
        if self.days <= 400:
            return "week"
        return "month"


@dataclass
class Dashboard:
    period: Period
    totals: dict[str, int]
    first_answer: dict[str, float | None]
    accepted: dict[str, float | None]
    first_answer_histogram: dict[int, int]
    series: list[dict[str, Any]]
    experts: list[dict[str, Any]]
    rewards_available: bool
    solved_views: int | None
    figures: dict[str, Any] = field(default_factory=dict)


def _rows(period: Period) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.filter(date__gte=period.since, date__lte=period.until)
    if period.category_id is None:
        return rows.filter(category__isnull=True)
    return rows.filter(category_id=period.category_id)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def dashboard_get(*, period: Period) -> Dashboard:
    in_period = Q(date__gte=period.since)
    # The day before the period too: views during the period = last snapshot - the one
    # just before it (snapshots are running totals).
    base = DailyRollup.objects.filter(
        date__gte=period.since - timedelta(days=1), date__lte=period.until
    ).filter(
        Q(category__isnull=True)
        if period.category_id is None
        else Q(category_id=period.category_id)
    )
    aggregates: dict[str, Any] = {name: Sum(name, filter=in_period) for name in COUNT_FIELDS}
    aggregates["rows_without_rewards"] = Count("id", filter=in_period & Q(rewards_available=False))
    aggregates["views_first"] = Min("solved_views_snapshot")
    aggregates["views_last"] = Max("solved_views_snapshot")
    raw = base.aggregate(**aggregates)
    totals = {name: int(raw[name] or 0) for name in COUNT_FIELDS}

    first_hist: list[dict] = []
    accepted_hist: list[dict] = []
    for first, accepted in _rows(period).values_list(
        "first_answer_histogram", "accepted_histogram"
    ):
        first_hist.append(first)
        accepted_hist.append(accepted)
    first_merged = histogram.merge(first_hist)
    accepted_merged = histogram.merge(accepted_hist)

    trunc = {"day": None, "week": TruncWeek("date"), "month": TruncMonth("date")}[
        period.granularity
    ]
    series_qs = _rows(period).annotate(bucket=trunc if trunc is not None else F("date"))
    series = list(
        series_qs.values("bucket")
        .annotate(
            asked=Sum("questions_asked"),
            solved=Sum("questions_solved"),
            by_staff=Sum("solved_by_staff"),
            by_community=Sum("solved_by_community"),
            escalated=Sum("escalations_opened"),
        )
        .order_by("bucket")
    )

    experts_qs = ExpertDailyRollup.objects.filter(date__gte=period.since, date__lte=period.until)
    experts_qs = (
        experts_qs.filter(category__isnull=True)
        if period.category_id is None
        else experts_qs.filter(category_id=period.category_id)
    )
    # Aggregate by id first, then name the ten: grouping by the joined user columns made
    # PostgreSQL join ~500k rows before aggregating (1 s on a million threads).
    experts = list(
        experts_qs.values("user_id")
        .annotate(solutions=Sum("solutions"))
        .order_by("-solutions", "user_id")[:TOP_EXPERTS]
    )
    names = (
        {
            row["id"]: row
            for row in User.objects.filter(pk__in=[e["user_id"] for e in experts]).values(
                "id", "username", "display_name"
            )
        }
        if experts
        else {}
    )
    community = totals["solved_by_community"]
    for expert in experts:
        user = names.get(expert["user_id"], {})
        expert["user__username"] = user.get("username", "")
        expert["name"] = user.get("display_name") or user.get("username", "")
        expert["share"] = _ratio(expert["solutions"], community)

    solved_views = None
    if raw["views_last"] is not None:
        solved_views = int(raw["views_last"]) - int(raw["views_first"] or 0)
        if raw["views_first"] == raw["views_last"]:
            # One snapshot only: no difference to take yet.
            solved_views = None

    dashboard = Dashboard(
        period=period,
        totals=totals,
        first_answer={
            "mean": _ratio(totals["first_answer_seconds"], totals["first_answer_count"]),
            "median": histogram.percentile(first_merged, 0.5),
            "p90": histogram.percentile(first_merged, 0.9),
        },
        accepted={
            "mean": _ratio(totals["accepted_seconds"], totals["accepted_count"]),
            "median": histogram.percentile(accepted_merged, 0.5),
            "p90": histogram.percentile(accepted_merged, 0.9),
        },
        first_answer_histogram=first_merged,
        series=series,
        experts=experts,
        rewards_available=raw["rows_without_rewards"] == 0,
        solved_views=solved_views,
    )
    dashboard.figures = figures_of(dashboard)
    return dashboard


def figures_of(dashboard: Dashboard) -> dict[str, Any]:
    """The derived figures (ratios and money), all from the period's totals."""
    t = dashboard.totals
    solved = t["questions_solved"]
    staff_cost = settings.METRICS_STAFF_COST_PER_CASE_MINOR * t["escalations_opened"]
    total_cost = t["rewards_cash_minor"] + staff_cost
    cost_per_solved = total_cost // solved if solved else None
    hotline = settings.METRICS_HOTLINE_COST_PER_CONTACT_MINOR
    return {
        "answer_rate": _ratio(t["questions_answered"], t["questions_asked"]),
        "community_share": _ratio(t["solved_by_community"], solved),
        "staff_share": _ratio(t["solved_by_staff"], solved),
        "escalation_rate": _ratio(t["escalations_opened"], t["questions_asked"]),
        "sla_compliance": (
            max(0.0, 1 - t["sla_breached"] / t["sla_tracked"]) if t["sla_tracked"] else None
        ),
        "deflection_rate": _ratio(t["deflections"], t["suggestions_opened"]),
        "staff_cost_minor": staff_cost,
        "total_cost_minor": total_cost,
        "cost_per_solved_minor": cost_per_solved,
        "hotline_cost_per_contact_minor": hotline,
        # What the same solutions would have cost as hotline contacts, minus what they cost.
        "estimated_saving_minor": hotline * solved - total_cost if solved else 0,
        "currency": settings.REWARDS_CASH_CURRENCY,
    }


def rollup_first_date() -> date | None:
    return DailyRollup.objects.order_by("date").values_list("date", flat=True).first()


CSV_FIELDS = ("date", *COUNT_FIELDS, "solved_views_snapshot")


def rollup_rows(*, period: Period) -> QuerySet:
    """The period's daily rows as tuples in CSV_FIELDS order (for the export)."""
    return _rows(period).order_by("date").values_list(*CSV_FIELDS)
