"""Domain events: publish into the outbox, subscribe from ``AppConfig.ready()``.

Usage, in the publishing app::

    @dataclass(frozen=True)
    class AnswerAccepted(DomainEvent):
        name: ClassVar[str] = "forum.AnswerAccepted"
        thread_id: int
        post_id: int

    publish(AnswerAccepted(thread_id=..., post_id=...))   # inside the write's transaction

and in a subscribing app's ``ready()``::

    subscribe(AnswerAccepted, "rewards.credit_accepted_answer", handlers.credit_accepted_answer)

A handler receives the event object (with ``event_id`` set) and runs inside a transaction
together with the row that records its delivery: either both commit or neither does.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from django.db import transaction

from core.tasks_queue import enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = ""
    # Filled in when the event is loaded back from the outbox.
    event_id: int | None = field(default=None, compare=False)

    def to_payload(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("event_id", None)
        return data

    @classmethod
    def from_payload(cls, payload: dict[str, Any], *, event_id: int) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(event_id=event_id, **{k: v for k, v in payload.items() if k in names})


Handler = Callable[[Any], None]

_event_types: dict[str, type[DomainEvent]] = {}
_subscribers: dict[str, dict[str, Handler]] = {}


def register_event(event_type: type[DomainEvent]) -> type[DomainEvent]:
    """Class decorator: make an event type loadable from the outbox by its name."""
    if not event_type.name:
        raise ValueError(f"{event_type.__qualname__} needs a name")
    _event_types[event_type.name] = event_type
    return event_type


def subscribe(event_type: type[DomainEvent], subscriber: str, handler: Handler) -> None:
    """Register ``handler`` under a stable ``subscriber`` name (it keys the delivery record)."""
    register_event(event_type)
    handlers = _subscribers.setdefault(event_type.name, {})
    if subscriber in handlers and handlers[subscriber] is not handler:
        raise ValueError(f"subscriber {subscriber!r} is already registered for {event_type.name}")
    handlers[subscriber] = handler


def unsubscribe(event_type: type[DomainEvent], subscriber: str) -> None:
    _subscribers.get(event_type.name, {}).pop(subscriber, None)


def subscribers_for(name: str) -> dict[str, Handler]:
    return dict(_subscribers.get(name, {}))


def event_type_for(name: str) -> type[DomainEvent] | None:
    return _event_types.get(name)


def publish(event: DomainEvent) -> int:
    """Write ``event`` to the outbox in the caller's transaction; dispatch after commit.

    Must be called inside ``transaction.atomic``: an event outside the transaction of its
    change could be published for a change that then rolls back.
    """
    from core.models import OutboxEvent

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction that makes the change")
    register_event(type(event))
    row = OutboxEvent.objects.create(name=event.name, payload=event.to_payload())
    # If the broker is down at commit time the row stays undispatched and the periodic
    # sweep (core.tasks.redispatch_pending_events) delivers it later.
    enqueue_on_commit("core.tasks.dispatch_event", row.pk)
    return row.pk
