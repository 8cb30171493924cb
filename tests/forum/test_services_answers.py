"""answer_create, answer_edit, post_set_hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import NotFound, PermissionDenied
from core.models import OutboxEvent
from forum import services
from forum.models import Category, Post, Revision, Thread, ThreadStatus
from tests.factories import UserFactory
from tests.forum.test_services_invariants import assert_synchronized, snapshot


@pytest.fixture
def question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Router drops the connection",
        body="Every evening the router drops all devices.",
    )


def _category(thread: Thread) -> Category:
    return Category.objects.get(pk=thread.category_id)


# --- answer_create --------------------------------------------------------------------------


def test_the_first_answer_makes_the_question_answered(question, expert):
    answer = services.answer_create(thread=question, author=expert, body="Update the firmware.")
    question.refresh_from_db()
    assert question.status == ThreadStatus.ANSWERED
    assert question.answer_count == 1
    assert question.first_answer_at == answer.created_at
    assert _category(question).unanswered_count == 0
    assert list(Revision.objects.filter(post=answer).values_list("number", flat=True)) == [1]
    event = OutboxEvent.objects.get(name="forum.PostCreated")
    assert event.payload == {
        "post_id": answer.pk,
        "thread_id": question.pk,
        "category_id": question.category_id,
        "author_id": expert.pk,
        "asker_id": question.author_id,
        "is_first_answer": True,
        "is_official": False,
        "created_at": answer.created_at.isoformat(),
        "imported": False,
    }
    assert_synchronized()


def test_later_answers_count_up_but_keep_the_first_answer_time(question, expert, other_customer):
    first = services.answer_create(thread=question, author=expert, body="Update the firmware.")
    services.answer_create(thread=question, author=other_customer, body="Same problem here.")
    services.answer_create(thread=question, author=expert, body="And reboot it afterwards.")
    question.refresh_from_db()
    assert question.answer_count == 3
    assert question.first_answer_at == first.created_at
    flags = [
        e.payload["is_first_answer"] for e in OutboxEvent.objects.filter(name="forum.PostCreated")
    ]
    assert flags == [True, False, False]
    assert_synchronized()


def test_markdown_in_an_answer_is_rendered_safely(question, expert):
    answer = services.answer_create(
        thread=question, author=expert, body="Run `reset`\n\n<script>alert(1)</script>"
    )
    assert "<code>reset</code>" in answer.body_html
    assert "<script" not in answer.body_html


def test_only_staff_post_official_answers(question, expert, staff):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_create(
            thread=question, author=expert, body="Officially: no.", official=True
        )
    assert snapshot() == before
    answer = services.answer_create(
        thread=question, author=staff, body="Official fix below.", official=True
    )
    assert answer.is_official


@pytest.mark.parametrize("body", ["", "   ", "tiny", "x" * 30_001])
def test_a_bad_answer_body_is_refused_and_changes_nothing(question, expert, body):
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.answer_create(thread=question, author=expert, body=body)
    assert "body" in info.value.message_dict
    assert snapshot() == before


def test_an_inactive_user_cannot_answer(question):
    blocked = UserFactory(is_active=False)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_create(thread=question, author=blocked, body="I am blocked.")
    assert snapshot() == before


def test_a_hidden_question_is_not_found_for_customers(question, expert):
    Thread.objects.filter(pk=question.pk).update(is_hidden=True)
    before = snapshot()
    with pytest.raises(NotFound):
        services.answer_create(thread=question, author=expert, body="Hello there.")
    assert snapshot() == before


def test_a_locked_question_takes_answers_from_staff_only(question, expert, staff):
    Thread.objects.filter(pk=question.pk).update(is_locked=True)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_create(thread=question, author=expert, body="Hello there.")
    assert snapshot() == before
    services.answer_create(thread=question, author=staff, body="Locked, but here is the fix.")


# --- answer_edit ----------------------------------------------------------------------------


def test_each_edit_of_an_answer_adds_the_next_revision(question, expert):
    answer = services.answer_create(thread=question, author=expert, body="Version one.")
    services.answer_edit(post=answer, editor=expert, body="Version two.", reason="typo")
    services.answer_edit(post=answer, editor=expert, body="Version **three**.")
    answer.refresh_from_db()
    assert answer.body_md == "Version **three**."
    assert "<strong>three</strong>" in answer.body_html
    assert answer.edited_at is not None
    revisions = list(
        Revision.objects.filter(post=answer).values_list("number", "body_md", "reason")
    )
    assert revisions == [
        (1, "Version one.", ""),
        (2, "Version two.", "typo"),
        (3, "Version **three**.", ""),
    ]
    # The question's own revisions are numbered separately.
    assert list(
        Revision.objects.filter(thread=question, post=None).values_list("number", flat=True)
    ) == [1]
    assert [e.payload["revision"] for e in OutboxEvent.objects.filter(name="forum.PostEdited")] == [
        2,
        3,
    ]


def test_editing_an_answer_to_the_same_text_writes_nothing(question, expert):
    answer = services.answer_create(thread=question, author=expert, body="Version one.")
    before = snapshot()
    services.answer_edit(post=answer, editor=expert, body="Version one.")
    assert snapshot() == before


def test_the_author_cannot_edit_an_answer_after_the_window_but_a_moderator_can(
    question, expert, staff
):
    answer = services.answer_create(thread=question, author=expert, body="Version one.")
    later = timezone.now() + settings.FORUM_EDIT_WINDOW + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        before = snapshot()
        with pytest.raises(PermissionDenied):
            services.answer_edit(post=answer, editor=expert, body="Too late now.")
        assert snapshot() == before
        services.answer_edit(post=answer, editor=staff, body="Fixed by a moderator.")
    assert Post.objects.get(pk=answer.pk).body_md == "Fixed by a moderator."


def test_someone_else_cannot_edit_an_answer(question, expert, other_customer):
    answer = services.answer_create(thread=question, author=expert, body="Version one.")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_edit(post=answer, editor=other_customer, body="Vandalised.")
    assert snapshot() == before


def test_a_bad_edit_body_changes_nothing(question, expert):
    answer = services.answer_create(thread=question, author=expert, body="Version one.")
    before = snapshot()
    with pytest.raises(ValidationError):
        services.answer_edit(post=answer, editor=expert, body="no")
    assert snapshot() == before


# --- post_set_hidden ------------------------------------------------------------------------


def test_hiding_the_only_answer_makes_the_question_unanswered_again(question, expert, staff):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    question.refresh_from_db()
    assert question.answer_count == 0
    assert _category(question).unanswered_count == 1
    assert_synchronized()
    services.post_set_hidden(post=answer, moderator=staff, hidden=False)
    question.refresh_from_db()
    assert question.answer_count == 1
    assert _category(question).unanswered_count == 0
    assert_synchronized()
    assert [e.payload["hidden"] for e in OutboxEvent.objects.filter(name="forum.PostHidden")] == [
        True,
        False,
    ]


def test_hiding_one_of_two_answers_keeps_the_question_answered(
    question, expert, other_customer, staff
):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    services.answer_create(thread=question, author=other_customer, body="Reset it.")
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    question.refresh_from_db()
    assert question.answer_count == 1
    assert question.status == ThreadStatus.ANSWERED
    assert_synchronized()


def test_hiding_the_accepted_answer_unaccepts_it(question, customer, expert, staff):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    services.answer_create(thread=question, author=staff, body="Or reset it.")
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    question.refresh_from_db()
    answer.refresh_from_db()
    assert not answer.is_accepted
    assert question.accepted_answer_id is None
    assert question.status == ThreadStatus.ANSWERED
    assert _category(question).solved_count == 0
    assert list(
        OutboxEvent.objects.filter(name__in=["forum.AnswerUnaccepted", "forum.PostHidden"])
        .order_by("pk")
        .values_list("name", flat=True)
    ) == ["forum.AnswerUnaccepted", "forum.PostHidden"]
    assert_synchronized()


def test_hiding_twice_is_a_no_op(question, expert, staff):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = snapshot()
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    assert snapshot() == before


def test_only_moderators_hide_answers(question, customer, expert):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.post_set_hidden(post=answer, moderator=customer, hidden=True)
    assert snapshot() == before


def test_a_hidden_answer_cannot_be_edited_by_its_author(question, expert, staff):
    answer = services.answer_create(thread=question, author=expert, body="Buy a new router.")
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_edit(post=answer, editor=expert, body="Let me fix that.")
    assert snapshot() == before
