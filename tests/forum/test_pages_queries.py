"""The number of queries a page runs does not grow with the rows it shows."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from forum.models import Post, Thread
from tests.factories import PostFactory, TagFactory, ThreadFactory, UserFactory


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _thread_with_answers(category, asker, n: int) -> Thread:
    thread = services.thread_create(
        author=asker,
        category=category,
        title=f"A question with {n} answers",
        body="Body of the question, long enough.",
        tags=[TagFactory(name="wifi", slug="wifi").slug],
    )
    authors = [UserFactory() for _ in range(3)]
    posts = PostFactory.build_batch(n, thread=thread, author=authors[0])
    for i, post in enumerate(posts):
        post.author = authors[i % 3]
    Post.objects.bulk_create(posts)
    accepted = Post.objects.filter(thread=thread).first()
    services.answer_accept(thread=thread, post=accepted, actor=asker)
    return thread


@pytest.mark.parametrize("viewer", ["anonymous", "customer"])
def test_the_thread_page_runs_the_same_queries_for_3_and_200_answers(
    client, customer, other_customer, category, viewer, django_assert_num_queries
):
    if viewer == "customer":
        client.force_login(other_customer)
    small = _thread_with_answers(category, customer, 3)
    large = _thread_with_answers(category, customer, 200)
    # Anonymous:
    #   1. the thread with category, author, accepted answer and its author (one JOIN)
    #   2. the thread's tags (prefetch)
    #   3. COUNT of the visible answers (paginator)
    #   4. one page of answers with their authors (JOIN)
    #   5-7. SAVEPOINT, UPDATE view_count, RELEASE: only on the first view of a thread by
    #        this viewer (services.thread_view_record dedupes in the cache for 15 minutes)
    # Signed in, additionally: the session, the user, the user's groups (role check, cached
    # for the request), the viewer's votes on the shown answers and, when the notifications
    # app is installed, the COUNT of unread notifications for the header bell.
    bell = 1 if apps.is_installed("notifications") else 0
    expected = 7 if viewer == "anonymous" else 11 + bell
    with django_assert_num_queries(expected):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(expected):
        client.get(large.get_absolute_url())
    # A repeat view by the same viewer is not counted again: no write at all.
    with django_assert_num_queries(expected - 3):
        client.get(large.get_absolute_url() + "?page=3")


def test_the_category_page_runs_the_same_queries_for_3_and_1000_threads(
    client, customer, category, django_assert_num_queries
):
    from tests.factories import CategoryFactory

    other = CategoryFactory(slug="laptops", name="Laptops")
    tag = TagFactory(name="wifi", slug="wifi")
    for target, n in ((other, 3), (category, 1000)):
        threads = Thread.objects.bulk_create(
            ThreadFactory.build_batch(n, category=target, author=customer)
        )
        Thread.tags.through.objects.bulk_create(
            [Thread.tags.through(thread_id=t.pk, tag_id=tag.pk) for t in threads]
        )
    # 1. the category by slug
    # 2. COUNT of its visible threads matching the filter (paginator)
    # 3. one page of threads with category and author (JOIN)
    # 4. the tags of that page (prefetch)
    for slug in (other.slug, category.slug):
        for query in ("", "?filter=unsolved&sort=votes", "?sort=active&page=2"):
            with django_assert_num_queries(4):
                client.get(reverse("forum:category", kwargs={"slug": slug}) + query)


def test_the_home_page_runs_a_fixed_number_of_queries(
    client, customer, category, django_assert_num_queries
):
    ThreadFactory.create_batch(30, category=category, author=customer)
    # 1. the categories; 2-3. recent threads + their tags; 4-5. unanswered threads + tags
    with django_assert_num_queries(5):
        client.get(reverse("forum:home"))


def test_the_profile_page_runs_a_fixed_number_of_queries(
    client, customer, expert, category, django_assert_num_queries
):
    for i in range(3):
        thread = services.thread_create(
            author=customer, category=category, title=f"Question number {i}", body="b" * 20
        )
        services.answer_create(thread=thread, author=expert, body="An answer to it.")
    # 1. the person; 2. COUNT of their answers; 3. a page of answers with thread and
    # category (JOIN); 4. answers per category (GROUP BY)
    with django_assert_num_queries(4):
        client.get(reverse("forum:profile", kwargs={"username": expert.username}))
    assert _count(client, reverse("forum:profile", kwargs={"username": expert.username})) == 4
