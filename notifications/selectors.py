"""Reads of the notifications app, each with exactly the joins its page needs."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from notifications.kinds import Kind
from notifications.models import (
    EmailFrequency,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Watch,
)


def unread_count(*, user: User) -> int:
    # Served by the partial index notification_unread_idx.
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor")
        .order_by("-id")
        # Only what the list shows; the e-mail bookkeeping stays in the database.
        .only(
            "id",
            "kind",
            "title",
            "url",
            "created_at",
            "read_at",
            "data",
            "recipient_id",
            "thread_id",
            "actor__id",
            "actor__username",
            "actor__display_name",
        )
    )


def notification_get(*, user: User, pk: int) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=pk).select_related("actor").first()


def preferences_for(*, user: User) -> list[dict]:
    """Every kind with the user's effective choice (stored or default)."""
    from notifications.services import default_email_frequency

    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind in Kind:
        pref = stored.get(kind.value)
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "email": pref.email if pref else default_email_frequency(kind.value),
                "in_app": pref.in_app if pref else True,
            }
        )
    return rows


def auto_watch_enabled(*, user: User) -> bool:
    return not NotificationSettings.objects.filter(user=user, auto_watch=False).exists()


def is_watching_thread(*, user: User, thread_id: int) -> bool:
    return Watch.objects.filter(user=user, thread_id=thread_id).exists()


def is_watching_category(*, user: User, category_id: int) -> bool:
    return Watch.objects.filter(user=user, category_id=category_id).exists()


def watches_of(*, user: User) -> QuerySet[Watch]:
    return (
        Watch.objects.filter(user=user).select_related("thread", "category").order_by("-created_at")
    )


EMAIL_FREQUENCIES = EmailFrequency
