"""thread_create, thread_edit, thread_close, thread_reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import Conflict, NotFound, PermissionDenied
from core.models import OutboxEvent
from forum import services
from forum.models import Category, Revision, Thread, ThreadStatus
from tests.factories import CategoryFactory, TagFactory, UserFactory
from tests.forum.test_services_invariants import assert_synchronized, event_names, snapshot


@pytest.fixture
def question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Printer blinks orange",
        body="It blinks orange and will not print.",
    )


# --- thread_create --------------------------------------------------------------------------


def test_creating_a_question_stores_it_open_with_its_first_revision_and_an_event(
    customer, category
):
    tag = TagFactory(name="wifi")
    thread = services.thread_create(
        author=customer,
        category=category.pk,
        title="  Printer   loses Wi-Fi  ",
        body="It drops off the network **every night**.",
        tags=["WiFi"],
    )
    thread.refresh_from_db()
    assert thread.title == "Printer loses Wi-Fi"  # whitespace collapsed
    assert thread.status == ThreadStatus.OPEN
    assert "<strong>every night</strong>" in thread.body_html
    assert list(thread.tags.all()) == [tag]
    assert list(Revision.objects.filter(thread=thread).values_list("number", "post")) == [(1, None)]
    category.refresh_from_db()
    assert (category.thread_count, category.unanswered_count, category.solved_count) == (1, 1, 0)
    event = OutboxEvent.objects.get()
    assert event.name == "forum.ThreadCreated"
    assert event.payload["thread_id"] == thread.pk
    assert event.payload["author_id"] == customer.pk
    assert_synchronized()


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"title": "short"}, "title", "too_short"),
        ({"title": "x" * 201}, "title", "too_long"),
        ({"body": "too short"}, "body", "too_short"),
        ({"tags": ["no-such-tag"]}, "tags", "unknown_tag"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags", "too_many_tags"),
        ({"category": 999_999}, "category", "unknown_category"),
        ({"category": "printers; drop table"}, "category", "unknown_category"),
    ],
)
def test_a_bad_question_is_refused_per_field_and_changes_nothing(
    customer, category, kwargs, field, code
):
    for name in "abcdef":
        TagFactory(name=name)
    arguments = {
        "author": customer,
        "category": category,
        "title": "A perfectly fine title",
        "body": "A perfectly fine question body.",
        **kwargs,
    }
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.thread_create(**arguments)
    assert field in info.value.message_dict
    assert info.value.error_dict[field][0].code == code
    assert snapshot() == before


def test_every_bad_field_is_reported_at_once(customer):
    with pytest.raises(ValidationError) as info:
        services.thread_create(author=customer, category=0, title="", body="")
    assert set(info.value.message_dict) == {"title", "body", "category"}


def test_an_inactive_category_cannot_take_questions(customer):
    archived = CategoryFactory(is_active=False)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.thread_create(
            author=customer, category=archived, title="Old product question", body="x" * 20
        )
    assert snapshot() == before


def test_an_inactive_user_cannot_ask(category):
    blocked = UserFactory(is_active=False)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.thread_create(
            author=blocked, category=category, title="A fine title here", body="x" * 20
        )
    assert snapshot() == before


# --- thread_edit ----------------------------------------------------------------------------


def test_each_edit_of_a_question_adds_the_next_revision(question, customer):
    for n in range(2, 5):
        services.thread_edit(
            thread=question, editor=customer, body=f"It blinks orange, attempt {n} failed."
        )
    revisions = list(
        Revision.objects.filter(thread=question, post=None).values_list("number", "body_md")
    )
    assert [number for number, _ in revisions] == [1, 2, 3, 4]
    assert revisions[-1][1] == "It blinks orange, attempt 4 failed."
    question.refresh_from_db()
    assert question.edited_at is not None
    assert question.body_md == "It blinks orange, attempt 4 failed."
    edits = OutboxEvent.objects.filter(name="forum.PostEdited")
    assert [e.payload["revision"] for e in edits] == [2, 3, 4]
    assert_synchronized()


def test_an_edit_that_changes_nothing_writes_nothing(question, customer):
    before = snapshot()
    services.thread_edit(
        thread=question,
        editor=customer,
        title="Printer blinks orange",
        body="It blinks orange and will not print.",
    )
    assert snapshot() == before


def test_changing_only_tags_replaces_them_without_a_revision(question, customer):
    TagFactory(name="ink")
    services.thread_edit(thread=question, editor=customer, tags=["ink"])
    assert list(question.tags.values_list("slug", flat=True)) == ["ink"]
    assert Revision.objects.filter(thread=question).count() == 1


def test_the_asker_cannot_edit_after_the_edit_window_but_a_moderator_can(question, customer, staff):
    later = timezone.now() + settings.FORUM_EDIT_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        before = snapshot()
        with pytest.raises(PermissionDenied):
            services.thread_edit(thread=question, editor=customer, title="A new title here")
        assert snapshot() == before
        services.thread_edit(thread=question, editor=staff, title="A new title by staff")
    question.refresh_from_db()
    assert question.title == "A new title by staff"


def test_the_asker_can_still_edit_just_inside_the_window(question, customer):
    inside = question.created_at + settings.FORUM_EDIT_WINDOW - timedelta(minutes=1)
    with time_machine.travel(inside, tick=False):
        services.thread_edit(thread=question, editor=customer, title="Edited just in time")
    question.refresh_from_db()
    assert question.title == "Edited just in time"


def test_someone_else_cannot_edit_a_question(question, other_customer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.thread_edit(thread=question, editor=other_customer, title="Vandalised title")
    assert snapshot() == before


def test_an_edit_with_a_bad_title_changes_nothing(question, customer):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.thread_edit(thread=question, editor=customer, title="no")
    assert snapshot() == before


def test_editing_a_question_that_does_not_exist_is_not_found(customer):
    ghost = Thread(pk=424242)
    with pytest.raises(NotFound):
        services.thread_edit(thread=ghost, editor=customer, title="Whatever title")


# --- thread_close / thread_reopen -----------------------------------------------------------


def test_closing_and_reopening_an_unanswered_question_keeps_the_counters(question, staff):
    services.thread_close(thread=question, moderator=staff, reason="duplicate")
    question.refresh_from_db()
    assert question.status == ThreadStatus.CLOSED
    assert Category.objects.get(pk=question.category_id).unanswered_count == 0
    assert_synchronized()
    services.thread_reopen(thread=question, moderator=staff)
    question.refresh_from_db()
    assert question.status == ThreadStatus.OPEN
    assert Category.objects.get(pk=question.category_id).unanswered_count == 1
    assert_synchronized()
    assert event_names()[-2:] == ["forum.ThreadClosed", "forum.ThreadReopened"]


def test_reopening_a_solved_question_makes_it_solved_again(question, customer, expert, staff):
    answer = services.answer_create(thread=question, author=expert, body="Replace the ink.")
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.thread_close(thread=question, moderator=staff)
    assert Category.objects.get(pk=question.category_id).solved_count == 0
    assert_synchronized()
    services.thread_reopen(thread=question, moderator=staff)
    question.refresh_from_db()
    assert question.status == ThreadStatus.SOLVED
    assert Category.objects.get(pk=question.category_id).solved_count == 1
    assert_synchronized()


def test_only_moderators_close_and_reopen(question, customer, staff):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.thread_close(thread=question, moderator=customer)
    assert snapshot() == before
    services.thread_close(thread=question, moderator=staff)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.thread_reopen(thread=question, moderator=customer)
    assert snapshot() == before


def test_closing_twice_or_reopening_an_open_question_is_a_conflict(question, staff):
    before = snapshot()
    with pytest.raises(Conflict):
        services.thread_reopen(thread=question, moderator=staff)
    assert snapshot() == before
    services.thread_close(thread=question, moderator=staff)
    before = snapshot()
    with pytest.raises(Conflict):
        services.thread_close(thread=question, moderator=staff)
    assert snapshot() == before


def test_a_closed_question_takes_no_answers_from_customers(question, staff, expert):
    services.thread_close(thread=question, moderator=staff)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_create(thread=question, author=expert, body="Let me answer anyway.")
    assert snapshot() == before


def test_staff_answering_a_closed_unanswered_question_keeps_the_counters(question, staff):
    services.thread_close(thread=question, moderator=staff)
    services.answer_create(thread=question, author=staff, body="Closed: see the FAQ.")
    assert_synchronized()
    services.thread_reopen(thread=question, moderator=staff)
    question.refresh_from_db()
    assert question.status == ThreadStatus.ANSWERED
    assert_synchronized()


def test_the_view_counter_adds_up(question):
    services.thread_view_count_add(thread_id=question.pk)
    services.thread_view_count_add(thread_id=question.pk, views=4)
    assert Thread.objects.get(pk=question.pk).view_count == 5
