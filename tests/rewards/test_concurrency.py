"""Real threads against PostgreSQL row locks (skipped on SQLite, which serialises writers)."""

from __future__ import annotations

import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Sum

from core.dispatch import event_dispatch
from core.models import EventDelivery, OutboxEvent
from forum import services as forum_services
from forum.models import Post, Thread
from rewards.models import Account, Payout, RewardGrant
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services import payout_method_create, payout_request
from tests.factories import UserFactory
from tests.rewards.conftest import answer, ask, fund_cash

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real threads"
    ),
]


def _run_in_threads(count: int, target) -> list[BaseException]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # collected and asserted on by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_twenty_simultaneous_payout_requests_never_pay_out_more_than_the_balance(expert):
    fund_cash(expert, 5000)
    method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1Race")

    def request(i: int) -> None:
        payout_request(
            user=expert, method_id=method.pk, amount_minor=1000, idempotency_key=f"race-{i}"
        )

    errors = _run_in_threads(20, request)
    assert len(errors) == 15
    assert all(isinstance(e, ValidationError) for e in errors)
    assert Payout.objects.aggregate(t=Sum("amount_minor"))["t"] == 5000
    assert wallet_for(user_id=expert.pk).cash_balance == 0
    assert ledger_reconcile() == []


def test_the_same_payout_key_from_twenty_threads_creates_one_payout(expert):
    fund_cash(expert, 5000)
    method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1Same")
    errors = _run_in_threads(
        20,
        lambda i: payout_request(
            user=expert, method_id=method.pk, amount_minor=1000, idempotency_key="one"
        ),
    )
    assert errors == []
    assert Payout.objects.count() == 1
    assert wallet_for(user_id=expert.pk).cash_balance == 4000


def test_an_accept_unaccept_storm_leaves_the_ledger_reconciled(category, rule):
    askers = [UserFactory() for _ in range(3)]
    helpers = [UserFactory() for _ in range(4)]
    threads = []
    for i, asker in enumerate(askers):
        thread = ask(asker, category, f"Storm question number {i} here")
        threads.append(
            (thread, [answer(thread, h, f"Answer {j} to {i}.") for j, h in enumerate(helpers)])
        )

    def storm(i: int) -> None:
        rnd = random.Random(i)
        for _ in range(12):
            thread, answers = rnd.choice(threads)
            actor = Thread.objects.get(pk=thread.pk).author
            try:
                if rnd.random() < 0.65:
                    forum_services.answer_accept(
                        thread=thread, post=rnd.choice(answers), actor=actor
                    )
                else:
                    forum_services.answer_unaccept(thread=thread, actor=actor)
            except Exception as exc:  # "nothing to unaccept" is fine in a storm
                if type(exc).__name__ != "Conflict":
                    raise

    errors = _run_in_threads(8, storm)
    assert errors == []
    # Whatever a dispatch missed (a failed handler) the periodic sweep delivers.
    for event_id in OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        event_dispatch(event_id=event_id)
    # Every acceptance event reached rewards (other apps' subscribers are not this test's).
    for name, subscriber in [
        ("forum.AnswerAccepted", "rewards.answer_accepted"),
        ("forum.AnswerUnaccepted", "rewards.answer_unaccepted"),
    ]:
        events = OutboxEvent.objects.filter(name=name)
        delivered = EventDelivery.objects.filter(event__name=name, subscriber=subscriber)
        assert delivered.count() == events.count()
    assert ledger_reconcile() == []
    accepted = Post.objects.filter(is_accepted=True).count()
    assert RewardGrant.objects.filter(status="credited").count() == accepted
    total_points = Account.objects.filter(kind="user_points").aggregate(t=Sum("balance_minor"))
    assert total_points["t"] == 50 * accepted


def test_the_same_event_dispatched_from_many_threads_credits_once(customer, expert, category, rule):
    thread = ask(customer, category)
    post = answer(thread, expert)
    forum_services.answer_accept(thread=thread, post=post, actor=customer)
    event = OutboxEvent.objects.get(name="forum.AnswerAccepted")
    EventDelivery.objects.filter(event=event).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    errors = _run_in_threads(10, lambda i: event_dispatch(event_id=event.pk))
    assert errors == []
    assert RewardGrant.objects.count() == 1
    assert wallet_for(user_id=expert.pk).points == 50
    assert ledger_reconcile() == []
