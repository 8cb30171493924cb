"""forum.synchronize repairs every denormalised field from the rows it summarises, and
reports whether it had to."""

from __future__ import annotations

import pytest

from forum import services, synchronize
from forum.models import Category, Post, Thread, ThreadStatus


@pytest.fixture
def solved(customer, expert, other_customer, category):
    thread = services.thread_create(
        author=customer,
        category=category,
        title="Phone restarts in a loop",
        body="It shows the logo and restarts again.",
    )
    answer = services.answer_create(thread=thread, author=expert, body="Hold both buttons.")
    services.answer_create(thread=thread, author=other_customer, body="Same here.")
    services.vote_cast(post=answer, user=other_customer, value=1)
    services.vote_cast(post=answer, user=customer, value=1)
    services.answer_accept(thread=thread, post=answer, actor=customer)
    services.thread_create(
        author=customer, category=category, title="A second open question", body="x" * 20
    )
    return thread, answer


def test_nothing_to_repair_after_the_services_wrote(solved, category):
    thread, answer = solved
    assert synchronize.post_synchronize(answer.pk) is False
    assert synchronize.thread_synchronize(thread.pk) is False
    assert synchronize.category_synchronize(category.pk) is False


def test_a_post_score_is_recounted_from_its_votes(solved):
    _, answer = solved
    Post.objects.filter(pk=answer.pk).update(score=-9, upvotes=0, downvotes=4)
    assert synchronize.post_synchronize(answer.pk) is True
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes) == (2, 2, 0)
    assert synchronize.post_synchronize(answer.pk) is False


def test_a_thread_is_recounted_from_its_visible_answers_and_acceptance(solved):
    thread, answer = solved
    Thread.objects.filter(pk=thread.pk).update(
        answer_count=7, accepted_answer=None, status=ThreadStatus.OPEN
    )
    assert synchronize.thread_synchronize(thread.pk) is True
    thread.refresh_from_db()
    assert thread.answer_count == 2
    assert thread.accepted_answer_id == answer.pk
    assert thread.status == ThreadStatus.SOLVED


def test_a_closed_thread_keeps_its_status_but_gets_its_counts(solved, staff):
    thread, _ = solved
    services.thread_close(thread=thread, moderator=staff)
    Thread.objects.filter(pk=thread.pk).update(answer_count=0)
    assert synchronize.thread_synchronize(thread.pk) is True
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.CLOSED
    assert thread.answer_count == 2


def test_category_counters_are_recounted(solved, category):
    Category.objects.filter(pk=category.pk).update(
        thread_count=0, solved_count=5, unanswered_count=0
    )
    assert synchronize.category_synchronize(category.pk) is True
    category.refresh_from_db()
    assert (category.thread_count, category.solved_count, category.unanswered_count) == (2, 1, 1)


def test_hidden_threads_are_not_counted_in_their_category(solved, category):
    thread, _ = solved
    Thread.objects.filter(pk=thread.pk).update(is_hidden=True)
    assert synchronize.category_synchronize(category.pk) is True
    category.refresh_from_db()
    assert (category.thread_count, category.solved_count) == (1, 0)
