"""Fixtures for the REST API tests: API clients per person, a question with an answer, and
a snapshot of the forum's rows for asserting that a refused request changed nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from core.models import OutboxEvent
from forum import services
from forum.models import Category, Post, Revision, Tag, Thread, Vote
from tests.factories import TagFactory


def _api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def customer_api(customer) -> APIClient:
    return _api_for(customer)


@pytest.fixture
def other_api(other_customer) -> APIClient:
    return _api_for(other_customer)


@pytest.fixture
def expert_api(expert) -> APIClient:
    return _api_for(expert)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return _api_for(staff)


@pytest.fixture
def tag(db) -> Tag:
    return TagFactory(name="wifi", slug="wifi")


@pytest.fixture
def question(customer, category, tag) -> Thread:
    """Asked by ``customer`` through the real service (revision, counters, events)."""
    return services.thread_create(
        author=customer,
        category=category,
        title="Printer blinks orange after the update",
        body="Since yesterday's firmware update it blinks orange and will not print.",
        tags=["wifi"],
    )


@pytest.fixture
def answer(question, expert) -> Post:
    """``expert``'s answer to ``question``."""
    return services.answer_create(
        thread=question, author=expert, body="Reset it by holding the power button for 10 s."
    )


@pytest.fixture
def forum_state(db) -> Callable[[], dict]:
    """Everything a forum write can touch, as comparable values. A refused request must
    leave it exactly as it was (and must not publish an event)."""

    def snapshot() -> dict:
        return {
            "threads": list(
                Thread.objects.order_by("pk").values_list(
                    "pk", "title", "body_md", "status", "accepted_answer_id", "answer_count",
                    "edited_at", "last_activity_at",
                )
            ),
            "thread_tags": list(
                Thread.tags.through.objects.order_by("pk").values_list("thread_id", "tag_id")
            ),
            "posts": list(
                Post.objects.order_by("pk").values_list(
                    "pk", "body_md", "score", "upvotes", "downvotes", "is_accepted", "edited_at"
                )
            ),
            "votes": list(Vote.objects.order_by("pk").values_list("pk", "post_id", "value")),
            "revisions": Revision.objects.count(),
            "categories": list(
                Category.objects.order_by("pk").values_list(
                    "pk", "thread_count", "solved_count", "unanswered_count"
                )
            ),
            "events": OutboxEvent.objects.count(),
        }  # fmt: skip

    return snapshot
