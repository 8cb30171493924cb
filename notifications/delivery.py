"""Sending the e-mail side of notifications. Runs in Celery tasks, after commit.

E-mail is "at most once": a row is claimed (pending -> sending) in a short transaction
before the mail server is called, so a task that runs twice or a second worker finds
nothing to claim. A worker killed mid-send leaves the row in "sending": that e-mail is
lost, which is acceptable for a notification that is also shown in the app.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.tasks_queue import enqueue_on_commit
from notifications.emails import digest_message, message_send, notification_message
from notifications.models import EmailState, Notification


def _claim(qs) -> list[int]:
    with transaction.atomic():
        # skip_locked: two workers on the same rows split them instead of waiting.
        ids = list(qs.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if ids:
            Notification.objects.filter(pk__in=ids).update(email_state=EmailState.SENDING)
    return ids


def _finish(ids: list[int], error: str) -> None:
    if not ids:
        return
    if error:
        Notification.objects.filter(pk__in=ids).update(
            email_state=EmailState.FAILED, email_error=error
        )
    else:
        Notification.objects.filter(pk__in=ids).update(
            email_state=EmailState.SENT, emailed_at=timezone.now(), email_error=""
        )


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Send the instant e-mails of these notifications; returns how many went out."""
    ids = _claim(
        Notification.objects.filter(pk__in=notification_ids, email_state=EmailState.PENDING)
    )
    sent: list[int] = []
    failed: dict[str, list[int]] = {}
    for notification in Notification.objects.filter(pk__in=ids).select_related(
        "recipient", "actor"
    ):
        if not notification.recipient.email or not notification.recipient.is_active:
            failed.setdefault("no deliverable address", []).append(notification.pk)
            continue
        error = message_send(notification_message(notification))
        if error:
            failed.setdefault(error, []).append(notification.pk)
        else:
            sent.append(notification.pk)
    # Outcomes are written once per batch, not per e-mail (a killed worker leaves its
    # claimed rows in "sending" either way: at most once).
    _finish(sent, "")
    for error, failed_ids in failed.items():
        _finish(failed_ids, error)
    return len(sent)


def daily_digests_send() -> int:
    """Queue one digest task per user with digest mail waiting; returns the number queued."""
    user_ids = (
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    count = 0
    for user_id in user_ids.iterator(chunk_size=2000):
        enqueue_on_commit("notifications.tasks.send_digest", user_id)
        count += 1
    return count


def digest_send(*, user_id: int) -> int:
    """Send ``user_id`` one e-mail with everything waiting for the digest; returns items."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    ids = _claim(Notification.objects.filter(recipient_id=user_id, email_state=EmailState.DIGEST))
    if not ids:
        return 0
    if not user.email or not user.is_active:
        _finish(ids, "no deliverable address")
        return 0
    notifications = list(Notification.objects.filter(pk__in=ids).order_by("-id"))
    error = message_send(digest_message(user, notifications))
    _finish(ids, error)
    return 0 if error else len(ids)


def stuck_emails_send(*, older_than: timedelta = timedelta(minutes=5), limit: int = 2000) -> int:
    """Send instant e-mails still pending well after their commit: their task was lost."""
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(email_state=EmailState.PENDING, created_at__lt=cutoff)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_emails_send(notification_ids=ids) if ids else 0
