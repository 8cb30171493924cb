"""The staff inbox pages and the listening API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import ThreadStatus
from forum.search import search_reindex_threads
from listening import services
from listening.models import Item, ItemState, ListeningAction, Source, SourceKind
from listening.parsing import RawItem
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(name="Saved search", kind=SourceKind.RSS, url="https://x.example/")


@pytest.fixture
def items(source, category) -> list[Item]:
    services.items_ingest(
        source=source,
        raw_items=[
            RawItem(
                external_id="1",
                title="Printer prints blank pages",
                html="My Lumio printer prints blank pages, how do I fix it?",
                link="https://s.example/1",
            ),
            RawItem(
                external_id="2", html="Urgent!! Lumio charged me twice for ink, I want a refund now"
            ),
            RawItem(external_id="3", html="How do I reset the Lumio router to factory settings?"),
            RawItem(external_id="4", html="Lumio announces record revenue this quarter."),
        ],
    )
    return list(Item.objects.order_by("external_id"))


@pytest.fixture
def solved_thread(category):
    thread = ThreadFactory(
        category=category,
        title="Printer prints blank pages after new cartridge",
        body_md="Blank pages since the cartridge change.",
        status=ThreadStatus.SOLVED,
    )
    search_reindex_threads(thread_ids=[thread.pk])
    return thread


def test_the_inbox_shows_items_needing_action_most_urgent_first(
    staff_client, items, django_assert_max_num_queries
):
    # session + user + roles, the page of items (one query with source and category),
    # the count for the paginator, state counts, action counts, notifications badge.
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("listening:inbox"))

    assert response.status_code == 200
    shown = [item.pk for item in response.context["page"].object_list]
    assert Item.objects.get(external_id="4").pk not in shown  # news: filtered out
    assert shown[0] == Item.objects.get(external_id="2").pk  # high urgency first
    assert response.context["counts"]["open"] == 3


def test_the_inbox_costs_the_same_queries_for_more_items(
    staff_client, source, items, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse("listening:inbox"))
    services.items_ingest(
        source=source,
        raw_items=[
            RawItem(external_id=f"more{n}", html=f"How do I fix error {n} on my printer?")
            for n in range(5)
        ],
    )
    with CaptureQueriesContext(connection) as many:
        staff_client.get(reverse("listening:inbox"))
    assert len(many) == len(few)


def test_customers_and_visitors_cannot_see_the_inbox(customer_client, items):
    assert customer_client.get(reverse("listening:inbox")).status_code == 403
    assert customer_client.get(reverse("listening:item", args=[items[0].pk])).status_code == 403
    assert Client().get(reverse("listening:inbox")).status_code == 302


def test_an_item_page_explains_the_decision_and_offers_solved_threads(
    staff_client, items, solved_thread
):
    response = staff_client.get(reverse("listening:item", args=[items[0].pk]))

    assert response.status_code == 200
    assert solved_thread in response.context["matches"]
    html = response.content.decode()
    assert "Why the classifier decided this" in html
    assert "Reply with this link" in html


def test_staff_reply_with_a_link_from_the_item_page(staff_client, items, solved_thread):
    response = staff_client.post(
        reverse("listening:item_act", args=[items[0].pk]),
        {"action": "reply_link", "thread_id": solved_thread.pk},
        follow=True,
    )

    assert response.status_code == 200
    action = ListeningAction.objects.get()
    assert action.thread == solved_thread
    assert action.reply_text in response.content.decode()


def test_a_second_action_on_the_page_shows_an_error_not_a_crash(staff_client, items):
    url = reverse("listening:item_act", args=[items[0].pk])
    staff_client.post(url, {"action": "dismiss"})
    response = staff_client.post(url, {"action": "invite"}, follow=True)
    assert response.status_code == 200
    assert ListeningAction.objects.count() == 1


def test_the_sources_page_shows_health(staff_client, source, items):
    services.source_record_error(source_id=source.pk, message="HTTP 500 Internal Server Error")
    response = staff_client.get(reverse("listening:sources"))
    assert response.status_code == 200
    assert "HTTP 500" in response.content.decode()


# --- API -------------------------------------------------------------------------------------


def test_the_api_lists_open_items_with_explanations(
    staff_client, items, django_assert_max_num_queries
):
    # session, user, roles, count, page of items with source and category.
    with django_assert_max_num_queries(8):
        response = staff_client.get("/api/v1/listening/items/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["urgency"] == "high"
    assert set(first["explanation"]) >= {"model", "support", "urgency"}


def test_the_api_shows_an_item_with_matches_and_acts_on_it(staff_client, items, solved_thread):
    detail = staff_client.get(f"/api/v1/listening/items/{items[0].pk}/").json()
    assert solved_thread.pk in [m["id"] for m in detail["matches"]]

    response = staff_client.post(
        f"/api/v1/listening/items/{items[0].pk}/actions/",
        {"action": "reply_link", "thread_id": solved_thread.pk},
        content_type="application/json",
    )
    again = staff_client.post(
        f"/api/v1/listening/items/{items[0].pk}/actions/",
        {"action": "dismiss"},
        content_type="application/json",
    )

    assert response.status_code == 201 and response.json()["thread_id"] == solved_thread.pk
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_handled"
    stats = staff_client.get("/api/v1/listening/stats/").json()
    assert stats["solved_by_link"] == 1


def test_the_api_is_for_staff_only(customer_client, items):
    assert customer_client.get("/api/v1/listening/items/").status_code == 403
    assert customer_client.get("/api/v1/listening/sources/").status_code == 403
    response = customer_client.post(
        f"/api/v1/listening/items/{items[0].pk}/actions/",
        {"action": "dismiss"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Client().get("/api/v1/listening/items/").status_code == 401


def test_the_api_lists_sources_with_health_and_validates_input(staff_client, source, items):
    sources = staff_client.get("/api/v1/listening/sources/").json()
    assert sources[0]["open_items"] == 3
    bad = staff_client.post(
        f"/api/v1/listening/items/{items[0].pk}/actions/",
        {"action": "explode"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert staff_client.get("/api/v1/listening/items/999999/").status_code == 404


def test_an_item_state_filter_shows_filtered_items(staff_client, items):
    response = staff_client.get("/api/v1/listening/items/?state=filtered")
    assert [r["state"] for r in response.json()["results"]] == [ItemState.FILTERED]
