"""Answers through the API: list, create, read, edit, and refused input."""

from __future__ import annotations

import pytest

from forum import services
from forum.models import Post
from tests.factories import PostFactory, ThreadFactory, UserFactory


def _answers_url(thread_pk: int) -> str:
    return f"/api/v1/threads/{thread_pk}/answers/"


def _answer_url(pk: int) -> str:
    return f"/api/v1/answers/{pk}/"


def test_the_answers_list_shows_visible_answers_oldest_first_with_the_accepted_one(
    api, question, answer, customer, other_customer, staff
):
    second = services.answer_create(
        thread=question, author=other_customer, body="Check the ink level first."
    )
    hidden = services.answer_create(thread=question, author=other_customer, body="Buy a new one.")
    services.post_set_hidden(post=hidden, moderator=staff, hidden=True)
    services.answer_accept(thread=question, post=second, actor=customer)

    response = api.get(_answers_url(question.pk))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [answer.pk, second.pk]
    assert results[1]["is_accepted"] is True
    assert results[0]["author"]["display_name"] == "Erika Expert"
    assert results[0]["my_vote"] == 0
    assert results[0]["url"] == f"http://testserver/a/{answer.pk}/"


def test_staff_see_hidden_and_deleted_answers_in_the_list(staff_api, api, question, answer):
    deleted = PostFactory(thread=question, is_deleted=True)
    public = [item["id"] for item in api.get(_answers_url(question.pk)).json()["results"]]
    staff = [item["id"] for item in staff_api.get(_answers_url(question.pk)).json()["results"]]
    assert public == [answer.pk]
    assert staff == [answer.pk, deleted.pk]


def test_the_answers_list_shows_the_callers_own_votes(customer_api, question, answer, customer):
    services.vote_cast(post=answer, user=customer, value=-1)
    [item] = customer_api.get(_answers_url(question.pk)).json()["results"]
    assert item["my_vote"] == -1
    assert item["score"] == -1


def test_the_answers_of_a_hidden_question_are_not_found(api, category):
    hidden = ThreadFactory(category=category, is_hidden=True)
    PostFactory(thread=hidden)
    assert api.get(_answers_url(hidden.pk)).status_code == 404


def test_answering_creates_the_answer_and_answers_201(expert_api, expert, question):
    response = expert_api.post(
        _answers_url(question.pk), {"body": "Update the driver to 2.3."}, format="json"
    )
    assert response.status_code == 201, response.json()
    post = Post.objects.get(pk=response.json()["id"])
    assert post.author == expert
    assert post.thread == question
    assert response.json()["body_md"] == "Update the driver to 2.3."
    question.refresh_from_db()
    assert question.answer_count == 1
    assert question.status == "answered"


def test_staff_can_post_an_official_answer_but_customers_cannot(
    staff_api, expert_api, question, forum_state
):
    response = staff_api.post(
        _answers_url(question.pk), {"body": "Official fix: firmware 2.2.", "official": True}
    )
    assert response.status_code == 201
    assert response.json()["is_official"] is True

    before = forum_state()
    response = expert_api.post(
        _answers_url(question.pk), {"body": "Official, trust me.", "official": True}
    )
    assert response.status_code == 403
    assert forum_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "ok"}, "body"),
        ({"body": "x" * 30_001}, "body"),
        ({}, "body"),
        ({"body": "A fine answer body", "official": "maybe"}, "official"),
    ],
)
def test_answering_with_bad_input_is_refused_and_changes_nothing(
    expert_api, question, forum_state, payload, field
):
    before = forum_state()
    response = expert_api.post(_answers_url(question.pk), payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert forum_state() == before


def test_answering_a_hidden_or_deleted_question_is_not_found(expert_api, category, forum_state):
    hidden = ThreadFactory(category=category, is_hidden=True)
    deleted = ThreadFactory(category=category, is_deleted=True)
    before = forum_state()
    for thread in (hidden, deleted):
        response = expert_api.post(_answers_url(thread.pk), {"body": "Here is how to fix it."})
        assert response.status_code == 404
    assert forum_state() == before


def test_answering_a_locked_question_is_forbidden(expert_api, category, forum_state):
    locked = ThreadFactory(category=category, is_locked=True)
    before = forum_state()
    response = expert_api.post(_answers_url(locked.pk), {"body": "Here is how to fix it."})
    assert response.status_code == 403
    assert forum_state() == before


def test_anyone_can_read_one_answer(api, answer):
    response = api.get(_answer_url(answer.pk))
    assert response.status_code == 200
    assert response.json()["id"] == answer.pk
    assert response.json()["thread_id"] == answer.thread_id


def test_a_hidden_or_deleted_answer_is_not_found_for_the_public(api, staff_api, answer, staff):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    deleted = PostFactory(thread=answer.thread, is_deleted=True)
    for pk in (answer.pk, deleted.pk):
        assert api.get(_answer_url(pk)).status_code == 404
        assert staff_api.get(_answer_url(pk)).status_code == 200


def test_the_author_edits_their_answer(expert_api, answer):
    response = expert_api.patch(
        _answer_url(answer.pk), {"body": "Hold the power button for 15 s.", "reason": "typo"}
    )
    assert response.status_code == 200, response.json()
    answer.refresh_from_db()
    assert answer.body_md == "Hold the power button for 15 s."
    assert answer.revisions.count() == 2
    assert response.json()["edited_at"] is not None


def test_someone_else_cannot_edit_an_answer(customer_api, answer, forum_state):
    before = forum_state()
    response = customer_api.patch(_answer_url(answer.pk), {"body": "My words now, not yours."})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert forum_state() == before


def test_editing_an_answer_with_bad_input_is_refused_and_changes_nothing(
    expert_api, answer, forum_state
):
    before = forum_state()
    for payload in ({"body": ""}, {"body": ["not", "text"]}, {"reason": "no body"}):
        response = expert_api.patch(_answer_url(answer.pk), payload, format="json")
        assert response.status_code == 400, response.json()
    assert forum_state() == before


def test_editing_a_hidden_answer_is_not_found_for_its_author(
    expert_api, answer, staff, forum_state
):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = forum_state()
    response = expert_api.patch(_answer_url(answer.pk), {"body": "Sneaky edit while hidden."})
    assert response.status_code == 404
    assert forum_state() == before


def test_an_inactive_account_cannot_answer(question, forum_state):
    from rest_framework.test import APIClient

    ghost = UserFactory(is_active=False)
    client = APIClient()
    client.force_authenticate(ghost)
    before = forum_state()
    response = client.post(_answers_url(question.pk), {"body": "Hello from a closed account"})
    assert response.status_code == 403
    assert forum_state() == before
