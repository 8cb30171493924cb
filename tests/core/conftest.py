"""Fixtures for proving the outbox: a subscriber with a real, countable effect, and a way to
point the Celery app at a different broker for one test.

The subscriber's effect is an ``admin.LogEntry`` row. It was chosen because it is a real
table written in the handler's transaction (so a handler that fails, or a delivery that rolls
back, leaves no row), and because it has no unique constraint: a second run of the handler
for the same event would leave a second row instead of being absorbed by an IntegrityError
(which ``core.dispatch`` treats as "already delivered" and would hide). "Delivered once" is
therefore literally "one LogEntry row per (subscriber, event)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from core.events import DomainEvent, register_event, subscribe, unsubscribe
from tests.factories import UserFactory


@register_event
@dataclass(frozen=True, kw_only=True)
class ProbeHappened(DomainEvent):
    """A test-only event, so no other app's subscribers take part in these tests."""

    name: ClassVar[str] = "tests.ProbeHappened"
    label: str


@dataclass
class Recorder:
    """Subscribes handlers that write one LogEntry per run, and counts those rows."""

    user_id: int
    registered: list[tuple[type[DomainEvent], str]] = field(default_factory=list)
    # How many times each subscriber's handler was entered (including failed runs).
    calls: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        subscriber: str,
        event_type: type[DomainEvent] = ProbeHappened,
        *,
        fail: Callable[[], bool] | None = None,
    ) -> None:
        def handler(event: Any) -> None:
            self.calls[subscriber] = self.calls.get(subscriber, 0) + 1
            LogEntry.objects.create(
                user_id=self.user_id,
                object_id=str(event.event_id),
                object_repr=subscriber,
                action_flag=ADDITION,
                change_message=event.name,
            )
            if fail is not None and fail():
                # Raised after the write: the effect must roll back with the delivery row.
                raise RuntimeError(f"{subscriber} is down")

        subscribe(event_type, subscriber, handler)
        self.registered.append((event_type, subscriber))

    def effects(self, subscriber: str, event_id: int | None = None) -> int:
        rows = LogEntry.objects.filter(object_repr=subscriber)
        if event_id is not None:
            rows = rows.filter(object_id=str(event_id))
        return rows.count()

    def close(self) -> None:
        for event_type, subscriber in self.registered:
            unsubscribe(event_type, subscriber)


@pytest.fixture
def recorder(db) -> Iterator[Recorder]:
    rec = Recorder(user_id=UserFactory(username="recorder").pk)
    yield rec
    rec.close()


@pytest.fixture
def transactional_recorder(transactional_db) -> Iterator[Recorder]:
    rec = Recorder(user_id=UserFactory(username="recorder").pk)
    yield rec
    rec.close()


def _reset_connections(app: Any) -> None:
    """Forget pooled broker connections so the next publish uses the current broker_url."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_broker(**conf: Any) -> Iterator[Any]:
    """Run the block with the Celery app reconfigured (broker, eagerness, retries)."""
    from config.celery import app

    saved = {key: app.conf.get(key) for key in conf}
    _reset_connections(app)
    app.conf.update(conf)
    try:
        yield app
    finally:
        _reset_connections(app)
        app.conf.update(saved)


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
