"""The list endpoints cost the same number of queries for 3 rows as for 50.

Each test states the queries it expects. Rows are built with factories (different authors,
categories and tags per row) so a missing select_related/prefetch would show up as N+1.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from forum import services
from tests.factories import CategoryFactory, PostFactory, TagFactory, ThreadFactory, UserFactory


def _threads(n: int) -> None:
    tags = [TagFactory(), TagFactory()]
    for _ in range(n):
        thread = ThreadFactory(category=CategoryFactory(), author=UserFactory())
        thread.tags.set(tags)


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("rows", [3, 50])
def test_the_anonymous_thread_list_costs_two_queries(api, db, django_assert_num_queries, rows):
    _threads(rows)
    # 1. the page of threads with their category and author (one JOIN)
    # 2. their tags (prefetch)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/threads/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 20)


@pytest.mark.parametrize("rows", [3, 50])
def test_the_signed_in_thread_list_costs_four_queries(customer, django_assert_num_queries, rows):
    _threads(rows)
    client = _token_client(customer)
    # 1. the token with its user
    # 2. the user's roles (may they see hidden threads?)
    # 3. the page of threads with their category and author
    # 4. their tags
    with django_assert_num_queries(4):
        response = client.get("/api/v1/threads/", {"sort": "votes", "filter": "unsolved"})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 50])
def test_the_answers_list_costs_six_queries(question, customer, django_assert_num_queries, rows):
    for _ in range(rows):
        post = PostFactory(thread=question, author=UserFactory())
        services.vote_cast(post=post, user=customer, value=1)
    client = _token_client(customer)
    # 1. the token with its user
    # 2. the user's roles
    # 3. the thread (with category, author, accepted answer and its author)
    # 4. the thread's tags (thread_get prefetches them for the detail page)
    # 5. the page of answers with their authors
    # 6. the caller's votes on that page
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/threads/{question.pk}/answers/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == min(rows, 20)
    assert all(item["my_vote"] == 1 for item in results)


def test_the_thread_detail_costs_five_queries(
    question, answer, customer, django_assert_num_queries
):
    services.answer_accept(thread=question, post=answer, actor=customer)
    client = _token_client(customer)
    # 1. token and user, 2. roles, 3. the thread with its accepted answer and their authors,
    # 4. its tags, 5. the caller's vote on the accepted answer
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/threads/{question.pk}/")
    assert response.status_code == 200
    assert response.json()["accepted_answer"]["id"] == answer.pk
