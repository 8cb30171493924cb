"""answer_accept and answer_unaccept: open -> answered -> solved and back."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict, NotFound, PermissionDenied
from core.models import OutboxEvent
from forum import services
from forum.models import Category, Post, Thread, ThreadStatus
from tests.forum.test_services_invariants import assert_synchronized, event_names, snapshot


@pytest.fixture
def question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Laptop fan is very loud",
        body="The fan runs at full speed all the time.",
    )


@pytest.fixture
def answer(question, expert):
    return services.answer_create(thread=question, author=expert, body="Clean the vents.")


def _state(thread: Thread) -> tuple[str, int | None]:
    thread.refresh_from_db()
    return thread.status, thread.accepted_answer_id


def _solved(thread: Thread) -> int:
    return Category.objects.get(pk=thread.category_id).solved_count


def test_a_question_goes_open_answered_solved(question, expert, customer):
    assert _state(question) == (ThreadStatus.OPEN, None)
    answer = services.answer_create(thread=question, author=expert, body="Clean the vents.")
    assert _state(question) == (ThreadStatus.ANSWERED, None)
    services.answer_accept(thread=question, post=answer, actor=customer)
    assert _state(question) == (ThreadStatus.SOLVED, answer.pk)
    answer.refresh_from_db()
    assert answer.is_accepted
    assert answer.accepted_by_id == customer.pk
    assert answer.accepted_at == question.solved_at
    assert _solved(question) == 1
    event = OutboxEvent.objects.get(name="forum.AnswerAccepted")
    assert event.payload["post_id"] == answer.pk
    assert event.payload["answer_author_id"] == expert.pk
    assert event.payload["accepted_by_id"] == customer.pk
    assert event.payload["is_self_accept"] is False
    assert_synchronized()


def test_unaccepting_returns_the_question_to_answered(question, answer, customer):
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.answer_unaccept(thread=question, actor=customer)
    assert _state(question) == (ThreadStatus.ANSWERED, None)
    question.refresh_from_db()
    assert question.solved_at is None
    answer.refresh_from_db()
    assert (answer.is_accepted, answer.accepted_at, answer.accepted_by_id) == (False, None, None)
    assert _solved(question) == 0
    unaccepted = OutboxEvent.objects.get(name="forum.AnswerUnaccepted")
    assert unaccepted.payload["post_id"] == answer.pk
    assert unaccepted.payload["replaced_by_post_id"] is None
    assert_synchronized()


def test_accepting_another_answer_replaces_the_first(question, answer, customer, other_customer):
    second = services.answer_create(thread=question, author=other_customer, body="New fan.")
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.answer_accept(thread=question, post=second, actor=customer)

    assert _state(question) == (ThreadStatus.SOLVED, second.pk)
    assert list(Post.objects.filter(is_accepted=True).values_list("pk", flat=True)) == [second.pk]
    assert _solved(question) == 1  # still one solved question, not two
    assert event_names()[-3:] == [
        "forum.AnswerAccepted",
        "forum.AnswerUnaccepted",
        "forum.AnswerAccepted",
    ]
    unaccepted = OutboxEvent.objects.get(name="forum.AnswerUnaccepted")
    assert unaccepted.payload["post_id"] == answer.pk
    assert unaccepted.payload["replaced_by_post_id"] == second.pk
    assert OutboxEvent.objects.filter(name="forum.AnswerAccepted").last().payload["post_id"] == (
        second.pk
    )
    assert_synchronized()


def test_accepting_the_accepted_answer_again_changes_nothing(question, answer, customer):
    services.answer_accept(thread=question, post=answer, actor=customer)
    before = snapshot()
    services.answer_accept(thread=question, post=answer, actor=customer)
    assert snapshot() == before


def test_accepting_your_own_answer_is_flagged_as_a_self_accept(question, customer):
    own = services.answer_create(thread=question, author=customer, body="Fixed it myself.")
    services.answer_accept(thread=question, post=own, actor=customer)
    event = OutboxEvent.objects.get(name="forum.AnswerAccepted")
    assert event.payload["is_self_accept"] is True
    assert_synchronized()


def test_staff_can_accept_for_the_asker(question, answer, staff):
    services.answer_accept(thread=question, post=answer, actor=staff)
    assert _state(question) == (ThreadStatus.SOLVED, answer.pk)
    services.answer_unaccept(thread=question, actor=staff)
    assert _state(question) == (ThreadStatus.ANSWERED, None)
    assert_synchronized()


def test_someone_else_cannot_accept_or_unaccept(question, answer, customer, other_customer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_accept(thread=question, post=answer, actor=other_customer)
    assert snapshot() == before
    services.answer_accept(thread=question, post=answer, actor=customer)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_unaccept(thread=question, actor=other_customer)
    assert snapshot() == before


def test_the_answerer_cannot_accept_their_own_answer_on_someone_elses_question(
    question, answer, expert
):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_accept(thread=question, post=answer, actor=expert)
    assert snapshot() == before


def test_an_answer_from_another_question_cannot_be_accepted(
    question, answer, customer, category, expert
):
    other = services.thread_create(
        author=customer, category=category, title="Another question here", body="x" * 20
    )
    foreign = services.answer_create(thread=other, author=expert, body="Elsewhere.")
    before = snapshot()
    with pytest.raises(NotFound):
        services.answer_accept(thread=question, post=foreign, actor=customer)
    assert snapshot() == before


def test_a_hidden_answer_cannot_be_accepted(question, answer, customer, staff):
    services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    before = snapshot()
    with pytest.raises(Conflict):
        services.answer_accept(thread=question, post=answer, actor=customer)
    assert snapshot() == before


def test_unaccepting_when_nothing_is_accepted_is_a_conflict(question, answer, customer):
    before = snapshot()
    with pytest.raises(Conflict):
        services.answer_unaccept(thread=question, actor=customer)
    assert snapshot() == before


def test_the_asker_cannot_accept_on_a_closed_question(question, answer, customer, staff):
    services.thread_close(thread=question, moderator=staff)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.answer_accept(thread=question, post=answer, actor=customer)
    assert snapshot() == before


def test_a_hidden_question_is_not_found_for_the_asker(question, answer, customer):
    Thread.objects.filter(pk=question.pk).update(is_hidden=True)
    before = snapshot()
    with pytest.raises(NotFound):
        services.answer_accept(thread=question, post=answer, actor=customer)
    assert snapshot() == before


def test_staff_accepting_on_a_closed_question_keeps_the_counters(question, answer, customer, staff):
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.thread_close(thread=question, moderator=staff)
    services.answer_unaccept(thread=question, actor=staff)
    assert_synchronized()
    services.answer_accept(thread=question, post=answer, actor=staff)
    assert_synchronized()
