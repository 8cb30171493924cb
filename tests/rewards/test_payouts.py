from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import Conflict, NotFound, PermissionDenied
from rewards.models import Payout, PayoutState
from rewards.providers import TransientProviderError
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services import (
    payout_approve,
    payout_method_create,
    payout_reject,
    payout_request,
    payout_submit,
)
from rewards.tasks import submit_payout
from tests.rewards.conftest import fund_cash
from tests.rewards.fake_stripe import FakeStripe


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.REWARDS_STRIPE_API_BASE = fake.url
        yield fake


@pytest.fixture
def stripe_method(expert):
    return payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1Expert")


@pytest.fixture
def funded(expert):
    fund_cash(expert, 5000)
    return expert


def _balance(user) -> int:
    return wallet_for(user_id=user.pk).cash_balance


def test_a_payout_moves_cash_to_in_flight_and_approval_pays_it_through_stripe(
    funded, stripe_method, finance, fake_stripe, django_capture_on_commit_callbacks
):
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="req-1"
    )
    assert payout.state == PayoutState.REQUESTED
    assert _balance(funded) == 3000
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout_id=payout.pk, actor=finance)
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert payout.provider_reference == "tr_000001"
    assert len(fake_stripe.transfers) == 1
    assert fake_stripe.requests[0]["key"] == f"payout-{payout.pk}"
    assert ledger_reconcile() == []


def test_the_same_idempotency_key_returns_the_same_payout(funded, stripe_method):
    first = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="same"
    )
    second = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="same"
    )
    assert first.pk == second.pk
    assert _balance(funded) == 3000
    with pytest.raises(Conflict):
        payout_request(
            user=funded, method_id=stripe_method.pk, amount_minor=1500, idempotency_key="same"
        )


@pytest.mark.parametrize("amount", [-100, 0, 12.5, "12.5", "abc", True, None, 999_999])
def test_bad_amounts_are_refused_and_nothing_moves(funded, stripe_method, amount):
    with pytest.raises(ValidationError):
        payout_request(
            user=funded,
            method_id=stripe_method.pk,
            amount_minor=amount,
            idempotency_key=f"bad-{amount}",
        )
    assert _balance(funded) == 5000
    assert not Payout.objects.exists()


def test_below_the_minimum_payout_is_refused(funded, stripe_method):
    with pytest.raises(ValidationError):
        payout_request(
            user=funded, method_id=stripe_method.pk, amount_minor=999, idempotency_key="small"
        )


def test_an_unknown_currency_is_refused(funded, stripe_method):
    with pytest.raises(ValidationError):
        payout_request(
            user=funded,
            method_id=stripe_method.pk,
            amount_minor=2000,
            idempotency_key="xyz",
            currency="XYZ",
        )
    assert _balance(funded) == 5000


def test_cash_on_hold_cannot_be_paid_out(expert, stripe_method):
    fund_cash(expert, 5000, hold=True)
    with pytest.raises(ValidationError):
        payout_request(
            user=expert, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="held"
        )
    assert _balance(expert) == 5000


def test_paying_out_to_someone_elses_method_is_not_found(funded, other_customer):
    theirs = payout_method_create(
        user=other_customer, kind="stripe", stripe_account_id="acct_Other"
    )
    with pytest.raises(NotFound):
        payout_request(
            user=funded, method_id=theirs.pk, amount_minor=2000, idempotency_key="theirs"
        )
    assert _balance(funded) == 5000


@pytest.mark.parametrize("iban", ["DE89370400440532013001", "XX00", "", "DE8937040044053201300"])
def test_invalid_ibans_are_refused(expert, iban):
    with pytest.raises(ValidationError):
        payout_method_create(user=expert, kind="sepa", holder_name="Erika", iban=iban)


def test_a_valid_iban_is_stored_compact(expert):
    method = payout_method_create(
        user=expert, kind="sepa", holder_name="Erika", iban="DE89 3704 0044 0532 0130 00"
    )
    assert method.iban == "DE89370400440532013000"


def test_nobody_approves_their_own_payout(finance, stripe_method):
    fund_cash(finance, 5000)
    own = payout_method_create(user=finance, kind="stripe", stripe_account_id="acct_Fin")
    payout = payout_request(
        user=finance, method_id=own.pk, amount_minor=2000, idempotency_key="mine"
    )
    with pytest.raises(PermissionDenied):
        payout_approve(payout_id=payout.pk, actor=finance)
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


def test_only_finance_approves(funded, stripe_method, staff):
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="p"
    )
    with pytest.raises(PermissionDenied):
        payout_approve(payout_id=payout.pk, actor=staff)


