"""Celery entry points: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from core.tasks_queue import enqueue_on_commit
from listening import services


@shared_task(name="listening.tasks.poll_due_sources", time_limit=60, soft_time_limit=50)
def poll_due_sources() -> int:
    """Beat entry: claim each polled source whose turn has come and queue its poll.
    Claiming is a compare-and-set on ``next_poll_at``, so overlapping beats poll once."""
    claimed = services.sources_claim_due()
    for source_id in claimed:
        enqueue_on_commit("listening.tasks.poll_source", source_id)
    return len(claimed)


@shared_task(name="listening.tasks.poll_source", time_limit=120, soft_time_limit=100)
def poll_source(source_id: int) -> dict[str, object]:
    """Poll one source. Safe to run twice: items are deduplicated by id and link."""
    result = services.source_poll(source_id=source_id)
    return {"ok": result.ok, "created": result.created, "error": result.error}


@shared_task(name="listening.tasks.train_classifier", time_limit=600, soft_time_limit=540)
def train_classifier() -> dict[str, int]:
    return services.classifier_train(save=True).trained_on
