from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notifications(request: HttpRequest) -> dict[str, object]:
    """``notifications_unread`` for the header bell: no query for anonymous visitors, and
    one COUNT only when a template actually shows it (lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    def count() -> int:
        from notifications.selectors import unread_count

        return unread_count(user=user)

    return {"notifications_unread": SimpleLazyObject(count)}
