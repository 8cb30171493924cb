"""The signed inbound endpoints: mention webhook and forwarded mail."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from escalations.webhooks import sign
from listening.models import Item, ItemState, Source, SourceKind

pytestmark = pytest.mark.django_db
SECRET = "listen-secret"


@pytest.fixture
def hook(db) -> Source:
    return Source.objects.create(name="Social tool", kind=SourceKind.WEBHOOK, secret=SECRET)


@pytest.fixture
def mailbox(db) -> Source:
    return Source.objects.create(name="support@ forward", kind=SourceKind.MAIL, secret=SECRET)


def post_signed(path: str, body: bytes, *, secret: str = SECRET, at: int | None = None, **extra):
    at = int(time.time()) if at is None else at
    return Client().post(
        path,
        data=body,
        content_type=extra.pop("content_type", "application/json"),
        HTTP_X_TIMESTAMP=str(at),
        HTTP_X_SIGNATURE=sign(secret, at, body),
        **extra,
    )


def mention(**fields) -> dict:
    return {
        "id": "tw-1",
        "url": "https://social.example/status/1",
        "author": "@carla",
        "text": "@Lumio my router keeps dropping wifi every hour, how do I fix it?",
        "published_at": "2026-11-22T10:00:00+00:00",
    } | fields


def test_a_signed_mention_becomes_an_item_and_a_redelivery_is_a_duplicate(hook):
    path = f"/api/v1/listening/inbound/{hook.pk}/mentions/"
    body = json.dumps(mention()).encode()

    first = post_signed(path, body)
    again = post_signed(path, body, at=int(time.time()) + 1)  # new signature, same mention

    assert first.status_code == 202, first.content
    assert first.json() == {"created": 1, "duplicates": 0, "support": 1}
    assert again.json()["duplicates"] == 1
    item = Item.objects.get()
    assert item.source == hook and item.state == ItemState.OPEN and item.author == "@carla"


def test_a_batch_of_mentions_is_accepted(hook):
    body = json.dumps(
        {"mentions": [mention(id="1", url=""), mention(id="2", url="", text="Lumio stock is up.")]}
    ).encode()

    response = post_signed(f"/api/v1/listening/inbound/{hook.pk}/mentions/", body)

    assert response.json() == {"created": 2, "duplicates": 0, "support": 1}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong"}, "bad_signature"),
        ({"at": int(time.time()) - 3600}, "stale_timestamp"),
    ],
)
def test_a_bad_or_old_signature_is_refused_and_shows_in_health(hook, kwargs, code):
    response = post_signed(
        f"/api/v1/listening/inbound/{hook.pk}/mentions/", json.dumps(mention()).encode(), **kwargs
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    hook.refresh_from_db()
    assert hook.consecutive_errors == 1 and Item.objects.count() == 0


def test_an_exact_replay_is_refused(hook):
    path = f"/api/v1/listening/inbound/{hook.pk}/mentions/"
    body = json.dumps(mention()).encode()
    at = int(time.time())

    assert post_signed(path, body, at=at).status_code == 202
    replay = post_signed(path, body, at=at)

    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"


def test_malformed_mentions_are_a_validation_error(hook):
    path = f"/api/v1/listening/inbound/{hook.pk}/mentions/"
    assert post_signed(path, b"{not json").status_code == 400
    assert post_signed(path, json.dumps({"no": "id"}).encode()).status_code == 400
    too_many = {"mentions": [mention(id=str(n)) for n in range(101)]}
    assert post_signed(path, json.dumps(too_many).encode()).status_code == 400


def test_a_mention_for_an_unknown_or_other_kind_of_source_is_not_found(mailbox):
    response = post_signed(
        f"/api/v1/listening/inbound/{mailbox.pk}/mentions/", json.dumps(mention()).encode()
    )
    assert response.status_code == 404


FORWARDED = b"""From: Carla Customer <carla@example.com>
To: support@lumio.example
Subject: Printer prints blank pages
Message-ID: <abc123@mail.example>
Date: Sun, 22 Nov 2026 09:30:00 +0100
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hello, my Lumio printer prints blank pages since I changed the cartridge. How can I fix this?

--b1
Content-Type: text/html; charset=utf-8

<p>Hello, <script>alert(1)</script>my Lumio printer prints blank pages</p>

--b1--
"""


def test_a_forwarded_mail_becomes_an_item_once(mailbox):
    path = f"/api/v1/listening/inbound/{mailbox.pk}/mail/"

    first = post_signed(path, FORWARDED, content_type="message/rfc822")
    second = post_signed(path, FORWARDED, content_type="message/rfc822", at=int(time.time()) + 2)

    assert first.status_code == 202, first.content
    assert first.json()["created"] == 1 and second.json()["duplicates"] == 1
    item = Item.objects.get()
    assert item.external_id == "<abc123@mail.example>"
    assert item.title == "Printer prints blank pages"
    assert "How can I fix this?" in item.text
    assert item.author == "Carla Customer <carla@example.com>"
    assert item.is_support


def test_garbage_mail_does_not_crash_the_endpoint(mailbox):
    response = post_signed(
        f"/api/v1/listening/inbound/{mailbox.pk}/mail/",
        b"\x00\xff not a message \r\n\r\n\xfe",
        content_type="message/rfc822",
    )
    assert response.status_code in (202, 400)
