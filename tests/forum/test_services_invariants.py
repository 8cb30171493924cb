"""Helpers the service tests share, and tests that show the helpers can fail.

``assert_synchronized()`` runs every ``forum.synchronize`` function and asserts none of
them had anything to repair: the counters the services keep with ``F()`` equal what a full
recount gives. ``snapshot()`` captures the rows a forum write can touch, so a test can show
that a refused write changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from core.models import EventDelivery, OutboxEvent
from forum import services, synchronize
from forum.models import Category, Post, Revision, Thread, Vote


def _counters() -> dict[str, Any]:
    return {
        "categories": list(
            Category.objects.order_by("pk").values(
                "pk", "thread_count", "solved_count", "unanswered_count"
            )
        ),
        "threads": list(
            Thread.objects.order_by("pk").values(
                "pk", "answer_count", "accepted_answer_id", "status", "first_answer_at"
            )
        ),
        "posts": list(Post.objects.order_by("pk").values("pk", "score", "upvotes", "downvotes")),
    }


def assert_synchronized() -> None:
    """Every denormalised forum field equals its recomputation (and one accepted answer)."""
    before = _counters()
    changed = [("post", pk) for pk in Post.objects.values_list("pk", flat=True)]
    changed = [c for c in changed if synchronize.post_synchronize(c[1])]
    changed += [
        ("thread", pk)
        for pk in Thread.objects.values_list("pk", flat=True)
        if synchronize.thread_synchronize(pk)
    ]
    changed += [
        ("category", pk)
        for pk in Category.objects.values_list("pk", flat=True)
        if synchronize.category_synchronize(pk)
    ]
    after = _counters()
    assert not changed, _describe_drift(changed, before, after)
    assert before == after
    for thread in Thread.objects.all():
        accepted = list(Post.objects.filter(thread=thread, is_accepted=True))
        assert len(accepted) <= 1
        assert thread.accepted_answer_id == (accepted[0].pk if accepted else None)


def _describe_drift(changed: list, before: dict, after: dict) -> str:
    lines = [f"synchronize repaired {changed}"]
    for key in before:
        old = {row["pk"]: row for row in before[key]}
        lines.extend(
            f"  {key} {row['pk']}: kept {old.get(row['pk'])} recount {row}"
            for row in after[key]
            if old.get(row["pk"]) != row
        )
    return "\n".join(lines)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row a forum service writes, for before/after comparison."""
    return {
        "categories": list(Category.objects.order_by("pk").values()),
        "threads": list(Thread.objects.order_by("pk").values()),
        "thread_tags": list(
            Thread.tags.through.objects.order_by("pk").values("thread_id", "tag_id")
        ),
        "posts": list(Post.objects.order_by("pk").values()),
        "votes": list(Vote.objects.order_by("pk").values()),
        "revisions": list(Revision.objects.order_by("pk").values()),
        "events": list(OutboxEvent.objects.order_by("pk").values("pk", "name", "payload")),
        "deliveries": list(EventDelivery.objects.order_by("pk").values()),
        "groups": list(Group.objects.order_by("pk").values()),
    }


def event_names() -> list[str]:
    return list(OutboxEvent.objects.order_by("pk").values_list("name", flat=True))


# --- The helpers themselves -------------------------------------------------------------------


@pytest.fixture
def answered(customer, expert, category):
    thread = services.thread_create(
        author=customer,
        category=category,
        title="Scanner shows a paper jam",
        body="There is no paper in it at all.",
    )
    services.answer_create(thread=thread, author=expert, body="Open the back flap.")
    return thread


def test_the_sync_check_passes_on_what_the_services_wrote(answered):
    assert_synchronized()


def test_the_sync_check_fails_when_a_category_counter_drifts(answered, category):
    Category.objects.filter(pk=category.pk).update(solved_count=3)
    with pytest.raises(AssertionError, match="solved_count"):
        assert_synchronized()


def test_the_sync_check_fails_when_a_post_score_drifts(answered):
    Post.objects.update(score=7)
    with pytest.raises(AssertionError, match="score"):
        assert_synchronized()


def test_the_snapshot_sees_a_changed_row(answered):
    before = snapshot()
    Thread.objects.update(view_count=5)
    assert snapshot() != before
