from __future__ import annotations

import pytest

from core.dispatch import event_dispatch
from core.models import OutboxEvent
from experts import handlers
from experts.models import (
    AcceptanceVerdict,
    BadgeAward,
    CountedAnswer,
    ExpertAcceptance,
    ExpertiseScore,
    TagExpertise,
)
from experts.selectors import acceptance_is_countable, ranks_for, user_rank
from forum import events
from forum import services as forum
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db


def _overall(user):
    return ExpertiseScore.objects.get(user=user, category__isnull=True)


def test_an_accepted_answer_raises_the_answerers_category_and_overall_standing(
    customer, expert, category
):
    TagFactory(name="ink")
    solved_question(asker=customer, answerer=expert, category=category, tags=["ink"])
    dispatch_all()
    overall = _overall(expert)
    in_category = ExpertiseScore.objects.get(user=expert, category=category)
    assert overall.accepted_count == in_category.accepted_count == 1
    assert overall.answer_count == 1
    assert overall.decayed_accepted == pytest.approx(1.0)
    assert in_category.score > 0
    assert TagExpertise.objects.get(user=expert, tag__name="ink").accepted_count == 1
    assert BadgeAward.objects.filter(user=expert, badge__code="first-accepted").exists()
    assert user_rank(user_id=expert.pk) == "helper"
    assert ranks_for(user_ids=[expert.pk, customer.pk]) == {expert.pk: "helper", customer.pk: ""}


def test_dispatching_the_same_events_twice_has_one_effect(customer, expert, category):
    solved_question(asker=customer, answerer=expert, category=category)
    ids = list(OutboxEvent.objects.order_by("pk").values_list("pk", flat=True))
    for event_id in ids:
        event_dispatch(event_id=event_id)
    OutboxEvent.objects.update(dispatched_at=None)  # force a full redelivery attempt
    for event_id in ids:
        event_dispatch(event_id=event_id)
    overall = _overall(expert)
    assert overall.accepted_count == 1
    assert overall.answer_count == 1


def test_calling_each_handler_twice_has_one_effect(customer, expert, category):
    thread, post = solved_question(asker=customer, answerer=expert, category=category)
    created = events.PostCreated(
        post_id=post.pk,
        thread_id=thread.pk,
        category_id=category.pk,
        author_id=expert.pk,
        asker_id=customer.pk,
        is_first_answer=True,
        is_official=False,
        created_at=post.created_at.isoformat(),
    )
    accepted = events.AnswerAccepted(
        thread_id=thread.pk,
        post_id=post.pk,
        category_id=category.pk,
        answer_author_id=expert.pk,
        asker_id=customer.pk,
        accepted_by_id=customer.pk,
        accepted_at=post.created_at.isoformat(),
        is_self_accept=False,
    )
    for _ in range(2):
        handlers.on_post_created(created)
        handlers.on_answer_accepted(accepted)
    overall = _overall(expert)
    assert (overall.answer_count, overall.accepted_count) == (1, 1)
    assert CountedAnswer.objects.count() == 1
    assert ExpertAcceptance.objects.count() == 1


def test_unaccepting_takes_the_acceptance_back_exactly(customer, expert, category):
    thread, _ = solved_question(asker=customer, answerer=expert, category=category)
    dispatch_all()
    forum.answer_unaccept(thread=thread, actor=customer)
    dispatch_all()
    overall = _overall(expert)
    assert overall.accepted_count == 0
    assert overall.decayed_accepted == pytest.approx(0.0, abs=1e-9)
    assert overall.answer_count == 1
    assert not ExpertAcceptance.objects.exists()


def test_hiding_an_accepted_answer_removes_it_and_restoring_brings_it_back(
    customer, expert, staff, category
):
    _, post = solved_question(asker=customer, answerer=expert, category=category)
    dispatch_all()
    forum.post_set_hidden(post=post, moderator=staff, hidden=True)
    dispatch_all()
    overall = _overall(expert)
    assert (overall.answer_count, overall.accepted_count) == (0, 0)
    forum.post_set_hidden(post=post, moderator=staff, hidden=False)
    dispatch_all()
    overall = _overall(expert)
    # Hiding unaccepted it (forum's rule), so only the answer comes back.
    assert overall.answer_count == 1


def test_a_self_accept_never_counts(customer, category):
    thread = forum.thread_create(
        author=customer,
        category=category,
        title="My own printer question",
        body="It blinks orange and will not print anything at all.",
    )
    post = forum.answer_create(thread=thread, author=customer, body="Found it myself.")
    forum.answer_accept(thread=thread, post=post, actor=customer)
    dispatch_all()
    assert not ExpertiseScore.objects.filter(user=customer, accepted_count__gt=0).exists()
    assert ExpertAcceptance.objects.get(post_id=post.pk).verdict == AcceptanceVerdict.SELF
    assert not acceptance_is_countable(
        answer_author_id=customer.pk, asker_id=customer.pk, accepted_by_id=customer.pk
    )
