"""Questions through the API: list, filters, create, read, edit, and refused input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services
from forum.models import Thread, ThreadStatus
from tests.factories import CategoryFactory, PostFactory, TagFactory, ThreadFactory

THREADS = "/api/v1/threads/"


def _thread_url(pk: int) -> str:
    return f"/api/v1/threads/{pk}/"


def _new_question(**overrides) -> dict:
    return {
        "category": "printers",
        "title": "Scanner does not wake up from sleep",
        "body": "After a night in sleep mode the scanner ignores every button.",
        "tags": ["wifi"],
        **overrides,
    }


# --- Reading --------------------------------------------------------------------------------


def test_anyone_can_list_categories_with_their_counts(api, question):
    response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    [printers] = response.json()
    assert printers["slug"] == "printers"
    assert printers["thread_count"] == 1
    assert printers["unanswered_count"] == 1


def test_the_thread_list_shows_each_question_with_its_summary(api, question):
    response = api.get(THREADS)
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == question.pk
    assert item["title"] == question.title
    assert item["category"] == {"id": question.category_id, "slug": "printers", "name": "Printers"}
    assert item["author"] == {
        "username": question.author.username,
        "display_name": "Carla Customer",
    }
    assert item["tags"] == [{"slug": "wifi", "name": "wifi"}]
    assert item["status"] == "open"
    assert item["answer_count"] == 0
    assert item["accepted_answer_id"] is None
    assert item["url"] == f"http://testserver/t/{question.pk}/"
    assert "body_md" not in item


def test_the_thread_list_filters_by_category_tag_and_state(api, category, tag):
    other_category = CategoryFactory(slug="scanners", name="Scanners")
    open_one = ThreadFactory(category=category)
    open_one.tags.add(tag)
    answered = ThreadFactory(category=category, answer_count=1, status=ThreadStatus.ANSWERED)
    solved = ThreadFactory(category=category, answer_count=1, status=ThreadStatus.SOLVED)
    elsewhere = ThreadFactory(category=other_category)

    def ids(**params) -> set[int]:
        response = api.get(THREADS, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    assert ids() == {open_one.pk, answered.pk, solved.pk, elsewhere.pk}
    assert ids(category="scanners") == {elsewhere.pk}
    assert ids(tag="wifi") == {open_one.pk}
    assert ids(category="printers", filter="unanswered") == {open_one.pk}
    assert ids(category="printers", filter="unsolved") == {open_one.pk, answered.pk}
    assert ids(filter="solved") == {solved.pk}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("newest", ["c", "b", "a"]), ("active", ["a", "c", "b"]), ("votes", ["b", "a", "c"])],
)
def test_the_thread_list_pages_through_in_the_chosen_sort(api, category, sort, expected):
    now = timezone.now()
    threads = {
        "a": ThreadFactory(
            category=category, title="aaaaaaaaaaa", score=1,
            created_at=now - timedelta(hours=3), last_activity_at=now,
        ),
        "b": ThreadFactory(
            category=category, title="bbbbbbbbbbb", score=5,
            created_at=now - timedelta(hours=2), last_activity_at=now - timedelta(hours=2),
        ),
        "c": ThreadFactory(
            category=category, title="ccccccccccc", score=0,
            created_at=now - timedelta(hours=1), last_activity_at=now - timedelta(hours=1),
        ),
    }  # fmt: skip
    by_id = {thread.pk: name for name, thread in threads.items()}
    seen: list[str] = []
    response = api.get(THREADS, {"sort": sort, "page_size": 1})
    while True:
        assert response.status_code == 200
        seen += [by_id[item["id"]] for item in response.json()["results"]]
        if not response.json()["next"]:
            break
        response = api.get(response.json()["next"])
    assert seen == expected


def test_paging_by_votes_does_not_skip_or_repeat_questions_with_equal_scores(api, category):
    for _ in range(7):
        ThreadFactory(category=category, score=2)
    seen: list[int] = []
    response = api.get(THREADS, {"sort": "votes", "page_size": 3})
    while True:
        seen += [item["id"] for item in response.json()["results"]]
        if not response.json()["next"]:
            break
        response = api.get(response.json()["next"])
    assert sorted(seen) == sorted(Thread.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"filter": "everything"}, "filter"),
        ({"sort": "random"}, "sort"),
        ({"category": "no-such-category"}, "category"),
        ({"tag": "no-such-tag"}, "tag"),
    ],
)
def test_the_thread_list_refuses_unknown_filters(api, category, params, field):
    response = api.get(THREADS, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]


def test_hidden_and_deleted_questions_are_listed_only_for_staff(api, staff_api, category):
    visible = ThreadFactory(category=category)
    hidden = ThreadFactory(category=category, is_hidden=True)
    deleted = ThreadFactory(category=category, is_deleted=True)
    public_ids = {item["id"] for item in api.get(THREADS).json()["results"]}
    staff_ids = {item["id"] for item in staff_api.get(THREADS).json()["results"]}
    assert public_ids == {visible.pk}
    assert staff_ids == {visible.pk, hidden.pk, deleted.pk}


def test_the_thread_detail_has_the_text_and_the_accepted_answer_inline(
    api, question, answer, customer
):
    services.answer_accept(thread=question, post=answer, actor=customer)
    response = api.get(_thread_url(question.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["body_md"] == question.body_md
    assert "<p>" in data["body_html"]
    assert data["status"] == "solved"
    assert data["accepted_answer_id"] == answer.pk
    assert data["accepted_answer"]["id"] == answer.pk
    assert data["accepted_answer"]["is_accepted"] is True
    assert data["accepted_answer"]["my_vote"] == 0
    assert data["can_edit"] is False
    assert data["can_answer"] is False


def test_the_asker_sees_what_they_may_do_with_their_question(customer_api, question):
    data = customer_api.get(_thread_url(question.pk)).json()
    assert (data["can_edit"], data["can_answer"], data["can_accept"]) == (True, True, True)


def test_a_hidden_question_is_not_found_for_the_public_but_visible_to_staff(
    api, customer_api, staff_api, category
):
    hidden = ThreadFactory(category=category, is_hidden=True)
    for client in (api, customer_api):
        response = client.get(_thread_url(hidden.pk))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert staff_api.get(_thread_url(hidden.pk)).status_code == 200


def test_an_unknown_question_is_not_found(api, db):
    response = api.get(_thread_url(999_999))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "This question does not exist."}
    }


# --- Asking ---------------------------------------------------------------------------------


def test_asking_by_category_slug_creates_the_question_and_answers_201(
    customer_api, customer, category, tag
):
    response = customer_api.post(THREADS, _new_question(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    thread = Thread.objects.get(pk=data["id"])
    assert thread.author == customer
    assert thread.category == category
    assert [t.slug for t in thread.tags.all()] == ["wifi"]
    assert data["title"] == "Scanner does not wake up from sleep"
    assert data["body_md"] == thread.body_md
    assert data["accepted_answer"] is None
    category.refresh_from_db()
    assert category.thread_count == 1


def test_asking_by_category_id_works_too(customer_api, category):
    response = customer_api.post(
        THREADS, _new_question(category=category.pk, tags=[]), format="json"
    )
    assert response.status_code == 201
    assert response.json()["category"]["id"] == category.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "Too long " * 30}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 30_001}, "body"),
        ({"category": 999_999}, "category"),
        ({"category": "no-such-category"}, "category"),
        ({"category": ["printers"]}, "category"),
        ({"category": True}, "category"),
        ({"tags": ["no-such-tag"]}, "tags"),
        ({"tags": "wifi"}, "tags"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
    ],
)
def test_asking_with_bad_input_is_refused_and_changes_nothing(
    customer_api, category, tag, forum_state, overrides, field
):
    before = forum_state()
    response = customer_api.post(THREADS, _new_question(**overrides), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert forum_state() == before


def test_asking_with_a_missing_field_names_the_field(customer_api, category, forum_state):
    before = forum_state()
    response = customer_api.post(THREADS, {"category": "printers"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"title", "body"}
    assert forum_state() == before


# --- Editing --------------------------------------------------------------------------------


def test_the_asker_edits_title_body_and_tags(customer_api, question, forum_state):
    TagFactory(name="sleep", slug="sleep")
    response = customer_api.patch(
        _thread_url(question.pk),
        {
            "title": "Printer blinks orange after the firmware update",
            "body": "It blinks orange since the update; restarting does not help.",
            "tags": ["sleep"],
            "reason": "more detail",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    question.refresh_from_db()
    assert question.title == "Printer blinks orange after the firmware update"
    assert question.edited_at is not None
    assert [t.slug for t in question.tags.all()] == ["sleep"]
    assert question.revisions.count() == 2
    assert response.json()["tags"] == [{"slug": "sleep", "name": "sleep"}]


def test_editing_only_the_tags_keeps_the_text(customer_api, question):
    response = customer_api.patch(_thread_url(question.pk), {"tags": []}, format="json")
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.tags.count() == 0
    assert question.edited_at is None


def test_someone_else_cannot_edit_a_question(other_api, question, forum_state):
    before = forum_state()
    response = other_api.patch(
        _thread_url(question.pk), {"title": "Hijacked title for sure"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert forum_state() == before


def test_a_moderator_may_edit_anyones_question(staff_api, question):
    response = staff_api.patch(
        _thread_url(question.pk), {"title": "Printer blinks orange (firmware 2.1)"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "short"}, "title"),
        ({"body": ""}, "body"),
        ({"tags": "wifi"}, "tags"),
        ({"tags": ["no-such-tag"]}, "tags"),
        ({"title": ["a", "list"]}, "title"),
    ],
)
def test_editing_with_bad_input_is_refused_and_changes_nothing(
    customer_api, question, forum_state, payload, field
):
    before = forum_state()
    response = customer_api.patch(_thread_url(question.pk), payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert forum_state() == before


def test_editing_a_hidden_question_is_not_found_for_its_author(customer_api, customer, category):
    hidden = ThreadFactory(category=category, author=customer, is_hidden=True)
    response = customer_api.patch(
        _thread_url(hidden.pk), {"title": "A perfectly fine new title"}, format="json"
    )
    assert response.status_code == 404
    hidden.refresh_from_db()
    assert hidden.title != "A perfectly fine new title"


def test_editing_a_deleted_question_is_not_found(customer_api, customer, category, forum_state):
    deleted = ThreadFactory(category=category, author=customer, is_deleted=True)
    PostFactory(thread=deleted)
    before = forum_state()
    response = customer_api.patch(
        _thread_url(deleted.pk), {"title": "A perfectly fine new title"}, format="json"
    )
    assert response.status_code == 404
    assert forum_state() == before
