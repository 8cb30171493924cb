"""Keep the search index in step with forum writes.

Forum subscribes to its *own* events here (registered in ``forum.apps``): this is forum
updating forum's own index, not a lower app reaching up, so the import rule holds. The
handler only queues a reindex after commit; the work runs in a Celery task, so a write
never waits for indexing, and a lost task is repaired by ``manage.py search_reindex``.
"""

from __future__ import annotations

from core.events import subscribe
from core.tasks_queue import enqueue_on_commit
from forum import events

SUBSCRIBER = "forum.search_index"
REINDEX_TASK = "forum.search.reindex_thread"


def reindex_on_change(event: events.DomainEvent) -> None:
    enqueue_on_commit(REINDEX_TASK, event.thread_id)  # type: ignore[attr-defined]


def mark_deflections_posted_after(event: events.ThreadCreated) -> None:
    if event.imported:
        return
    from forum.search.deflection import deflections_mark_posted_after

    deflections_mark_posted_after(author_id=event.author_id)


def register() -> None:
    subscribe(events.ThreadCreated, "forum.deflection", mark_deflections_posted_after)
    for event_type in (
        events.ThreadCreated,
        events.PostCreated,
        events.PostEdited,
        events.PostHidden,
    ):
        subscribe(event_type, SUBSCRIBER, reindex_on_change)
