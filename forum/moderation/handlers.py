"""Forum reacting to its own events: new accounts' posts may be held for review.

Runs after commit from the outbox, so a post is visible for the moment between its commit
and this handler; the alternative (checking inside thread_create/answer_create) would tie
the write path to moderation policy. Idempotent: a held post is never held twice.
"""

from __future__ import annotations

from core.events import subscribe
from forum import events
from forum.moderation import services


def on_thread_created(event: events.ThreadCreated) -> None:
    if not event.imported:
        services.new_account_review(
            author_id=event.author_id, thread_id=event.thread_id, post_id=None
        )


def on_post_created(event: events.PostCreated) -> None:
    if not event.imported and not event.is_official:
        services.new_account_review(
            author_id=event.author_id, thread_id=event.thread_id, post_id=event.post_id
        )


def on_post_edited(event: events.PostEdited) -> None:
    """A moderator editing someone else's question or answer is a staff action: log it.
    The texts themselves are in the revisions; the audit row points at them."""
    services.staff_edit_record(
        editor_id=event.editor_id, thread_id=event.thread_id, post_id=event.post_id,
        revision=event.revision,
    )  # fmt: skip


def register() -> None:
    subscribe(events.ThreadCreated, "forum.moderation.new_thread", on_thread_created)
    subscribe(events.PostCreated, "forum.moderation.new_post", on_post_created)
    subscribe(events.PostEdited, "forum.moderation.staff_edit", on_post_edited)
