"""Reactions to forum events. Each runs inside the dispatcher's transaction together with
its delivery record, and each is idempotent on its own (state guards), so a replay that
slips past the delivery record still has one effect."""

from __future__ import annotations

from datetime import datetime

from escalations import services
from forum import events


def start_clock(event: events.ThreadCreated) -> None:
    if event.imported:
        return  # history from another community owes nobody an answer
    services.sla_clock_start(
        thread_id=event.thread_id, started_at=datetime.fromisoformat(event.created_at)
    )


def post_created(event: events.PostCreated) -> None:
    if event.imported:
        return
    if event.author_id == event.asker_id:
        # The asker wrote in their own thread: if staff were waiting on them, it's back
        # with staff. It does not count as the community's first answer.
        services.case_customer_replied(thread_id=event.thread_id)
        return
    services.sla_clock_first_answer(
        thread_id=event.thread_id, answered_at=datetime.fromisoformat(event.created_at)
    )


def answer_accepted(event: events.AnswerAccepted) -> None:
    services.sla_clock_stop(thread_id=event.thread_id)
    services.case_resolve_by_accept(thread_id=event.thread_id, post_id=event.post_id)


def thread_closed(event: events.ThreadClosed) -> None:
    services.sla_clock_stop(thread_id=event.thread_id)
    services.case_resolve_on_close(thread_id=event.thread_id, moderator_id=event.moderator_id)


def thread_reopened(event: events.ThreadReopened) -> None:
    services.sla_clock_restart(thread_id=event.thread_id)


def answer_unaccepted(event: events.AnswerUnaccepted) -> None:
    if event.replaced_by_post_id is not None:
        return  # another answer was accepted instead: still solved, the clock stays stopped
    services.sla_clock_restart(thread_id=event.thread_id)
