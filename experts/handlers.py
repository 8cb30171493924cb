"""Reactions to forum events. Each is idempotent on its own (unique post/thread ids in
experts' tables), in addition to the dispatcher's one-delivery-per-subscriber record."""

from __future__ import annotations

from core.tasks_queue import enqueue_on_commit
from experts import services
from forum import events


def on_answer_accepted(event: events.AnswerAccepted) -> None:
    services.acceptance_record(post_id=event.post_id, accepted_by_id=event.accepted_by_id)


def on_answer_unaccepted(event: events.AnswerUnaccepted) -> None:
    services.acceptance_forget(post_id=event.post_id)


def on_post_hidden(event: events.PostHidden) -> None:
    if event.hidden:
        services.answer_forget(post_id=event.post_id)
    else:
        services.answer_record(post_id=event.post_id)
        services.acceptance_record(post_id=event.post_id)


def on_post_created(event: events.PostCreated) -> None:
    services.answer_record(post_id=event.post_id)


def on_thread_created(event: events.ThreadCreated) -> None:
    is_new = services.thread_take_in(thread_id=event.thread_id)
    if is_new and not event.imported:
        # After commit: the routing task reads the thread and sends e-mail.
        enqueue_on_commit("experts.tasks.route_question", event.thread_id)
