"""Writes are limited per user (whatever address they come from) and per IP address
(whatever account they use): accepts at most 20 an hour per user."""

from __future__ import annotations

import pytest
from django.test import Client

from forum import services as forum_services
from tests.factories import UserFactory


@pytest.fixture
def asked(customer, other_customer, category):
    thread = forum_services.thread_create(
        author=customer, category=category, title="Fax machine will not dial out",
        body="The fax machine shows line busy every time I dial.",
    )  # fmt: skip
    post = forum_services.answer_create(thread=thread, author=other_customer, body="Dial 9 first.")
    return thread, post


def test_a_user_gets_twenty_accepts_an_hour_from_any_address(customer_client, asked, still_clock):
    thread, post = asked
    url = f"/t/{thread.pk}/accept/{post.pk}/"
    codes = [
        customer_client.post(url, REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(1, 22)
    ]
    assert codes[:20] == [302] * 20
    assert codes[20] == 429


def test_the_api_limits_accepts_per_user_from_any_address(customer_client, asked, still_clock):
    thread, post = asked
    url = f"/api/v1/threads/{thread.pk}/accept/"
    codes = [
        customer_client.post(
            url, {"answer_id": post.pk}, "application/json", REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(1, 22)
    ]
    assert 429 not in codes[:20]
    assert codes[20] == 429


def test_many_accounts_behind_one_address_share_its_budget(settings, category, still_clock):
    settings.RATE_LIMITS_PER_IP = {**settings.RATE_LIMITS_PER_IP, "accepts": "5/h"}
    codes = []
    for n in range(3):
        asker, helper = UserFactory(roles=["customer"]), UserFactory(roles=["customer"])
        thread = forum_services.thread_create(
            author=asker, category=category, title=f"Question {n} about the toner",
            body="The toner light stays on after changing it.",
        )  # fmt: skip
        post = forum_services.answer_create(thread=thread, author=helper, body="Reset it.")
        client = Client()
        client.force_login(asker)
        url = f"/t/{thread.pk}/accept/{post.pk}/"
        codes += [client.post(url, REMOTE_ADDR="198.51.100.1").status_code for _ in range(2)]
    assert codes[:5] == [302] * 5
    assert codes[5] == 429
