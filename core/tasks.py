"""Celery entry points of the event outbox."""

from __future__ import annotations

from celery import shared_task

from core.dispatch import delivered_events_prune, event_dispatch, pending_events_dispatch


@shared_task(name="core.tasks.dispatch_event", acks_late=True, max_retries=5)
def dispatch_event(event_id: int) -> None:
    # A subscriber that failed is retried by the periodic sweep, not by a tight retry loop.
    event_dispatch(event_id=event_id)


@shared_task(name="core.tasks.redispatch_pending_events")
def redispatch_pending_events() -> int:
    return pending_events_dispatch()


@shared_task(name="core.tasks.prune_delivered_events")
def prune_delivered_events() -> int:
    return delivered_events_prune()
