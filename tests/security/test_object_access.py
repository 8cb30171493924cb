"""Guessing ids reveals nothing: every lookup checks who is asking."""

from __future__ import annotations

import pytest
from django.test import Client

from forum import services as forum_services
from forum.models import Flag, UserSanction
from forum.moderation import services as moderation_services
from notifications.models import Notification
from tests.factories import UserFactory


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def moderator(db):
    return UserFactory(roles=["moderator"])


@pytest.fixture
def thread(customer, category):
    return forum_services.thread_create(
        author=customer, category=category, title="Scanner jams on every page",
        body="The scanner jams on every single page I feed it.",
    )  # fmt: skip


def test_someone_elses_notification_cannot_be_read_or_marked(customer, other_customer):
    note = Notification.objects.create(recipient=customer, kind="answer", title="t", url="/")
    client = _client(other_customer)
    assert client.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None
    listed = client.get("/api/v1/notifications/").json()
    assert note.pk not in [n["id"] for n in listed["results"]]


def test_a_hidden_question_is_a_404_for_everyone_but_moderators(thread, moderator, other_customer):
    moderation_services.thread_hide(thread=thread, moderator=moderator, hidden=True)
    assert _client(other_customer).get(f"/t/{thread.pk}/").status_code == 404
    assert _client(other_customer).get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert Client().get(f"/t/{thread.pk}/").status_code == 404
    assert _client(moderator).get(f"/t/{thread.pk}/").status_code == 200


def test_a_hidden_answer_cannot_be_flagged_or_voted_by_guessing_its_id(
    thread, moderator, other_customer, customer
):
    post = forum_services.answer_create(thread=thread, author=other_customer, body="Clean it.")
    moderation_services.post_hide(post=post, moderator=moderator, hidden=True)
    client = _client(customer)
    assert client.post(f"/moderation/a/{post.pk}/flag/", {"reason": "spam"}).status_code == 404
    api = client.put(f"/api/v1/answers/{post.pk}/vote/", {"value": 1}, "application/json")
    assert api.status_code == 404
    assert not Flag.objects.exists()


def test_a_customer_cannot_lift_a_sanction_by_guessing_its_id(moderator, customer, other_customer):
    sanction = moderation_services.user_sanction(
        moderator=moderator, user=customer, kind="silence", days=2, reason="x"
    )
    response = _client(other_customer).post(f"/moderation/sanctions/{sanction.pk}/lift/")
    assert response.status_code == 403
    assert UserSanction.objects.get(pk=sanction.pk).lifted_at is None


def test_a_customer_cannot_read_the_finance_payout_list(customer_client):
    assert customer_client.get("/api/v1/rewards/finance/payouts/").status_code == 403
    assert customer_client.post("/api/v1/rewards/finance/payouts/1/approve/").status_code == 403


def test_a_customer_cannot_read_an_escalation_case_by_id(customer_client):
    assert customer_client.get("/api/v1/escalations/cases/1/").status_code in (403, 404)
    assert customer_client.get("/staff/escalations/1/").status_code in (403, 404)
