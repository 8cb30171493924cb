"""Routing counts activity on the community's own timescale, chosen from its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from experts import router, services
from experts.models import RoutingCalibration
from experts.selectors import routing_half_life_days
from experts.tasks import calibrate_routing
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def _history(make_user, category):
    """A veteran with six solved questions two months ago; a newcomer with two this week."""
    veteran, newcomer = make_user(), make_user()
    with time_machine.travel(T0, tick=False) as clock:
        for n in range(6):
            clock.shift(timedelta(hours=6))
            solved_question(asker=make_user(), answerer=veteran, category=category,
                            title=f"Paper jam in the tray {n}")  # fmt: skip
        clock.move_to(T0 + timedelta(days=60))
        for n in range(2):
            clock.shift(timedelta(hours=6))
            solved_question(asker=make_user(), answerer=newcomer, category=category,
                            title=f"Paper jam in the tray again {n}")  # fmt: skip
        dispatch_all()
    return veteran, newcomer


def _ranked(category) -> list[int]:
    question = router.Question(
        category_id=category.pk, tag_ids=(), title="Paper jam in the tray", body=""
    )
    with time_machine.travel(T0 + timedelta(days=61), tick=False):
        return [s.user_id for s in router.rank(question=question)]


def test_uncalibrated_routing_counts_activity_on_the_reputation_timescale(make_user, category):
    veteran, newcomer = _history(make_user, category)
    cache.clear()
    assert routing_half_life_days() == 180.0
    assert _ranked(category) == [veteran.pk, newcomer.pk]


def test_a_short_calibrated_timescale_puts_the_recently_active_expert_first(make_user, category):
    veteran, newcomer = _history(make_user, category)
    RoutingCalibration.objects.create(half_life_days=7.0)
    cache.clear()
    assert _ranked(category) == [newcomer.pk, veteran.pk]


def test_the_daily_task_chooses_and_stores_the_timescale(make_user, category):
    _history(make_user, category)
    cache.set("experts:routing_half_life", 999.0)
    chosen = calibrate_routing.apply().get()
    latest = RoutingCalibration.objects.first()
    assert latest is not None and latest.half_life_days == chosen
    assert latest.answers_used == 8
    assert set(latest.scores) >= {"h2", "h180", "h365"}
    # The cached value is dropped, so routing uses the new choice at once.
    assert routing_half_life_days() == chosen


def test_nothing_is_stored_while_no_answer_can_be_predicted(make_user, category):
    solved_question(asker=make_user(), answerer=make_user(), category=category)
    dispatch_all()
    assert services.routing_calibrate() is None
    assert not RoutingCalibration.objects.exists()


def test_on_a_short_timescale_this_weeks_answerers_are_candidates_beyond_the_top_n(
    make_user, category, settings
):
    # With room for two candidates by standing, the newcomer (lowest long-term score)
    # would not be considered at all; on a 7-day timescale the recently active are.
    settings.EXPERTS_ROUTING_CANDIDATES = 2
    _, newcomer = _history(make_user, category)
    with time_machine.travel(T0, tick=False):
        for n in range(3):
            other = make_user()
            for m in range(4):
                solved_question(asker=make_user(), answerer=other, category=category,
                                title=f"Old question {n} {m}")  # fmt: skip
        dispatch_all()
    cache.clear()
    assert newcomer.pk not in _ranked(category)
    RoutingCalibration.objects.create(half_life_days=7.0)
    cache.clear()
    assert _ranked(category)[0] == newcomer.pk


def test_upgrading_fills_the_ladder_as_the_incremental_path_would(make_user, category):
    import importlib

    from django.apps import apps

    from experts import scoring
    from experts.models import ExpertiseScore

    migration = importlib.import_module("experts.migrations.0005_fill_routing_activity")
    assert migration.LADDER_DAYS == scoring.ACTIVITY_HALF_LIVES_DAYS
    _history(make_user, category)
    overall = ExpertiseScore.objects.filter(category__isnull=True)
    incremental = {r.user_id: r.activity for r in overall}
    overall.update(activity={})
    migration.fill(apps, None)
    filled = {r.user_id: r.activity for r in overall}
    assert set(filled) == set(incremental)
    for user_id, sums in incremental.items():
        assert filled[user_id] == pytest.approx(sums)
