from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from forum import services as forum_services
from notifications.kinds import Kind
from notifications.models import EmailFrequency, Notification, NotificationPreference, Watch
from notifications.services import notification_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def notify(user, n: int, actor) -> None:
    notification_send(
        recipient_ids=[user.pk] * 1,
        kind=Kind.WATCHED_THREAD_ANSWER,
        title="Printer question",
        url="/t/1/",
        actor_id=actor.pk,
    )
    for i in range(n - 1):
        notification_send(
            recipient_ids=[user.pk],
            kind=Kind.MENTION,
            title=f"Question {i}",
            url=f"/t/{i}/",
            actor_id=actor.pk,
            data={"excerpt": "Some text"},
        )


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Pages ----------------------------------------------------------------------------------


def test_the_notifications_page_lists_my_notifications(customer, customer_client, expert):
    notify(customer, 3, expert)
    response = customer_client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "Question 0" in response.content.decode()
    assert response.context["notifications_unread"] == 3


def test_the_notifications_page_costs_the_same_queries_for_3_and_50(
    customer, customer_client, expert
):
    # session, user, COUNT for the paginator, the page of rows (actor joined), the unread
    # COUNT of the header bell.
    notify(customer, 3, expert)
    with CaptureQueriesContext(connection) as few:
        customer_client.get(reverse("notifications:list"))
    notify(customer, 47, expert)
    with CaptureQueriesContext(connection) as many:
        response = customer_client.get(reverse("notifications:list"))
    assert len(response.context["notifications"]) == 30
    assert len(few.captured_queries) == len(many.captured_queries)
    assert len(many.captured_queries) <= 6


def test_the_header_counter_costs_no_query_for_anonymous_visitors():
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from notifications.context_processors import notifications

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as ctx:
        assert notifications(request)["notifications_unread"] == 0
    assert ctx.captured_queries == []


def test_marking_one_and_all_read(customer, customer_client, expert):
    notify(customer, 3, expert)
    first = Notification.objects.filter(recipient=customer).first()
    customer_client.post(reverse("notifications:read", kwargs={"pk": first.pk}))
    assert Notification.objects.filter(recipient=customer, read_at__isnull=True).count() == 2
    customer_client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=customer, read_at__isnull=True).exists()


