from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rewards.models import Payout, PayoutState
from rewards.selectors import wallet_for
from rewards.services import payout_method_create, payout_request
from tests.factories import UserFactory
from tests.rewards.conftest import fund_cash


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finance_client(finance) -> Client:
    return _client(finance)


@pytest.fixture
def three_payouts(db):
    users = []
    for i in range(3):
        user = UserFactory()
        fund_cash(user, 5000)
        method = payout_method_create(user=user, kind="stripe", stripe_account_id=f"acct_{i}")
        payout_request(user=user, method_id=method.pk, amount_minor=1500, idempotency_key="a")
        users.append(user)
    return users


def test_the_earnings_page_shows_balance_history_and_payouts(expert, django_assert_num_queries):
    fund_cash(expert, 5000)
    method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1E")
    for key in "abc":
        payout_request(user=expert, method_id=method.pk, amount_minor=1000, idempotency_key=key)
    client = _client(expert)
    # 1 session, 2 user, 3 wallets, 4 cash on hold, 5 payouts in flight, 6 queued cash,
    # 7 history (entries joined to transactions and accounts), 8 payouts joined to methods,
    # 9 payout methods for the form, 10 unread-notifications badge (base.html).
    # No query per row.
    with django_assert_num_queries(10):
        response = client.get(reverse("rewards:earnings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "20.00 EUR" in html  # what is left
    assert html.count("Requested") >= 3


def test_requesting_a_payout_through_the_form_in_euros(expert):
    fund_cash(expert, 5000)
    method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1E")
    client = _client(expert)
    data = {"method_id": method.pk, "amount": "12.50", "idempotency_key": "form-1"}
    client.post(reverse("rewards:payout_request"), data)
    client.post(reverse("rewards:payout_request"), data)  # double submit
    assert Payout.objects.get().amount_minor == 1250
    assert wallet_for(user_id=expert.pk).cash_balance == 3750


def test_a_fractional_cent_amount_in_the_form_is_refused(expert):
    fund_cash(expert, 5000)
    method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1E")
    response = _client(expert).post(
        reverse("rewards:payout_request"),
        {"method_id": method.pk, "amount": "12.505", "idempotency_key": "f"},
        follow=True,
    )
    assert "whole number" in response.content.decode()
    assert not Payout.objects.exists()


def test_the_finance_page_lists_requested_payouts(
    finance_client, three_payouts, django_assert_num_queries
):
    # 1 session, 2 user, 3 roles, 4 payouts joined to user, method and decider,
    # 5 programs with queued sums (two more per program for its month), 6 SEPA batches,
    # 7 unread-notifications badge (base.html).
    with django_assert_num_queries(7):
        response = finance_client.get(reverse("rewards:finance"))
    assert response.status_code == 200
    assert response.content.decode().count("Approve</button>") == 3


def test_only_finance_sees_the_finance_pages(expert_client):
    for name in ["finance", "export_ledger", "export_payouts"]:
        assert expert_client.get(reverse(f"rewards:{name}")).status_code == 403


def test_finance_approves_and_rejects_from_the_page(finance_client, three_payouts):
    first, second, _ = Payout.objects.order_by("id")
    finance_client.post(reverse("rewards:finance_approve", args=[first.pk]))
    finance_client.post(reverse("rewards:finance_reject", args=[second.pk]), {"reason": "dup"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state in {PayoutState.APPROVED, PayoutState.SUBMITTED, PayoutState.FAILED}
    assert second.state == PayoutState.REJECTED
    assert wallet_for(user_id=second.user_id).cash_balance == 5000


def test_the_csv_exports_list_every_row(finance_client, three_payouts):
    response = finance_client.get(reverse("rewards:export_payouts"))
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 4
    ledger = finance_client.get(reverse("rewards:export_ledger"))
    rows = b"".join(ledger.streaming_content).decode().strip().splitlines()
    assert len(rows) == 1 + 3 * 4  # funding + request, two entries each


def test_finance_tops_up_a_budget_from_the_page_and_queued_cash_is_released(
    finance, finance_client, customer, expert, category, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from forum import services as forum_services
    from rewards.models import BudgetTopUp, Program, RewardRule, RewardTrigger
    from rewards.selectors import ledger_reconcile
    from tests.rewards.conftest import answer, ask

    program = Program.objects.create(
        name="Tiny", monthly_budget_minor=100, starts_at=timezone.now() - timedelta(days=1)
    )
    RewardRule.objects.create(
        program=program, trigger=RewardTrigger.ANSWER_ACCEPTED, amount_cash_minor=200
    )
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(customer, category)
        forum_services.answer_accept(thread=thread, post=answer(thread, expert), actor=customer)
    assert wallet_for(user_id=expert.pk).pending_cash == 200  # over budget: queued
    page = finance_client.get(reverse("rewards:finance"))
    assert reverse("rewards:finance_top_up", args=[program.pk]) in page.content.decode()

    url = reverse("rewards:finance_top_up", args=[program.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_client.post(url, {"amount": "2,50"})
    assert response.status_code == 302
    top_up = BudgetTopUp.objects.get()
    assert (top_up.amount_minor, top_up.created_by_id) == (250, finance.pk)
    wallet = wallet_for(user_id=expert.pk)
    assert (wallet.cash_balance, wallet.pending_cash) == (200, 0)
    assert ledger_reconcile() == []


@pytest.mark.parametrize("amount", ["", "abc", "0", "-5", "1.005", "1e3x"])
def test_a_bad_top_up_amount_is_a_400_and_changes_nothing(finance_client, program, amount):
    from rewards.models import BudgetTopUp

    url = reverse("rewards:finance_top_up", args=[program.pk])
    response = finance_client.post(url, {"amount": amount})
    assert response.status_code == 400
    assert "positive amount" in response.content.decode()
    assert not BudgetTopUp.objects.exists()


def test_only_finance_can_top_up(expert_client, program):
    from rewards.models import BudgetTopUp

    url = reverse("rewards:finance_top_up", args=[program.pk])
    assert expert_client.post(url, {"amount": "100"}).status_code == 403
    assert not BudgetTopUp.objects.exists()
