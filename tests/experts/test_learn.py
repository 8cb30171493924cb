from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from experts import learn, router
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import TagFactory

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _standing(**kwargs) -> learn.Standing:
    values = {
        "answers": 0.0,
        "accepted": 0.0,
        "category_answers": 0.0,
        "tag_answers": 0.0,
        "last_activity_at": None,
    }
    return learn.Standing(**(values | kwargs))


def test_features_follow_the_declared_order_and_use_logs():
    vector = learn.features(
        standing=_standing(
            answers=3.0,
            accepted=1.0,
            category_answers=2.0,
            tag_answers=0.0,
            last_activity_at=T0 - timedelta(days=9),
        ),
        now=T0,
        text=0.7,
    )
    named = dict(zip(learn.FEATURES, vector, strict=True))
    assert named["log_answers"] == pytest.approx(math.log(4.0))
    assert named["log_category_answers"] == pytest.approx(math.log(3.0))
    assert named["log_accepted"] == pytest.approx(math.log(2.0))
    assert named["log_idle_days"] == pytest.approx(math.log(10.0))
    assert named["log_tag_answers"] == 0.0
    assert named["text"] == 0.7


def test_a_user_who_never_acted_counts_as_idle_for_years():
    vector = learn.features(standing=_standing(), now=T0, text=0.0)
    assert dict(zip(learn.FEATURES, vector, strict=True))["log_idle_days"] > math.log(1000)


def test_the_default_weights_prefer_recent_activity_over_a_quiet_past():
    recent = _standing(answers=5.0, accepted=2.0, category_answers=5.0,
                       last_activity_at=T0 - timedelta(days=2))  # fmt: skip
    quiet = _standing(answers=5.0, accepted=2.0, category_answers=5.0,
                      last_activity_at=T0 - timedelta(days=300))  # fmt: skip
    weights = learn.DEFAULT_WEIGHTS
    assert learn.score(learn.features(standing=recent, now=T0, text=0.0), weights) > learn.score(
        learn.features(standing=quiet, now=T0, text=0.0), weights
    )


def test_the_conditional_logit_recovers_the_weights_that_generated_the_choices():
    rng = random.Random(3)
    true = [1.5, 0.0, 0.0, -1.0, 0.0, 0.0]
    groups = []
    for _ in range(400):
        rows = [[rng.gauss(0, 1) for _ in true] for _ in range(8)]
        logits = [sum(w * x for w, x in zip(true, r, strict=True)) for r in rows]
        top = max(logits)
        weights = [math.exp(v - top) for v in logits]
        chosen = rng.choices(range(8), weights=weights)[0]
        groups.append(
            learn.Group(chosen=rows[chosen], others=[r for i, r in enumerate(rows) if i != chosen])
        )
    fitted = learn.fit(groups, ridge=0.1)
    assert fitted[0] == pytest.approx(1.5, abs=0.3)
    assert fitted[3] == pytest.approx(-1.0, abs=0.3)
    assert abs(fitted[1]) < 0.3
    # Newton found the maximum: the fit is no worse than the truth on its own data.
    assert learn.log_likelihood(groups, fitted) >= learn.log_likelihood(groups, true) - 1e-6


def test_fitting_a_single_feature_works_on_its_own_dimension():
    groups = [learn.Group(chosen=[2.0], others=[[0.0], [1.0]]) for _ in range(5)]
    groups.append(learn.Group(chosen=[0.0], others=[[2.0]]))
    (w,) = learn.fit(groups, ridge=1.0)
    assert w > 0


@pytest.mark.django_db
def test_live_learned_routing_prefers_the_active_tag_expert(make_user, category, settings):
    settings.EXPERTS_ROUTER_MODEL = "learned"
    TagFactory(name="toner")
    TagFactory(name="wifi")
    toner, wifi = make_user(), make_user()
    for n in range(3):
        solved_question(asker=make_user(), answerer=toner, category=category,
                        title=f"Toner smears on paper {n}", tags=["toner"])  # fmt: skip
        solved_question(asker=make_user(), answerer=wifi, category=category,
                        title=f"Wifi drops every hour {n}", tags=["wifi"])  # fmt: skip
    dispatch_all()
    from forum.models import Tag

    tag = Tag.objects.get(name="toner")
    question = router.Question(
        category_id=category.pk,
        tag_ids=(tag.pk,),
        title="Toner smears again",
        body="The toner leaves smears on the paper.",
        tag_names=("toner",),
    )
    ranked = router.rank(question=question)
    assert [s.user_id for s in ranked[:2]] == [toner.pk, wifi.pk]
    assert ranked[0].text > 0


@pytest.mark.django_db
def test_the_candidate_model_is_the_default(make_user, category):
    from experts import conf

    assert conf.get("EXPERTS_ROUTER_MODEL") == "candidate"
    strong, weak = make_user(), make_user()
    for n in range(3):
        solved_question(
            asker=make_user(), answerer=strong, category=category, title=f"Paper jam in tray {n}"
        )
    solved_question(
        asker=make_user(), answerer=weak, category=category, title="Paper jam in tray again"
    )
    dispatch_all()
    question = router.Question(
        category_id=category.pk, tag_ids=(), title="Paper jam in tray", body=""
    )
    ranked = router.rank(question=question)
    assert [s.user_id for s in ranked] == [strong.pk, weak.pk]
    assert ranked[0].prior > ranked[1].prior


@pytest.mark.django_db
def test_configured_weights_override_the_defaults(make_user, category, settings):
    # Weighting only idleness: whoever acted last comes first, whatever their record.
    settings.EXPERTS_ROUTER_MODEL = "learned"
    settings.EXPERTS_ROUTER_WEIGHTS = {"log_idle_days": -1.0}
    veteran, newcomer = make_user(), make_user()
    import time_machine

    with time_machine.travel(T0, tick=False):
        for n in range(4):
            solved_question(asker=make_user(), answerer=veteran, category=category,
                            title=f"Old question number {n}")  # fmt: skip
        dispatch_all()
    with time_machine.travel(T0 + timedelta(days=100), tick=False):
        solved_question(
            asker=make_user(), answerer=newcomer, category=category, title="A brand new question"
        )
        dispatch_all()
        question = router.Question(category_id=category.pk, tag_ids=(), title="x", body="")
        ranked = router.rank(question=question)
    assert [s.user_id for s in ranked] == [newcomer.pk, veteran.pk]
