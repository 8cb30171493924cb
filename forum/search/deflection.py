"""Deflection: did a suggestion shown while asking answer the question before it was asked?

A ``DeflectionEvent`` is written when someone on the ask page opens a suggested thread.
When the same person then posts a question anyway (``ThreadCreated`` within
``POSTED_AFTER_WINDOW``), their recent events are marked ``posted_after``. The share of
events never followed by a question estimates the questions that suggestions saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forum.models import DeflectionEvent, Thread

POSTED_AFTER_WINDOW = timedelta(hours=2)


@transaction.atomic
def deflection_record(
    *,
    thread: Thread,
    session_key: str,
    user: User | None,
    query: str = "",
    rank: int | None = None,
) -> DeflectionEvent:
    return DeflectionEvent.objects.create(
        session_key=session_key[:64],
        user=user if user is not None and user.is_authenticated else None,
        query=query.strip()[:200],
        thread=thread,
        rank=rank,
    )


@transaction.atomic
def deflections_mark_posted_after(*, author_id: int, asked_at: datetime | None = None) -> int:
    """Mark the author's recent deflection events as followed by a question anyway."""
    asked_at = asked_at or timezone.now()
    return DeflectionEvent.objects.filter(
        user_id=author_id,
        posted_after=False,
        created_at__gte=asked_at - POSTED_AFTER_WINDOW,
        created_at__lte=asked_at,
    ).update(posted_after=True)