def test_rejecting_returns_the_money_and_twice_is_a_conflict(funded, stripe_method, finance):
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="r"
    )
    payout_reject(payout_id=payout.pk, actor=finance, reason="Looks like a duplicate account")
    assert _balance(funded) == 5000
    with pytest.raises(Conflict):
        payout_reject(payout_id=payout.pk, actor=finance, reason="again")
    assert _balance(funded) == 5000
    assert ledger_reconcile() == []


def test_a_refused_transfer_fails_the_payout_and_returns_the_money(
    funded, stripe_method, finance, fake_stripe, django_capture_on_commit_callbacks
):
    fake_stripe.fail_destination = "acct_1Expert"
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="f"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout_id=payout.pk, actor=finance)
    payout.refresh_from_db()
    assert payout.state == PayoutState.FAILED
    assert _balance(funded) == 5000
    assert ledger_reconcile() == []


def test_a_worker_killed_after_the_transfer_is_retried_without_a_second_transfer(
    funded, stripe_method, finance, fake_stripe
):
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="k"
    )
    # Approve without running the task (as if the worker had not picked it up yet).
    payout_approve(payout_id=payout.pk, actor=finance)
    fake_stripe.drop_first_response = True
    with pytest.raises(TransientProviderError):
        payout_submit(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.state == PayoutState.SUBMITTED  # stuck between claim and answer
    assert len(fake_stripe.transfers) == 1
    # The redelivered task (acks_late) runs again under the same idempotency key.
    submit_payout.apply(args=[payout.pk])
    submit_payout.apply(args=[payout.pk])
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert len(fake_stripe.transfers) == 1
    assert {r["key"] for r in fake_stripe.requests} == {f"payout-{payout.pk}"}
    assert fake_stripe.missing_key_requests == 0
    assert _balance(funded) == 3000
    assert ledger_reconcile() == []


def test_sepa_payouts_go_into_a_pain001_batch_that_finance_marks_paid(
    funded, finance, django_capture_on_commit_callbacks
):
    from rewards.providers.sepa import sepa_batch_create, sepa_batch_mark_paid

    method = payout_method_create(
        user=funded, kind="sepa", holder_name="Erika Expert", iban="DE89370400440532013000"
    )
    payout = payout_request(
        user=funded, method_id=method.pk, amount_minor=2500, idempotency_key="s"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payout_approve(payout_id=payout.pk, actor=finance)
    payout.refresh_from_db()
    assert payout.state == PayoutState.SUBMITTED
    batch = sepa_batch_create(actor=finance)
    assert '<InstdAmt Ccy="EUR">25.00</InstdAmt>' in batch.xml
    assert "DE89370400440532013000" in batch.xml
    assert sepa_batch_create(actor=finance) is None  # nothing left to batch
    assert sepa_batch_mark_paid(batch_id=batch.pk) == 1
    assert sepa_batch_mark_paid(batch_id=batch.pk) == 0
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert _balance(funded) == 2500
    assert ledger_reconcile() == []


def test_payouts_up_to_the_automatic_limit_skip_the_finance_queue(
    funded, stripe_method, fake_stripe, settings, django_capture_on_commit_callbacks
):
    settings.REWARDS_AUTO_APPROVE_LIMIT_MINOR = 1500
    with django_capture_on_commit_callbacks(execute=True):
        small = payout_request(
            user=funded, method_id=stripe_method.pk, amount_minor=1500, idempotency_key="small"
        )
        large = payout_request(
            user=funded, method_id=stripe_method.pk, amount_minor=1501, idempotency_key="large"
        )
    small.refresh_from_db()
    large.refresh_from_db()
    assert small.state == PayoutState.PAID
    assert large.state == PayoutState.REQUESTED
    assert ledger_reconcile() == []


def test_the_submit_task_twice_is_one_transfer(funded, stripe_method, finance, fake_stripe):
    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="twice"
    )
    payout_approve(payout_id=payout.pk, actor=finance)
    submit_payout.apply(args=[payout.pk])
    submit_payout.apply(args=[payout.pk])
    assert len(fake_stripe.requests) == 1
    assert _balance(funded) == 3000


def test_a_payout_is_never_submitted_from_inside_a_transaction(
    funded, stripe_method, finance, fake_stripe
):
    from django.db import transaction

    payout = payout_request(
        user=funded, method_id=stripe_method.pk, amount_minor=2000, idempotency_key="k"
    )
    payout_approve(payout_id=payout.pk, actor=finance)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        payout_submit(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED
    assert not fake_stripe.transfers
