"""Notifications' part of a data export / erasure (see accounts.privacy)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from notifications.models import (
    InboundMail,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Watch,
)


def export_user(user: User) -> dict[str, Any]:
    return {
        "notifications": list(
            Notification.objects.filter(recipient=user)
            .order_by("id")
            .values("kind", "title", "url", "created_at", "read_at", "emailed_at")
        ),
        "preferences": list(
            NotificationPreference.objects.filter(user=user).values("kind", "in_app", "email")
        ),
        "settings": list(NotificationSettings.objects.filter(user=user).values("auto_watch")),
        "watches": list(
            Watch.objects.filter(user=user).values("thread_id", "category_id", "created_at")
        ),
    }


def erase_user(user: User) -> None:
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()
    Watch.objects.filter(user=user).delete()
    InboundMail.objects.filter(user=user).delete()
