"""Random sequences of accepts, unaccepts, hides, bounties, payouts and failures keep every
invariant of the books (hypothesis picks the sequences)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import Conflict, NotFound, PermissionDenied
from forum import services as forum_services
from rewards.ledger import InsufficientFunds
from rewards.models import Account, AccountKind, LedgerEntry, Payout, PayoutState, RewardRule
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services import (
    bounties_expire,
    bounty_create,
    payout_approve,
    payout_mark_failed,
    payout_mark_paid,
    payout_method_create,
    payout_request,
    pending_rewards_release,
)
from tests.factories import UserFactory
from tests.rewards.conftest import answer, ask, fund_points

ops = st.one_of(
    st.tuples(st.just("accept"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("unaccept"), st.integers(0, 2)),
    st.tuples(st.just("hide"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("bounty"), st.integers(0, 2), st.integers(-5, 120)),
    st.tuples(st.just("payout"), st.integers(0, 2), st.integers(-100, 700)),
    st.tuples(st.just("settle"), st.booleans()),
    st.tuples(st.just("expire")),
    st.tuples(st.just("release")),
)


@pytest.fixture
def world(db, category, program, settings, finance):
    settings.REWARDS_HOLD_DAYS = 0
    settings.REWARDS_MIN_PAYOUT_MINOR = 1
    program.monthly_budget_minor = 500
    program.save(update_fields=["monthly_budget_minor"])
    RewardRule.objects.create(
        program=program, trigger="answer_accepted", amount_points=50, amount_cash_minor=200
    )
    helpers = [UserFactory() for _ in range(3)]
    methods = [
        payout_method_create(user=h, kind="stripe", stripe_account_id=f"acct_{i}")
        for i, h in enumerate(helpers)
    ]
    return {"category": category, "helpers": helpers, "methods": methods, "finance": finance}


def _check_invariants(helpers) -> None:  # type: ignore[no-untyped-def]
    assert ledger_reconcile() == []
    for user in helpers:
        wallet = wallet_for(user_id=user.pk)
        assert wallet.cash_available >= 0
        if wallet.cash_balance < 0:
            # The only way into the red is a clawback/reversal after money left.
            assert LedgerEntry.objects.filter(
                account__owner=user,
                amount_minor__lt=0,
                transaction__cause_type__in=["grant_reversal", "bounty"],
            ).exists()
    for account in Account.objects.filter(
        kind__in=[AccountKind.BOUNTY_ESCROW, AccountKind.PAYOUTS_IN_FLIGHT]
    ):
        assert account.balance_minor >= 0


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(ops, min_size=1, max_size=14))
def test_random_sequences_keep_the_books_balanced(world, django_capture_on_commit_callbacks, steps):
    helpers, methods, finance = world["helpers"], world["methods"], world["finance"]
    askers = [UserFactory() for _ in range(3)]
    threads = []
    with django_capture_on_commit_callbacks(execute=True):
        for i, asker in enumerate(askers):
            fund_points(asker, 100)
            thread = ask(asker, world["category"], f"Property question {i} about printing")
            threads.append(
                (thread, [answer(thread, h, f"Answer from {j}.") for j, h in enumerate(helpers)])
            )
    for n, step in enumerate(steps):
        kind = step[0]
        try:
            with django_capture_on_commit_callbacks(execute=True):
                if kind == "accept":
                    thread, answers = threads[step[1]]
                    forum_services.answer_accept(
                        thread=thread, post=answers[step[2]], actor=askers[step[1]]
                    )
                elif kind == "unaccept":
                    forum_services.answer_unaccept(
                        thread=threads[step[1]][0], actor=askers[step[1]]
                    )
                elif kind == "hide":
                    forum_services.post_set_hidden(
                        post=threads[step[1]][1][step[2]], moderator=finance_mod(), hidden=True
                    )
                elif kind == "bounty":
                    bounty_create(
                        thread_id=threads[step[1]][0].pk,
                        funder=askers[step[1]],
                        currency="PTS",
                        amount_minor=step[2],
                    )
                elif kind == "payout":
                    payout_request(
                        user=helpers[step[1]],
                        method_id=methods[step[1]].pk,
                        amount_minor=step[2],
                        idempotency_key=f"p{n}-{id(steps)}",
                    )
                elif kind == "settle":
                    payout = Payout.objects.filter(state=PayoutState.REQUESTED).first()
                    if payout is not None:
                        payout_approve(payout_id=payout.pk, actor=finance)
                        Payout.objects.filter(pk=payout.pk).update(state=PayoutState.SUBMITTED)
                        if step[1]:
                            payout_mark_paid(payout_id=payout.pk, reference="tr_x")
                        else:
                            payout_mark_failed(payout_id=payout.pk, reason="bank said no")
                elif kind == "expire":
                    bounties_expire(now=timezone.now() + timedelta(days=30))
                elif kind == "release":
                    pending_rewards_release()
        except (Conflict, NotFound, PermissionDenied, InsufficientFunds):
            pass
        except Exception as exc:
            # Refused input (ValidationError) is expected; anything else is a bug.
            from django.core.exceptions import ValidationError

            if not isinstance(exc, ValidationError):
                raise
        _check_invariants(helpers)


def finance_mod():  # type: ignore[no-untyped-def]
    """A moderator for hides (created lazily inside the test's database)."""
    return UserFactory(roles=["moderator"])
