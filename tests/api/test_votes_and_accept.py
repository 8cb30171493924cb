"""Votes and accepted answers through the API."""

from __future__ import annotations

import pytest

from core.models import OutboxEvent
from forum import services
from forum.models import Thread, ThreadStatus, Vote
from tests.factories import PostFactory, ThreadFactory


def _vote_url(answer_pk: int) -> str:
    return f"/api/v1/answers/{answer_pk}/vote/"


def _accept_url(thread_pk: int) -> str:
    return f"/api/v1/threads/{thread_pk}/accept/"


def _unaccept_url(thread_pk: int) -> str:
    return f"/api/v1/threads/{thread_pk}/unaccept/"


# --- Votes ----------------------------------------------------------------------------------


def test_voting_up_answers_200_with_the_new_score(customer_api, answer):
    response = customer_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "answer_id": answer.pk, "score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1
    }  # fmt: skip


def test_the_same_vote_twice_counts_once(customer_api, answer):
    first = customer_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    second = customer_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    assert first.status_code == second.status_code == 200
    assert second.json()["score"] == 1
    assert Vote.objects.filter(post=answer).count() == 1
    assert OutboxEvent.objects.filter(name="forum.VoteCast").count() == 1
    answer.refresh_from_db()
    assert answer.score == 1


def test_changing_a_vote_from_up_to_down_moves_the_score_by_two(customer_api, other_api, answer):
    other_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    customer_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    response = customer_api.put(_vote_url(answer.pk), {"value": -1}, format="json")
    assert response.json()["score"] == 0
    assert (response.json()["upvotes"], response.json()["downvotes"]) == (1, 1)


def test_retracting_a_vote_restores_the_score(customer_api, answer):
    customer_api.put(_vote_url(answer.pk), {"value": -1}, format="json")
    response = customer_api.delete(_vote_url(answer.pk))
    assert response.status_code == 200
    assert response.json()["score"] == 0
    assert response.json()["my_vote"] == 0
    assert not Vote.objects.exists()


def test_voting_on_your_own_answer_is_forbidden_and_changes_nothing(
    expert_api, answer, forum_state
):
    before = forum_state()
    response = expert_api.put(_vote_url(answer.pk), {"value": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert forum_state() == before


@pytest.mark.parametrize("value", ["up", 2, 0, None, True, [1], "", {"v": 1}])
def test_a_vote_must_be_1_or_minus_1(customer_api, answer, forum_state, value):
    before = forum_state()
    response = customer_api.put(_vote_url(answer.pk), {"value": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "value" in response.json()["error"]["fields"]
    assert forum_state() == before


def test_voting_on_a_hidden_or_deleted_answer_is_not_found(
    customer_api, answer, staff, forum_state
):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    deleted = PostFactory(thread=answer.thread, is_deleted=True)
    before = forum_state()
    for pk in (answer.pk, deleted.pk, 999_999):
        response = customer_api.put(_vote_url(pk), {"value": 1}, format="json")
        assert response.status_code == 404
    assert forum_state() == before


def test_voting_on_an_answer_in_a_hidden_question_is_not_found(customer_api, category, forum_state):
    post = PostFactory(thread=ThreadFactory(category=category, is_hidden=True))
    before = forum_state()
    response = customer_api.put(_vote_url(post.pk), {"value": 1}, format="json")
    assert response.status_code == 404
    assert forum_state() == before


# --- Accepting ------------------------------------------------------------------------------


def test_the_asker_accepts_an_answer(customer_api, question, answer):
    response = customer_api.post(_accept_url(question.pk), {"answer_id": answer.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "solved"
    assert response.json()["accepted_answer_id"] == answer.pk
    question.refresh_from_db()
    assert question.status == ThreadStatus.SOLVED
    assert question.accepted_answer_id == answer.pk


def test_accepting_the_same_answer_twice_publishes_one_event(customer_api, question, answer):
    for _ in range(2):
        response = customer_api.post(_accept_url(question.pk), {"answer_id": answer.pk})
        assert response.status_code == 200
    assert OutboxEvent.objects.filter(name="forum.AnswerAccepted").count() == 1


def test_staff_may_accept_for_the_asker(staff_api, question, answer):
    response = staff_api.post(_accept_url(question.pk), {"answer_id": answer.pk})
    assert response.status_code == 200


def test_someone_other_than_the_asker_cannot_accept(
    other_api, expert_api, question, answer, forum_state
):
    before = forum_state()
    for client in (other_api, expert_api):
        response = client.post(_accept_url(question.pk), {"answer_id": answer.pk})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert forum_state() == before


def test_an_answer_from_another_question_cannot_be_accepted(
    customer_api, customer, category, question, forum_state
):
    elsewhere = PostFactory(thread=ThreadFactory(category=category, author=customer))
    before = forum_state()
    response = customer_api.post(_accept_url(question.pk), {"answer_id": elsewhere.pk})
    assert response.status_code == 404
    assert forum_state() == before


@pytest.mark.parametrize("answer_id", ["first", None, [1], 1.5])
def test_accepting_needs_an_answer_id(customer_api, question, answer, forum_state, answer_id):
    before = forum_state()
    response = customer_api.post(_accept_url(question.pk), {"answer_id": answer_id}, format="json")
    assert response.status_code == 400
    assert "answer_id" in response.json()["error"]["fields"]
    assert forum_state() == before


def test_a_hidden_answer_cannot_be_accepted(
    customer_api, staff_api, question, answer, staff, forum_state
):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = forum_state()
    # The asker cannot see it at all; staff see it but the thread state forbids it.
    assert customer_api.post(_accept_url(question.pk), {"answer_id": answer.pk}).status_code == 404
    response = staff_api.post(_accept_url(question.pk), {"answer_id": answer.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert forum_state() == before


def test_accepting_in_a_hidden_question_is_not_found(customer_api, customer, category, forum_state):
    hidden = ThreadFactory(category=category, author=customer, is_hidden=True)
    post = PostFactory(thread=hidden)
    before = forum_state()
    response = customer_api.post(_accept_url(hidden.pk), {"answer_id": post.pk})
    assert response.status_code == 404
    assert forum_state() == before


def test_unaccepting_puts_the_question_back_to_answered(customer_api, customer, question, answer):
    services.answer_accept(thread=question, post=answer, actor=customer)
    response = customer_api.post(_unaccept_url(question.pk))
    assert response.status_code == 200
    assert response.json() == {
        "thread_id": question.pk, "status": "answered", "accepted_answer_id": None,
        "solved_at": None,
    }  # fmt: skip
    assert Thread.objects.get(pk=question.pk).accepted_answer_id is None


def test_unaccepting_when_nothing_is_accepted_is_a_conflict(customer_api, question, forum_state):
    before = forum_state()
    response = customer_api.post(_unaccept_url(question.pk))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert forum_state() == before


def test_someone_else_cannot_unaccept(other_api, customer, question, answer, forum_state):
    services.answer_accept(thread=question, post=answer, actor=customer)
    before = forum_state()
    assert other_api.post(_unaccept_url(question.pk)).status_code == 403
    assert forum_state() == before
