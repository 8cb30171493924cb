from __future__ import annotations

import pytest

from core.dispatch import event_dispatch
from core.models import OutboxEvent
from tests.factories import UserFactory


def dispatch_all() -> int:
    """Deliver every pending outbox event, in order, as the worker would after commit."""
    ids = list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for event_id in ids:
        event_dispatch(event_id=event_id)
    return len(ids)


@pytest.fixture
def make_user(db):
    def make(**kwargs):
        kwargs.setdefault("roles", ["customer"])
        return UserFactory(**kwargs)

    return make
