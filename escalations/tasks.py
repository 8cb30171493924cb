"""Celery entry points: take ids and JSON, call one service."""

from __future__ import annotations

from celery import shared_task

from escalations import services
from escalations.webhooks import TransientWebhookError


@shared_task(
    name="escalations.tasks.sweep",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=240,
    soft_time_limit=200,
)
def sweep() -> dict[str, int]:
    """Open cases for breached SLAs, flag overdue cases, close silent ones. Safe to run
    twice at once: every step claims its rows with a conditional UPDATE."""
    opened = services.sla_sweep()
    overdue = services.case_breaches_notify()
    silent = services.cases_without_response_resolve()
    return {"opened": len(opened), "overdue": overdue, "no_response": silent}


@shared_task(
    bind=True,
    name="escalations.tasks.deliver_webhook",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientWebhookError,),
    max_retries=8,
    retry_backoff=30,  # 30 s, 60 s, 120 s, … capped below
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    time_limit=60,
    soft_time_limit=50,
)
def deliver_webhook(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    return services.webhook_deliver(
        delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries
    )


@shared_task(
    name="escalations.tasks.notify",
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=10,
)
def notify(
    *,
    recipient_ids: list[int],
    title: str,
    url: str,
    actor_id: int | None,
    thread_id: int | None,
    dedupe_key: str,
    data: dict,
) -> int:
    # dedupe_key makes a retried notification land once.
    return services.notification_deliver(
        recipient_ids=recipient_ids,
        title=title,
        url=url,
        actor_id=actor_id,
        thread_id=thread_id,
        dedupe_key=dedupe_key,
        data=data,
    )
