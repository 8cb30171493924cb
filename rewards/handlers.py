"""Reactions to forum events. Each one re-syncs the thread's rewards with its current
acceptance (see rewards.services.acceptance), so redelivery and reordering are harmless."""

from __future__ import annotations

from forum.events import AnswerAccepted, AnswerUnaccepted, PostHidden
from rewards.services.acceptance import thread_rewards_sync


def on_answer_accepted(event: AnswerAccepted) -> None:
    # Imported history earns nothing (the sync also refuses imported posts, which covers a
    # replayed import too); self-accepts are recorded as skipped grants by the sync.
    if event.imported:
        return
    thread_rewards_sync(thread_id=event.thread_id, event_id=event.event_id, why="accepted")


def on_answer_unaccepted(event: AnswerUnaccepted) -> None:
    thread_rewards_sync(thread_id=event.thread_id, event_id=event.event_id, why="unaccepted")


def on_post_hidden(event: PostHidden) -> None:
    if not event.hidden:
        return  # restoring an answer does not re-accept it
    # Clawback: whatever the hidden answer still holds is reversed, even if already paid
    # out (the wallet then carries the debt, and later rewards pay it first).
    thread_rewards_sync(thread_id=event.thread_id, event_id=event.event_id, why="clawback")
