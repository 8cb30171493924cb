from __future__ import annotations

import pytest

from core.exceptions import PermissionDenied
from core.models import OutboxEvent
from forum import services
from forum.models import Post, Thread, ThreadStatus


@pytest.fixture
def question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Printer blinks orange",
        body="It blinks orange and will not print.",
    )


def test_the_asker_accepting_an_answer_solves_the_thread(question, customer, expert):
    answer = services.answer_create(
        thread=question, author=expert, body="Replace the ink cartridge."
    )
    services.answer_accept(thread=question, post=answer, actor=customer)
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.status == ThreadStatus.SOLVED
    assert question.accepted_answer_id == answer.pk
    assert answer.is_accepted


def test_accepting_the_same_answer_twice_publishes_one_event(question, customer, expert):
    answer = services.answer_create(
        thread=question, author=expert, body="Replace the ink cartridge."
    )
    services.answer_accept(thread=question, post=answer, actor=customer)
    services.answer_accept(thread=question, post=answer, actor=customer)
    assert OutboxEvent.objects.filter(name="forum.AnswerAccepted").count() == 1


def test_someone_other_than_the_asker_cannot_accept(question, other_customer, expert):
    answer = services.answer_create(
        thread=question, author=expert, body="Replace the ink cartridge."
    )
    with pytest.raises(PermissionDenied):
        services.answer_accept(thread=question, post=answer, actor=other_customer)
    assert not Post.objects.filter(is_accepted=True).exists()
    assert Thread.objects.get(pk=question.pk).status == ThreadStatus.ANSWERED
