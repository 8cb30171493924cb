"""The helpdesk reports back through /api/v1/escalations/inbound/: signed, fresh, once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from escalations import services
from escalations.models import CaseState, InboundWebhookEvent, Resolution
from escalations.webhooks import sign
from forum.models import Post, ThreadStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "inbound-secret"
URL = reverse("api:escalation_inbound")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ESCALATIONS_INBOUND_SECRET = SECRET
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    settings.ESCALATIONS_AUTO_ASSIGN = False


@pytest.fixture
def agent(db):
    return UserFactory(email="agent@support.example", roles=["support"])


@pytest.fixture
def case(ask, committed, customer, staff):
    thread = ask(customer)
    return committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff)


def _post(payload, *, secret=SECRET, ts=None, raw=None, signature=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = int(time.time()) if ts is None else ts
    headers = {
        "HTTP_X_TIMESTAMP": str(ts),
        "HTTP_X_SIGNATURE": signature or sign(secret, ts, body),
    }
    return Client().post(URL, data=body, content_type="application/json", **headers)


def test_the_helpdesk_assigns_and_posts_the_agents_reply_as_an_official_answer(
    case, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            {
                "event_id": "hd-1",
                "case_id": case.pk,
                "assignee_email": "AGENT@support.example",
                "reply": {
                    "body": "Please update the firmware to 2.0.",
                    "author_email": agent.email,
                },
            }
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"
    case.refresh_from_db()
    assert case.assignee_id == agent.pk
    assert case.state == CaseState.WAITING_ON_CUSTOMER
    post = Post.objects.get(thread_id=case.thread_id)
    assert post.is_official and post.author_id == agent.pk


def test_the_helpdesk_resolves_a_case(case, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post({"event_id": "hd-2", "case_id": case.pk, "state": "resolved"})
    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.RESOLVED, Resolution.BY_STAFF)
    assert case.thread.__class__.objects.get(pk=case.thread_id).status == ThreadStatus.OPEN


def test_a_replayed_event_is_acknowledged_and_ignored(case, agent):
    payload = {
        "event_id": "hd-3",
        "case_id": case.pk,
        "reply": {"body": "Try the other USB port please.", "author_email": agent.email},
    }
    assert _post(payload).json()["status"] == "applied"
    second = _post(payload)
    assert second.status_code == 200
    assert second.json()["status"] == "duplicate"
    assert Post.objects.filter(thread_id=case.thread_id).count() == 1
    assert InboundWebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong-secret"}, "bad_signature"),
        ({"signature": "sha256=" + "0" * 64}, "bad_signature"),
        ({"ts": int(time.time()) - 301}, "stale_timestamp"),
        ({"ts": int(time.time()) + 600}, "stale_timestamp"),
    ],
)
def test_bad_or_stale_signatures_are_refused_and_change_nothing(case, kwargs, code):
    response = _post({"event_id": "hd-4", "case_id": case.pk, "state": "resolved"}, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert not InboundWebhookEvent.objects.exists()


def test_missing_signature_headers_are_refused(case):
    response = Client().post(
        URL, data=json.dumps({"event_id": "x", "case_id": case.pk}), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_signature"


def test_a_replay_of_an_old_signed_request_is_refused(case):
    body = json.dumps({"event_id": "hd-5", "case_id": case.pk, "state": "resolved"}).encode()
    old = int(time.time()) - 3600
    response = _post(None, raw=body, ts=old, signature=sign(SECRET, old, body))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2, 3]", 400),
        (json.dumps({"case_id": 1}).encode(), 400),
        (json.dumps({"event_id": "e", "case_id": "abc"}).encode(), 400),
        (json.dumps({"event_id": "e", "case_id": 1, "state": "exploded"}).encode(), 400),
        (json.dumps({"event_id": "e", "case_id": 1, "reply": {"author_email": "x"}}).encode(), 400),
    ],
)
def test_malformed_json_gets_a_clear_400_and_changes_nothing(case, raw, status):
    response = _post(None, raw=raw)
    assert response.status_code == status
    assert "error" in response.json()
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert not InboundWebhookEvent.objects.exists()


def test_an_unknown_case_is_404(case):
    response = _post({"event_id": "hd-6", "case_id": 999_999, "state": "resolved"})
    assert response.status_code == 404


def test_an_unknown_agent_email_is_400_and_nothing_is_posted(case):
    response = _post(
        {
            "event_id": "hd-7",
            "case_id": case.pk,
            "state": "resolved",
            "reply": {"body": "Here is the fix for you.", "author_email": "nobody@example.com"},
        }
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert not Post.objects.filter(thread_id=case.thread_id).exists()
    # Not recorded: the helpdesk can fix the e-mail and send the same event again.
    assert not InboundWebhookEvent.objects.exists()


def test_an_unconfigured_secret_refuses_everything(case, settings):
    settings.ESCALATIONS_INBOUND_SECRET = ""
    response = _post({"event_id": "hd-8", "case_id": case.pk}, secret="")
    assert response.status_code == 401
