"""Helpdesk hand-off: signed deliveries to a real HTTP server on 127.0.0.1, retries with
the same idempotency key, SSRF refusal, manual redelivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError

from escalations import services
from escalations.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from escalations.tasks import deliver_webhook
from escalations.webhooks import WebhookRefused, resolve_checked, url_check_static

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def _no_wait(settings):
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    settings.ESCALATIONS_AUTO_ASSIGN = False


@pytest.fixture(autouse=True)
def _eager_retries(_eager_celery):
    """With eager propagation Celery raises Retry to the caller instead of re-running the
    task; without it, apply() runs each retry at once (the countdown is skipped)."""
    from config.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


@pytest.fixture
def endpoint(helpdesk_server):
    # The test server is on loopback, so this endpoint explicitly allows private targets.
    return WebhookEndpoint.objects.create(
        name="Helpdesk", url=helpdesk_server.url, secret=SECRET, allow_private=True
    )


def _escalate(ask, committed, customer, staff):
    thread = ask(customer)
    return committed(
        services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff, reason="VIP"
    )


def _signature_ok(received) -> bool:
    ts = received.headers["X-Timestamp"]
    expected = hmac.new(SECRET.encode(), ts.encode() + b"." + received.body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), received.headers["X-Signature"])


def test_opening_a_case_sends_a_signed_payload_with_thread_and_customer(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    case = _escalate(ask, committed, customer, staff)
    assert len(helpdesk_server.received) == 1
    received = helpdesk_server.received[0]
    assert received.path == "/hooks/community"
    assert _signature_ok(received)
    payload = json.loads(received.body)
    assert payload["event"] == WebhookEvent.CASE_OPENED
    assert payload["case"]["id"] == case.pk
    assert payload["thread"]["id"] == case.thread_id
    assert payload["customer"]["email"] == customer.email
    delivery = WebhookDelivery.objects.get()
    assert received.headers["X-Idempotency-Key"] == delivery.idempotency_key
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
        DeliveryState.SUCCEEDED,
        1,
        200,
    )


def test_a_tampered_body_does_not_match_the_signature(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    _escalate(ask, committed, customer, staff)
    received = helpdesk_server.received[0]
    received.body = received.body.replace(b'"VIP"', b'"VIP!"')
    assert not _signature_ok(received)


def test_server_errors_are_retried_with_the_same_key_until_delivered(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    helpdesk_server.statuses = [500, 503, 429]
    _escalate(ask, committed, customer, staff)
    # Celery runs eagerly in tests: each autoretry runs at once instead of after backoff.
    assert len(helpdesk_server.received) == 4
    keys = {r.headers["X-Idempotency-Key"] for r in helpdesk_server.received}
    bodies = {r.body for r in helpdesk_server.received}
    assert len(keys) == 1
    assert len(bodies) == 1
    assert all(_signature_ok(r) for r in helpdesk_server.received)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 4)


def test_the_task_retries_transient_errors_with_exponential_backoff():
    assert deliver_webhook.autoretry_for
    assert deliver_webhook.retry_backoff == 30
    assert deliver_webhook.retry_backoff_max == 3600
    assert deliver_webhook.max_retries == 8
    assert deliver_webhook.acks_late


def test_a_client_error_fails_at_once_without_retries(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    helpdesk_server.statuses = [400]
    _escalate(ask, committed, customer, staff)
    assert len(helpdesk_server.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == (DeliveryState.FAILED, 400)


def test_giving_up_after_the_last_retry_marks_the_delivery_failed(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    helpdesk_server.statuses = [500] * 20
    _escalate(ask, committed, customer, staff)
    assert len(helpdesk_server.received) == deliver_webhook.max_retries + 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == (DeliveryState.FAILED, 500)


def test_a_failed_delivery_can_be_redelivered_with_the_same_key(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    helpdesk_server.statuses = [404]
    _escalate(ask, committed, customer, staff)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    committed(services.webhook_redeliver, delivery_id=delivery.pk, actor=staff)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    first, second = helpdesk_server.received
    assert first.headers["X-Idempotency-Key"] == second.headers["X-Idempotency-Key"]


def test_resolving_sends_a_resolved_event(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    case = _escalate(ask, committed, customer, staff)
    committed(services.case_resolve, case_id=case.pk, actor=staff)
    events = [json.loads(r.body)["event"] for r in helpdesk_server.received]
    assert events == [WebhookEvent.CASE_OPENED, WebhookEvent.CASE_RESOLVED]


def test_an_endpoint_only_gets_the_events_it_subscribed_to(
    ask, committed, customer, staff, endpoint, helpdesk_server
):
    endpoint.events = [WebhookEvent.CASE_RESOLVED]
    endpoint.save()
    case = _escalate(ask, committed, customer, staff)
    assert helpdesk_server.received == []
    committed(services.case_resolve, case_id=case.pk, actor=staff)
    assert len(helpdesk_server.received) == 1


# --- SSRF -----------------------------------------------------------------------------------


def test_a_loopback_target_is_refused_without_allow_private(
    ask, committed, customer, staff, endpoint, helpdesk_server, settings
):
    settings.ESCALATIONS_WEBHOOK_ALLOW_PRIVATE = False
    endpoint.allow_private = False
    endpoint.save()
    _escalate(ask, committed, customer, staff)
    assert helpdesk_server.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error.startswith("refused")


def test_the_setting_allows_private_targets_for_every_endpoint(
    ask, committed, customer, staff, endpoint, helpdesk_server, settings
):
    settings.ESCALATIONS_WEBHOOK_ALLOW_PRIVATE = True
    endpoint.allow_private = False
    endpoint.save()
    _escalate(ask, committed, customer, staff)
    assert len(helpdesk_server.received) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "http://user:pw@example.com/hook",
    ],
)
def test_private_and_odd_targets_are_refused_before_any_lookup(url):
    with pytest.raises(WebhookRefused):
        url_check_static(url, allow_private=False)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_send_time(monkeypatch):
    # DNS is outside our code: answer "helpdesk.example.com" with one public and one
    # private address, the classic rebinding mix.
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(WebhookRefused):
        resolve_checked("helpdesk.example.com", 443, allow_private=False)
    assert resolve_checked("helpdesk.example.com", 443, allow_private=True) == "93.184.216.34"


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    monkeypatch, helpdesk_server
):
    from escalations.webhooks import post_json

    port = int(helpdesk_server.url.split(":")[2].split("/")[0])
    lookups = []

    def fake_getaddrinfo(host, port_, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    result = post_json(
        f"http://helpdesk.internal:{port}/hooks", b"{}", {}, timeout=5, allow_private=True
    )
    assert result.status == 200
    assert helpdesk_server.received[0].headers["Host"] == f"helpdesk.internal:{port}"
    # One lookup of the name; the connect only "resolves" the checked IP literal.
    assert lookups.count("helpdesk.internal") == 1
    assert set(lookups) <= {"helpdesk.internal", "127.0.0.1"}


def test_saving_an_endpoint_with_a_private_url_is_refused():
    endpoint = WebhookEndpoint(name="x", url="http://169.254.169.254/", secret="k")
    with pytest.raises(DjangoValidationError):
        endpoint.full_clean()
    endpoint.allow_private = True
    endpoint.full_clean()
