from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import Post
from notifications.emails import reply_token_make
from notifications.inbound import signature_for, strip_quoted

pytestmark = pytest.mark.django_db

SECRET = "inbound-test-secret"


@pytest.fixture(autouse=True)
def _inbound_settings(settings):
    settings.NOTIFICATIONS_REPLY_DOMAIN = "reply.example.com"
    settings.NOTIFICATIONS_INBOUND_SECRET = SECRET


def reply_message(*, sender: str, to: str, plain: str, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Neue Antwort auf Ihre Frage"
    message["Message-ID"] = make_msgid(domain="mail.example.net")
    # utf-8 with non-ASCII text makes the stdlib choose quoted-printable or base64; force QP.
    message.set_content(plain, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def post_raw(raw: bytes, *, secret: str = SECRET, as_field: bool = False):
    client = Client(enforce_csrf_checks=True)
    url = reverse("notifications:inbound_mail")
    if as_field:
        from urllib.parse import urlencode

        body = urlencode({"message": raw.decode()}).encode()
        return client.post(
            url,
            body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Inbound-Signature": signature_for(body, secret)},
        )
    return client.post(
        url,
        raw,
        content_type="message/rfc822",
        headers={"X-Inbound-Signature": signature_for(raw, secret)},
    )


GERMAN_REPLY = (
    "Danke! Bei mir hat geholfen, die Patrone zu schütteln und neu einzusetzen.\n"
    "Grüße aus Köln\n"
    "\n"
    "Am Mo., 3. März 2025 um 10:00 Uhr schrieb Help Community <community@localhost>:\n"
    "> Neue Antwort auf Ihre Frage\n"
    "> Replace the ink cartridge.\n"
)


def test_a_reply_by_mail_creates_an_answer(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender=f"Carla <{customer.email.upper()}>",
        to=f"reply+{token}@reply.example.com",
        plain=GERMAN_REPLY,
        html="<p>Danke! Bei mir hat geholfen, die Patrone zu <b>schütteln</b>.</p>",
    )
    assert b"quoted-printable" in raw and b"multipart/alternative" in raw
    response = post_raw(raw)
    assert response.status_code == 201, response.content
    post = Post.objects.get(pk=response.json()["answer_id"])
    assert post.author == customer
    assert post.thread == question
    assert post.body_md == (
        "Danke! Bei mir hat geholfen, die Patrone zu schütteln und neu einzusetzen.\nGrüße aus Köln"
    )


def test_the_same_reply_delivered_twice_creates_one_answer(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender=customer.email, to=f"reply+{token}@reply.example.com", plain=GERMAN_REPLY
    )
    assert post_raw(raw).status_code == 201
    assert post_raw(raw).status_code == 409
    assert Post.objects.filter(thread=question).count() == 1


def test_a_reply_posted_as_a_form_field_is_accepted(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender=customer.email,
        to=f"reply+{token}@reply.example.com",
        plain="Works for me too, thank you very much.",
    )
    assert post_raw(raw, as_field=True).status_code == 201


def test_an_html_only_reply_is_converted_to_text(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    message = EmailMessage()
    message["From"] = customer.email
    message["To"] = f"reply+{token}@reply.example.com"
    message.set_content("<p>Das hat <b>geholfen</b>, danke schön!</p>", subtype="html")
    response = post_raw(message.as_bytes())
    assert response.status_code == 201
    assert "Das hat geholfen, danke schön!" in Post.objects.get().body_md


def test_a_bad_signature_is_refused_and_creates_nothing(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender=customer.email, to=f"reply+{token}@reply.example.com", plain=GERMAN_REPLY
    )
    assert post_raw(raw, secret="wrong").status_code == 403
    assert not Post.objects.exists()


def test_a_bad_token_is_refused_and_creates_nothing(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    forged = token[:-4] + "0000"
    raw = reply_message(
        sender=customer.email, to=f"reply+{forged}@reply.example.com", plain=GERMAN_REPLY
    )
    assert post_raw(raw).status_code == 400
    assert not Post.objects.exists()


def test_a_reply_from_another_address_is_refused(question, customer):
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender="mallory@evil.example", to=f"reply+{token}@reply.example.com", plain=GERMAN_REPLY
    )
    assert post_raw(raw).status_code == 403
    assert not Post.objects.exists()


def test_a_reply_to_a_closed_thread_is_refused(question, customer):
    type(question).objects.filter(pk=question.pk).update(is_locked=True)
    token = reply_token_make(user_id=customer.pk, thread_id=question.pk)
    raw = reply_message(
        sender=customer.email, to=f"reply+{token}@reply.example.com", plain="Hi there, any news?"
    )
    assert post_raw(raw).status_code == 403
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Mon, 3 Mar 2025 at 10:00, Ann <a@b.c> wrote:\n> old", "Thanks!"),
        ("Thanks!\nOn Mon, 3 Mar 2025 at 10:00, Ann Example\n<a@b.c> wrote:\n> old", "Thanks!"),
        ("Danke!\nAm 03.03.2025 schrieb Ann <a@b.c>:\n> alt", "Danke!"),
        ("Fixed it.\n-- \nCarla\nACME Inc.", "Fixed it."),
        ("> quoted first\nMy answer\n> inline quote\nmore", "My answer\nmore"),
        ("Yes.\n-----Original Message-----\nFrom: x", "Yes."),
    ],
)
def test_quoted_text_and_signatures_are_stripped(text, expected):
    assert strip_quoted(text) == expected
