"""Who may use the listening inbox."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.permission_table import allows


def can_work_inbox(user: User | AnonymousUser) -> bool:
    """Support staff, moderators and community managers see and act on listened items
    (``listening.work`` in accounts.permission_table)."""
    return bool(user.is_authenticated and user.is_active and allows(user, "listening.work"))
