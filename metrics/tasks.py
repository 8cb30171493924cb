"""Celery entry points only (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from metrics import services


@shared_task(name="metrics.tasks.refresh_rollups")
def refresh_rollups() -> int:
    """Recompute yesterday and today; rows are replaced whole, so running twice is harmless."""
    return services.rollups_refresh_recent()


@shared_task(name="metrics.tasks.queue_monthly_summaries")
def queue_monthly_summaries() -> int:
    return services.monthly_summaries_queue()


@shared_task(
    name="metrics.tasks.send_monthly_summary",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def send_monthly_summary(delivery_id: int) -> bool:
    return services.monthly_summary_send(delivery_id=delivery_id)
