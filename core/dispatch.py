"""Deliver outbox events to their subscribers, each exactly once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.events import event_type_for, subscribers_for
from core.models import EventDelivery, OutboxEvent

logger = logging.getLogger(__name__)


def event_dispatch(*, event_id: int) -> bool:
    """Run every subscriber that has not yet handled ``event_id``; True when all have.

    Each subscriber runs in its own transaction together with the insert of its delivery
    row. Two dispatchers racing on one event both try that insert; the unique constraint
    makes the second wait for the first and then fail, so it skips: one effect per
    subscriber, however often the event is dispatched. A failing handler rolls back only
    its own delivery and is retried by the next dispatch.
    """
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return True
    event_type = event_type_for(event.name)
    handlers = subscribers_for(event.name)
    done = set(EventDelivery.objects.filter(event=event).values_list("subscriber", flat=True))
    failed = False
    for subscriber, handler in handlers.items():
        if subscriber in done:
            continue
        try:
            with transaction.atomic():
                # Savepoint: a duplicate delivery must not poison the outer transaction.
                with transaction.atomic():
                    EventDelivery.objects.create(event=event, subscriber=subscriber)
                domain_event = (
                    event_type.from_payload(event.payload, event_id=event.pk)
                    if event_type
                    else event
                )
                handler(domain_event)
        except IntegrityError:
            # Another dispatcher delivered it first (or the handler hit its own unique
            # guard, which is equally "already done").
            continue
        except Exception as exc:
            failed = True
            logger.exception("subscriber %s failed on %s", subscriber, event)
            OutboxEvent.objects.filter(pk=event.pk).update(
                last_error=f"{subscriber}: {exc!r}"[:2000]
            )
    if failed:
        return False
    OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True


def pending_events_dispatch(*, limit: int = 500) -> int:
    """Dispatch events that are older than the grace period and still owe deliveries."""
    cutoff = timezone.now() - settings.OUTBOX_REDISPATCH_AFTER
    ids = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        OutboxEvent.objects.filter(pk=event_id).update(attempts=F("attempts") + 1)
        event_dispatch(event_id=event_id)
    return len(ids)


def delivered_events_prune() -> int:
    cutoff = timezone.now() - settings.OUTBOX_RETENTION
    deleted, _ = OutboxEvent.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
