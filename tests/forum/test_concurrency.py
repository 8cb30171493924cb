"""Real threads against PostgreSQL row locks: accepts, votes and answers racing on one row.

Each worker thread has its own database connection (Django connections are per thread) and
closes it when done; a Barrier releases them together so the writes really overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from core.models import OutboxEvent
from forum import services
from forum.models import Post, Thread, Vote
from tests.factories import CategoryFactory, UserFactory
from tests.forum.test_services_invariants import assert_synchronized

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and concurrent writers")


def run_together(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start one thread per call, release them at once, wait; return results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            result = call()
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and asserted on by the caller
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    return results, errors


@pytest.fixture
def people():
    return {
        "asker": UserFactory(roles=["customer"]),
        "helpers": [UserFactory(roles=["customer"]) for _ in range(20)],
    }


@pytest.fixture
def question(people):
    return services.thread_create(
        author=people["asker"],
        category=CategoryFactory(),
        title="Printer driver will not install",
        body="The installer stops at 90 percent every time.",
    )


def test_two_accepts_of_different_answers_at_once_leave_one_accepted_answer(question, people):
    asker = people["asker"]
    for round_ in range(5):
        first = services.answer_create(
            thread=question, author=people["helpers"][2 * round_], body=f"Fix A{round_}."
        )
        second = services.answer_create(
            thread=question, author=people["helpers"][2 * round_ + 1], body=f"Fix B{round_}."
        )
        _, errors = run_together(
            [
                lambda p=first: services.answer_accept(thread=question, post=p, actor=asker),
                lambda p=second: services.answer_accept(thread=question, post=p, actor=asker),
            ]
        )
        assert errors == []

        accepted = list(Post.objects.filter(thread=question, is_accepted=True))
        assert len(accepted) == 1
        assert accepted[0].pk in (first.pk, second.pk)
        assert Thread.objects.get(pk=question.pk).accepted_answer_id == accepted[0].pk

        # The event stream tells the same story as the rows.
        stream = OutboxEvent.objects.filter(
            name__in=["forum.AnswerAccepted", "forum.AnswerUnaccepted"]
        ).order_by("pk")
        names = [e.name for e in stream]
        assert names.count("forum.AnswerAccepted") - names.count("forum.AnswerUnaccepted") == 1
        last_accept = [e for e in stream if e.name == "forum.AnswerAccepted"][-1]
        assert last_accept.payload["post_id"] == accepted[0].pk
        # Every unaccept names the answer accepted just before it.
        current = None
        for e in stream:
            if e.name == "forum.AnswerAccepted":
                current = e.payload["post_id"]
            else:
                assert e.payload["post_id"] == current
                current = None if e.payload["replaced_by_post_id"] is None else current
    assert_synchronized()


def test_twenty_concurrent_voters_on_one_answer_add_up(question, people):
    answer = services.answer_create(thread=question, author=people["asker"], body="Reinstall.")
    voters = people["helpers"]
    values = [1 if i % 3 else -1 for i in range(len(voters))]
    _, errors = run_together(
        [
            lambda u=u, v=v: services.vote_cast(post=answer, user=u, value=v)
            for u, v in zip(voters, values, strict=True)
        ]
    )
    assert errors == []
    answer.refresh_from_db()
    assert Vote.objects.filter(post=answer).count() == 20
    assert answer.score == sum(values)
    assert answer.upvotes == values.count(1)
    assert answer.downvotes == values.count(-1)
    assert OutboxEvent.objects.filter(name="forum.VoteCast").count() == 20
    assert_synchronized()


def test_one_user_voting_ten_times_at_once_leaves_one_vote(question, people):
    answer = services.answer_create(thread=question, author=people["asker"], body="Reinstall.")
    voter = people["helpers"][0]
    values = [1, -1] * 5
    _, errors = run_together(
        [lambda v=v: services.vote_cast(post=answer, user=voter, value=v) for v in values]
    )
    assert errors == []
    votes = list(Vote.objects.filter(post=answer))
    assert len(votes) == 1
    answer.refresh_from_db()
    assert answer.score == votes[0].value
    assert (answer.upvotes, answer.downvotes) == ((1, 0) if votes[0].value == 1 else (0, 1))
    assert_synchronized()


def test_twenty_concurrent_answers_are_all_counted(question, people):
    _, errors = run_together(
        [
            lambda u=u: services.answer_create(thread=question, author=u, body="Me too, sorry.")
            for u in people["helpers"]
        ]
    )
    assert errors == []
    question.refresh_from_db()
    assert question.answer_count == 20
    assert Post.objects.filter(thread=question).count() == 20
    assert (
        OutboxEvent.objects.filter(name="forum.PostCreated", payload__is_first_answer=True).count()
        == 1
    )
    assert_synchronized()