def test_marking_read_needs_a_post_with_csrf(customer, expert):
    notify(customer, 1, expert)
    notification = Notification.objects.get(recipient=customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    url = reverse("notifications:read", kwargs={"pk": notification.pk})
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_someone_elses_notification_cannot_be_marked_read_on_the_page(
    customer, other_customer, expert
):
    notify(customer, 1, expert)
    notification = Notification.objects.get(recipient=customer)
    client = Client()
    client.force_login(other_customer)
    response = client.post(reverse("notifications:read", kwargs={"pk": notification.pk}))
    assert response.status_code == 404


def test_watch_and_unwatch_a_thread_on_the_page(question, expert, expert_client):
    url = reverse("notifications:watch_thread", kwargs={"pk": question.pk})
    expert_client.post(url, {"action": "watch"})
    assert Watch.objects.filter(user=expert, thread=question).count() == 1
    expert_client.post(url, {"action": "watch"})
    assert Watch.objects.filter(user=expert, thread=question).count() == 1
    expert_client.post(url, {"action": "unwatch"})
    assert not Watch.objects.filter(user=expert, thread=question).exists()


def test_watch_and_unwatch_a_category_on_the_page(category, expert, expert_client):
    url = reverse("notifications:watch_category", kwargs={"slug": category.slug})
    expert_client.post(url)
    assert Watch.objects.filter(user=expert, category=category).exists()
    expert_client.post(url, {"action": "unwatch"})
    assert not Watch.objects.filter(user=expert, category=category).exists()


def test_a_hidden_thread_cannot_be_watched(question, expert, expert_client):
    type(question).objects.filter(pk=question.pk).update(is_hidden=True)
    url = reverse("notifications:watch_thread", kwargs={"pk": question.pk})
    assert expert_client.post(url).status_code == 404
    assert not Watch.objects.filter(user=expert).exists()


def test_the_preferences_page_saves_choices(customer, customer_client):
    page = customer_client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    data = {f"email_{kind}": EmailFrequency.INSTANT for kind in Kind.values}
    data.update({f"in_app_{kind}": "on" for kind in Kind.values})
    data[f"email_{Kind.MENTION}"] = EmailFrequency.DAILY
    customer_client.post(reverse("notifications:preferences"), data)
    assert (
        NotificationPreference.objects.get(user=customer, kind=Kind.MENTION).email
        == EmailFrequency.DAILY
    )
    assert customer.notification_settings.auto_watch is False  # checkbox not sent


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_only_my_notifications(customer, other_customer, expert):
    notify(customer, 3, expert)
    notify(other_customer, 2, expert)
    response = api_client(customer).get("/api/v1/notifications/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert {r["kind"] for r in response.json()["results"]} == {
        Kind.MENTION,
        Kind.WATCHED_THREAD_ANSWER,
    }


def test_the_api_list_query_count_does_not_grow_with_rows(customer, expert):
    notify(customer, 3, expert)
    client = api_client(customer)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/notifications/")
    notify(customer, 20, expert)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notifications/")
    # The page of rows with the actor joined; nothing per row.
    assert len(few.captured_queries) == len(many.captured_queries) == 1


def test_someone_elses_notification_is_404_in_the_api(customer, other_customer, expert):
    notify(customer, 1, expert)
    notification = Notification.objects.get(recipient=customer)
    response = api_client(other_customer).post(f"/api/v1/notifications/{notification.pk}/read/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_api_marks_read_and_all_read(customer, expert):
    notify(customer, 3, expert)
    client = api_client(customer)
    first = Notification.objects.filter(recipient=customer).first()
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    assert client.post("/api/v1/notifications/read-all/").json() == {"updated": 2}


def test_the_api_needs_authentication():
    assert APIClient().get("/api/v1/notifications/").status_code == 401


def test_the_api_reads_and_changes_preferences(customer):
    client = api_client(customer)
    response = client.patch(
        "/api/v1/notifications/preferences/",
        {"preferences": [{"kind": "mention", "email": "never"}], "auto_watch": False},
        format="json",
    )
    assert response.status_code == 200
    prefs = {p["kind"]: p for p in response.json()["preferences"]}
    assert prefs["mention"]["email"] == "never"
    assert prefs["reward_update"]["email"] == "daily"  # the configured default
    assert response.json()["auto_watch"] is False
    bad = client.patch(
        "/api/v1/notifications/preferences/",
        {"preferences": [{"kind": "nonsense"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"


def test_the_api_watches_and_unwatches(question, category, expert):
    client = api_client(expert)
    assert client.put(f"/api/v1/threads/{question.pk}/watch/").json() == {"watching": True}
    assert client.get(f"/api/v1/threads/{question.pk}/watch/").json() == {"watching": True}
    assert client.delete(f"/api/v1/threads/{question.pk}/watch/").json() == {"watching": False}
    assert client.put(f"/api/v1/categories/{category.pk}/watch/").json() == {"watching": True}
    assert Watch.objects.filter(user=expert, category=category).exists()


# --- Live updates ---------------------------------------------------------------------------


def test_the_live_endpoint_reports_new_answers_and_answers_304_when_unchanged(
    question, customer, expert
):
    first = forum_services.answer_create(thread=question, author=expert, body="First answer here.")
    client = APIClient()
    url = f"/api/v1/threads/{question.pk}/live/?after={first.pk}"
    response = client.get(url)
    assert response.status_code == 200
    etag = response["ETag"]
    assert response.json()["new_answer_count"] == 0
    with CaptureQueriesContext(connection) as ctx:
        unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert len(ctx.captured_queries) == 1
    second = forum_services.answer_create(
        thread=question, author=UserFactory(), body="Second answer **here**."
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    data = changed.json()
    assert data["new_answer_count"] == 1
    assert data["new_answers"][0]["id"] == second.pk
    assert "<strong>here</strong>" in data["new_answers"][0]["body_html"]
    assert data["last_post_id"] == second.pk


def test_a_vote_changes_the_live_etag(question, customer, expert):
    answer = forum_services.answer_create(thread=question, author=expert, body="An answer here.")
    client = APIClient()
    url = f"/api/v1/threads/{question.pk}/live/?after={answer.pk}"
    etag = client.get(url)["ETag"]
    forum_services.vote_cast(post=answer, user=customer, value=1)
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["scores"][str(answer.pk)] == 1


def test_the_live_endpoint_hides_hidden_threads(question):
    type(question).objects.filter(pk=question.pk).update(is_hidden=True)
    assert APIClient().get(f"/api/v1/threads/{question.pk}/live/").status_code == 404


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(
    customer, customer_client, expert
):
    notify(customer, 1, expert)
    notification = Notification.objects.get(recipient=customer)
    response = customer_client.post(
        reverse("notifications:read", kwargs={"pk": notification.pk}), {"open": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None
