"""The search page, /api/v1/search/, suggestions and deflection events over HTTP."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import DeflectionEvent, ThreadStatus
from forum.search import search_reindex_threads
from tests.factories import CategoryFactory, TagFactory, ThreadFactory

pytestmark = pytest.mark.django_db
SEARCH_API = "/api/v1/search/"
SIMILAR_API = "/api/v1/search/similar/"
DEFLECTION_API = "/api/v1/search/deflections/"


def indexed_thread(**kwargs):
    thread = ThreadFactory(**kwargs)
    search_reindex_threads(thread_ids=[thread.pk])
    return thread


@pytest.fixture
def threads():
    printers = CategoryFactory(slug="printers", name="Printers")
    tag = TagFactory(name="wifi")
    solved = indexed_thread(
        title="Printer drops off the wifi network", category=printers, status=ThreadStatus.SOLVED
    )
    solved.tags.add(tag)
    other = indexed_thread(title="Printer prints blank pages", category=printers)
    hidden = indexed_thread(title="Printer spam post", category=printers, is_hidden=True)
    return {"solved": solved, "other": other, "hidden": hidden, "tag": tag}


def test_the_urls_are_where_the_map_says():
    assert reverse("search") == "/search/"
    assert reverse("api:search") == SEARCH_API
    assert reverse("api:search_similar") == SIMILAR_API
    assert reverse("api:search_deflection_create") == DEFLECTION_API


def test_the_search_api_returns_ranked_highlighted_results(client: Client, threads):
    response = client.get(SEARCH_API, {"q": "printer"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [threads["solved"].pk, threads["other"].pk]
    first = body["results"][0]
    assert "<mark>" in first["title_html"]
    assert first["category"]["slug"] == "printers"
    assert first["url"].endswith(f"/t/{threads['solved'].pk}/")


def test_the_search_api_applies_filters_and_pages(client: Client, threads):
    assert client.get(SEARCH_API, {"q": "printer", "tag": "wifi"}).json()["count"] == 1
    unsolved = client.get(SEARCH_API, {"q": "printer", "status": "unsolved"}).json()
    assert [r["id"] for r in unsolved["results"]] == [threads["other"].pk]
    assert client.get(SEARCH_API, {"q": "printer", "from": "2999-01-01"}).json()["count"] == 0
    page2 = client.get(SEARCH_API, {"q": "printer", "page_size": 1, "page": 2}).json()
    assert (page2["num_pages"], len(page2["results"])) == (2, 1)


def test_empty_filter_parameters_mean_no_filter(client: Client, threads):
    params = {"q": "printer", "from": "", "to": "", "category": "", "tag": "", "status": ""}

    assert client.get(SEARCH_API, params).json()["count"] == 2


def test_moderators_find_hidden_threads_through_the_api(staff_client: Client, threads):
    assert staff_client.get(SEARCH_API, {"q": "spam"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "printer", "from": "yesterday"}, "from"),
        ({"q": "printer", "status": "maybe"}, "status"),
        ({"q": "printer", "category": "nope"}, "category"),
        ({"q": "printer", "page": "0"}, "page"),
        ({"q": "printer", "from": "2024-02-01", "to": "2024-01-01"}, "to"),
    ],
)
def test_bad_search_parameters_are_a_clear_400(client: Client, threads, params, field):
    response = client.get(SEARCH_API, params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_absurd_query_is_an_empty_result_not_an_error(client: Client, threads):
    response = client.get(SEARCH_API, {"q": '"(*&^%$#@! NEAR( OR -'})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_search_page_shows_results_and_filters(client: Client, threads):
    response = client.get("/search/", {"q": "printer", "category": "printers"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "drops off the <mark>wifi</mark>" not in html  # query was "printer"
    assert "<mark>Printer</mark> drops off the wifi network" in html
    assert "spam" not in html


def test_the_search_page_without_a_query_shows_only_the_form(client: Client, threads):
    response = client.get("/search/")

    assert response.status_code == 200
    assert b"search-results" not in response.content


def test_the_search_page_reports_a_bad_date_instead_of_failing(client: Client, threads):
    response = client.get("/search/", {"q": "printer", "from": "not-a-date"})

    assert response.status_code == 200
    assert b"field-error" in response.content


def test_similar_questions_come_back_solved_first(client: Client, threads):
    response = client.get(SIMILAR_API, {"title": "my printer keeps dropping wifi"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == threads["solved"].pk
    assert results[0]["is_solved"] is True
    assert threads["hidden"].pk not in [r["id"] for r in results]


def test_a_blank_title_has_no_suggestions(client: Client, threads):
    assert client.get(SIMILAR_API, {"title": ""}).json() == {"results": []}


def test_opening_a_suggestion_records_a_deflection_event(client: Client, threads):
    response = client.post(
        DEFLECTION_API,
        {"thread_id": threads["solved"].pk, "query": "printer wifi", "rank": 1},
        content_type="application/json",
    )

    assert response.status_code == 201
    event = DeflectionEvent.objects.get()
    assert event.thread == threads["solved"]
    assert event.session_key
    assert event.rank == 1
    assert not event.posted_after


def test_a_deflection_for_a_hidden_thread_is_refused(client: Client, threads):
    response = client.post(
        DEFLECTION_API, {"thread_id": threads["hidden"].pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert DeflectionEvent.objects.count() == 0


def test_asking_anyway_marks_the_deflection_as_posted_after(
    customer, customer_client: Client, threads, category, django_capture_on_commit_callbacks
):
    customer_client.post(
        DEFLECTION_API, {"thread_id": threads["other"].pk}, content_type="application/json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_create(
            author=customer,
            category=category,
            title="Printer prints blank pages still",
            body="None of the suggestions helped me at all.",
        )

    assert DeflectionEvent.objects.get().posted_after
