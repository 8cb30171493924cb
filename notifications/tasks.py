"""Celery entry points: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from notifications import delivery


@shared_task(name="notifications.tasks.send_notification_emails", acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    return delivery.notification_emails_send(notification_ids=notification_ids)


@shared_task(name="notifications.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return delivery.daily_digests_send()


@shared_task(name="notifications.tasks.send_digest", acks_late=True)
def send_digest(user_id: int) -> int:
    return delivery.digest_send(user_id=user_id)


@shared_task(name="notifications.tasks.send_stuck_emails")
def send_stuck_emails() -> int:
    """Sweep: instant e-mails whose task was never queued (broker down at commit)."""
    return delivery.stuck_emails_send()
