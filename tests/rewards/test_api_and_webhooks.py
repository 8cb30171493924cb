from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.urls import reverse

from rewards.models import Payout, PayoutState, WebhookEvent
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services import payout_method_create, payout_request
from tests.rewards.conftest import fund_cash

SECRET = "whsec_test_secret"


@pytest.fixture
def api_client(expert) -> Client:
    client = Client()
    client.force_login(expert)
    return client


@pytest.fixture
def method(expert):
    return payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1Expert")


def _post(client, url, data, **headers):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_the_wallet_api_shows_balances(api_client, expert):
    fund_cash(expert, 1234)
    response = api_client.get(reverse("api:rewards_wallet"))
    assert response.status_code == 200
    assert response.json()["cash_available"] == 1234


def test_requesting_a_payout_needs_an_idempotency_key(api_client, expert, method):
    fund_cash(expert, 5000)
    url = reverse("api:rewards_payouts")
    response = _post(api_client, url, {"method_id": method.pk, "amount_minor": 2000})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["idempotency_key"]
    ok = _post(
        api_client, url, {"method_id": method.pk, "amount_minor": 2000}, HTTP_IDEMPOTENCY_KEY="abc"
    )
    again = _post(
        api_client, url, {"method_id": method.pk, "amount_minor": 2000}, HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert ok.status_code == again.status_code == 201
    assert ok.json()["id"] == again.json()["id"]
    assert wallet_for(user_id=expert.pk).cash_balance == 3000


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (-5, "EUR"),
        (0, "EUR"),
        (20.5, "EUR"),
        ("20.5", "EUR"),
        (10**9, "EUR"),
        (2000, "XYZ"),
        (2000, "PTS"),
    ],
)
def test_bad_payout_requests_get_a_clear_400_and_nothing_moves(
    api_client, expert, method, amount, currency
):
    fund_cash(expert, 5000)
    response = _post(
        api_client,
        reverse("api:rewards_payouts"),
        {"method_id": method.pk, "amount_minor": amount, "currency": currency},
        HTTP_IDEMPOTENCY_KEY=f"k{amount}{currency}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert wallet_for(user_id=expert.pk).cash_balance == 5000
    assert not Payout.objects.exists()


def test_someone_elses_method_is_a_404(api_client, expert, other_customer):
    fund_cash(expert, 5000)
    theirs = payout_method_create(user=other_customer, kind="stripe", stripe_account_id="acct_O")
    response = _post(
        api_client,
        reverse("api:rewards_payouts"),
        {"method_id": theirs.pk, "amount_minor": 2000},
        HTTP_IDEMPOTENCY_KEY="x",
    )
    assert response.status_code == 404


def test_an_invalid_iban_is_a_400(api_client):
    response = _post(
        api_client,
        reverse("api:rewards_methods"),
        {"kind": "sepa", "holder_name": "E", "iban": "DE00123"},
    )
    assert response.status_code == 400
    assert "iban" in response.json()["error"]["fields"]


def test_finance_cannot_approve_their_own_payout_through_the_api(finance):
    fund_cash(finance, 5000)
    own = payout_method_create(user=finance, kind="stripe", stripe_account_id="acct_F")
    payout = payout_request(
        user=finance, method_id=own.pk, amount_minor=2000, idempotency_key="own"
    )
    client = Client()
    client.force_login(finance)
    response = client.post(reverse("api:rewards_payout_approve", args=[payout.pk]))
    assert response.status_code == 403
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


def test_non_finance_users_cannot_see_the_finance_queue(api_client):
    assert api_client.get(reverse("api:rewards_finance_payouts")).status_code == 403


def _signed(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    ts = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@pytest.fixture
def submitted_payout(expert, method, finance, settings):
    settings.REWARDS_STRIPE_WEBHOOK_SECRET = SECRET
    fund_cash(expert, 5000)
    payout = payout_request(
        user=expert, method_id=method.pk, amount_minor=2000, idempotency_key="w"
    )
    from rewards.services import payout_approve

    payout_approve(payout_id=payout.pk, actor=finance)  # task not run: stays approved
    Payout.objects.filter(pk=payout.pk).update(state=PayoutState.SUBMITTED)
    return payout


def _event(payout, kind="transfer.created", event_id="evt_1"):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "data": {
                "object": {
                    "id": "tr_9",
                    "object": "transfer",
                    "metadata": {"payout_id": str(payout.pk)},
                }
            },
        }
    ).encode()


def test_a_signed_webhook_confirms_the_payout_and_a_replay_does_nothing(submitted_payout, expert):
    url = reverse("api:rewards_stripe_webhook")
    body = _event(submitted_payout)
    client = Client()
    first = client.post(
        url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=_signed(body)
    )
    replay = client.post(
        url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=_signed(body)
    )
    assert first.status_code == replay.status_code == 200
    assert replay.json()["status"] == "duplicate"
    submitted_payout.refresh_from_db()
    assert submitted_payout.state == PayoutState.PAID
    assert WebhookEvent.objects.count() == 1
    assert ledger_reconcile() == []


def test_a_reversed_transfer_returns_the_money_once(submitted_payout, expert):
    url = reverse("api:rewards_stripe_webhook")
    client = Client()
    created = _event(submitted_payout)
    client.post(
        url, data=created, content_type="application/json", HTTP_STRIPE_SIGNATURE=_signed(created)
    )
    reversed_ = _event(submitted_payout, "transfer.reversed", "evt_2")
    for _ in range(2):
        client.post(
            url,
            data=reversed_,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=_signed(reversed_),
        )
    submitted_payout.refresh_from_db()
    assert submitted_payout.state == PayoutState.FAILED
    assert wallet_for(user_id=expert.pk).cash_balance == 5000
    assert ledger_reconcile() == []


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=deadbeef", "garbage", "WRONG-SECRET", "OLD"],
)
def test_bad_webhook_signatures_are_a_400_and_change_nothing(submitted_payout, expert, signature):
    body = _event(submitted_payout)
    if signature == "WRONG-SECRET":
        signature = _signed(body, secret="whsec_other")
    elif signature == "OLD":
        signature = _signed(body, timestamp=int(time.time()) - 3600)
    response = Client().post(
        reverse("api:rewards_stripe_webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    submitted_payout.refresh_from_db()
    assert submitted_payout.state == PayoutState.SUBMITTED
    assert not WebhookEvent.objects.exists()
    assert wallet_for(user_id=expert.pk).cash_balance == 3000


def test_the_payout_list_api_costs_the_same_for_three_rows(
    api_client, expert, method, django_assert_num_queries
):
    fund_cash(expert, 5000)
    for key in "abc":
        payout_request(user=expert, method_id=method.pk, amount_minor=1000, idempotency_key=key)
    # 1 session, 2 user, 3 payouts (methods are referenced by id: no join, no per-row query)
    with django_assert_num_queries(3):
        response = api_client.get(reverse("api:rewards_payouts"))
    assert [p["amount_minor"] for p in response.json()] == [1000, 1000, 1000]
