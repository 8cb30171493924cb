"""vote_cast: up, down, change, retract; and what may not be voted on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotFound, PermissionDenied
from core.models import OutboxEvent
from forum import services
from forum.models import Post, Vote
from tests.factories import UserFactory
from tests.forum.test_services_invariants import assert_synchronized, snapshot


@pytest.fixture
def answer(customer, expert, category):
    thread = services.thread_create(
        author=customer,
        category=category,
        title="Phone will not charge",
        body="The phone stopped charging over USB-C.",
    )
    return services.answer_create(thread=thread, author=expert, body="Clean the port.")


def _counts(post: Post) -> tuple[int, int, int]:
    post.refresh_from_db()
    return post.score, post.upvotes, post.downvotes


def test_votes_from_several_people_add_up(answer, customer, other_customer, staff):
    services.vote_cast(post=answer, user=customer, value=1)
    services.vote_cast(post=answer, user=other_customer, value=1)
    returned = services.vote_cast(post=answer, user=staff, value=-1)
    assert (returned.score, returned.upvotes, returned.downvotes) == (1, 2, 1)
    assert _counts(answer) == (1, 2, 1)
    assert_synchronized()


def test_changing_a_vote_moves_the_score_by_two(answer, customer):
    services.vote_cast(post=answer, user=customer, value=1)
    services.vote_cast(post=answer, user=customer, value=-1)
    assert _counts(answer) == (-1, 0, 1)
    assert Vote.objects.get().value == -1
    payloads = [e.payload for e in OutboxEvent.objects.filter(name="forum.VoteCast")]
    assert [(p["old_value"], p["value"]) for p in payloads] == [(0, 1), (1, -1)]
    assert_synchronized()


def test_retracting_a_vote_removes_it(answer, customer):
    services.vote_cast(post=answer, user=customer, value=-1)
    services.vote_cast(post=answer, user=customer, value=0)
    assert _counts(answer) == (0, 0, 0)
    assert not Vote.objects.exists()
    assert OutboxEvent.objects.filter(name="forum.VoteCast").last().payload["value"] == 0
    assert_synchronized()


def test_the_same_vote_twice_is_a_no_op_that_publishes_nothing(answer, customer):
    services.vote_cast(post=answer, user=customer, value=1)
    before = snapshot()
    services.vote_cast(post=answer, user=customer, value=1)
    assert snapshot() == before


def test_retracting_a_vote_that_was_never_cast_is_a_no_op(answer, customer):
    before = snapshot()
    services.vote_cast(post=answer, user=customer, value=0)
    assert snapshot() == before


def test_nobody_votes_on_their_own_answer(answer, expert):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.vote_cast(post=answer, user=expert, value=1)
    assert snapshot() == before


@pytest.mark.parametrize("value", [2, -2, 10, True, "1", None])
def test_a_vote_is_plus_or_minus_one(answer, customer, value):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.vote_cast(post=answer, user=customer, value=value)
    assert snapshot() == before


def test_an_inactive_user_cannot_vote(answer):
    blocked = UserFactory(is_active=False)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.vote_cast(post=answer, user=blocked, value=1)
    assert snapshot() == before


def test_a_hidden_answer_is_not_found_for_voters(answer, customer, staff):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = snapshot()
    with pytest.raises(NotFound):
        services.vote_cast(post=answer, user=customer, value=1)
    assert snapshot() == before
    # Moderators can see it but still may not vote on it.
    with pytest.raises(PermissionDenied):
        services.vote_cast(post=answer, user=staff, value=1)
    assert snapshot() == before


def test_voting_on_an_answer_that_does_not_exist_is_not_found(customer):
    with pytest.raises(NotFound):
        services.vote_cast(post=Post(pk=987654), user=customer, value=1)
