from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from experts import scoring, services
from experts.models import ExpertiseScore, ExpertProfile, TagExpertise, TermStat
from forum import services as forum
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _snapshot() -> dict:
    scores = {
        (r.user_id, r.category_id): (
            r.accepted_count,
            r.answer_count,
            round(r.decayed_accepted, 9),
            round(r.decayed_answers, 9),
            round(r.score, 9),
            r.rank,
            tuple(sorted((k, round(v, 9)) for k, v in r.activity.items())),
        )
        for r in ExpertiseScore.objects.all()
    }
    tags = {
        (r.user_id, r.tag_id): (r.accepted_count, round(r.decayed_accepted, 9), round(r.score, 9))
        for r in TagExpertise.objects.all()
    }
    profiles = {
        p.user_id: ({t: round(w, 9) for t, w in p.terms.items()}, round(p.length, 9))
        for p in ExpertProfile.objects.all()
    }
    terms = dict(TermStat.objects.values_list("term", "count"))
    return {"scores": scores, "tags": tags, "profiles": profiles, "terms": terms}


def test_rebuild_from_history_equals_the_incremental_result(make_user, staff):
    printers = CategoryFactory(slug="printers")
    scanners = CategoryFactory(slug="scanners")
    TagFactory(name="ink")
    TagFactory(name="wifi")
    askers = [make_user() for _ in range(3)]
    experts = [make_user() for _ in range(3)]
    with time_machine.travel(START, tick=False) as clock:
        for n in range(9):
            clock.shift(timedelta(days=17))
            thread, _ = solved_question(
                asker=askers[n % 3],
                answerer=experts[n % 2],
                category=printers if n % 3 else scanners,
                title=f"Question number {n} about ink",
                tags=["ink"] if n % 2 else ["wifi"],
            )
            forum.answer_create(thread=thread, author=experts[2], body="Another idea, try this.")
            if n == 4:
                forum.answer_unaccept(thread=thread, actor=askers[n % 3])
            dispatch_all()
        hidden = forum.answer_create(thread=thread, author=experts[0], body="Spam spam spam.")
        dispatch_all()
        forum.post_set_hidden(post=hidden, moderator=staff, hidden=True)
        dispatch_all()
        clock.shift(timedelta(days=3))
        now = datetime.now(tz=UTC)
        services.scores_refresh(now=now)
        incremental = _snapshot()
        services.experts_rebuild(now=now)
        rebuilt = _snapshot()
    assert incremental["scores"] and incremental["profiles"]
    # The routing-timescale sums are kept on the overall rows, at every half-life.
    assert all(
        len(row[-1]) == len(scoring.ACTIVITY_HALF_LIVES_DAYS)
        for (_, category_id), row in incremental["scores"].items()
        if category_id is None
    )
    assert rebuilt == incremental


def test_the_rebuild_command_runs_and_reports(customer, expert, category, capsys):
    solved_question(asker=customer, answerer=expert, category=category)
    call_command("experts_rebuild", verbosity=0)
    out = capsys.readouterr().out
    assert "1 questions, 1 answers, 1 acceptances" in out
    assert ExpertiseScore.objects.get(user=expert, category__isnull=True).accepted_count == 1
