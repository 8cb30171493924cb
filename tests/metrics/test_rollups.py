"""Rollups against the same figures computed directly from the rows."""

from __future__ import annotations

from datetime import date

import time_machine

from forum.models import Thread
from metrics import services
from metrics.models import DailyRollup, ExpertDailyRollup
from metrics.selectors import Period, dashboard_get
from tests.metrics.conftest import TODAY

MARCH = Period(since=date(2026, 3, 1), until=date(2026, 3, 9))


def _rebuild() -> None:
    with time_machine.travel(TODAY, tick=False):
        services.rollups_rebuild(since=date(2026, 3, 1))


def test_the_totals_equal_a_direct_count_of_the_history(history):
    _rebuild()
    totals = dashboard_get(period=MARCH).totals

    live = Thread.objects.filter(is_deleted=False)
    assert totals["questions_asked"] == live.count() == 4
    assert totals["questions_answered"] == live.filter(first_answer_at__isnull=False).count() == 3
    # t1 (community), t2 (official answer), t3 (case resolved by staff, no accepted answer).
    assert totals["questions_solved"] == 3
    assert totals["solved_by_community"] == 1
    assert totals["solved_by_staff"] == 2
    assert totals["first_answer_count"] == 3
    assert totals["first_answer_seconds"] == 1800 + 2 * 86400 + 300
    assert totals["accepted_count"] == 2
    assert totals["accepted_seconds"] == 86400 + (2 * 86400 + 3600)
    assert totals["escalations_opened"] == 1
    assert totals["escalations_resolved_by_staff"] == 1
    assert (totals["sla_tracked"], totals["sla_breached"]) == (2, 1)
    assert (totals["suggestions_opened"], totals["deflections"]) == (2, 1)
    assert totals["rewards_cash_minor"] == 200
    assert totals["paid_out_minor"] == 150


def test_a_question_asked_late_in_the_evening_counts_on_its_local_day(history):
    _rebuild()
    row = DailyRollup.objects.get(date=date(2026, 3, 5), category=history["printers"])
    assert row.questions_asked == 1


def test_category_rows_add_up_to_the_all_categories_row(history):
    _rebuild()
    all_rows = dashboard_get(period=MARCH).totals
    printers = dashboard_get(
        period=Period(since=MARCH.since, until=MARCH.until, category_id=history["printers"].pk)
    ).totals
    scanners = dashboard_get(
        period=Period(since=MARCH.since, until=MARCH.until, category_id=history["scanners"].pk)
    ).totals
    for field in ("questions_asked", "questions_solved", "solved_by_staff", "escalations_opened"):
        assert printers[field] + scanners[field] == all_rows[field]
    assert printers["questions_asked"] == 3
    assert scanners["solved_by_staff"] == 1


def test_derived_figures_and_cost_per_solved_question(history, settings):
    settings.METRICS_STAFF_COST_PER_CASE_MINOR = 2500
    settings.METRICS_HOTLINE_COST_PER_CONTACT_MINOR = 1200
    _rebuild()
    figures = dashboard_get(period=MARCH).figures
    assert figures["community_share"] == 1 / 3
    assert figures["escalation_rate"] == 1 / 4
    assert figures["sla_compliance"] == 0.5
    assert figures["deflection_rate"] == 0.5
    # (200 rewards + 1 case x 2500) / 3 solved; saving = 3 x 1200 - 2700.
    assert figures["cost_per_solved_minor"] == 2700 // 3
    assert figures["estimated_saving_minor"] == 3600 - 2700


def test_top_experts_and_their_share_of_community_solutions(history):
    _rebuild()
    experts = dashboard_get(period=MARCH).experts
    assert [(e["name"], e["solutions"], e["share"]) for e in experts] == [("Erika Expert", 1, 1.0)]
    assert ExpertDailyRollup.objects.filter(category__isnull=True).count() == 1


def test_recomputing_a_range_twice_gives_the_same_rows(history):
    _rebuild()
    before = list(DailyRollup.objects.order_by("date", "category_id").values())
    _rebuild()
    after = list(DailyRollup.objects.order_by("date", "category_id").values())

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows]

    assert strip(before) == strip(after)


def test_the_beat_refresh_keeps_a_daily_snapshot_of_views_of_solved_threads(history):
    from metrics.tasks import refresh_rollups

    t1 = history["threads"][0]
    with time_machine.travel(TODAY, tick=False):
        Thread.objects.filter(pk=t1.pk).update(view_count=10)
        refresh_rollups()
    with time_machine.travel(TODAY.replace(day=11), tick=False):
        Thread.objects.filter(pk=t1.pk).update(view_count=35)
        refresh_rollups()
        refresh_rollups()  # twice: same rows
    assert (
        DailyRollup.objects.get(date=date(2026, 3, 10), category__isnull=True).solved_views_snapshot
        == 10
    )
    period = Period(since=date(2026, 3, 11), until=date(2026, 3, 11))
    assert dashboard_get(period=period).solved_views == 35 - 10
