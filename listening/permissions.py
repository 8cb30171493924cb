"""Who may use the listening inbox."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import is_staff_member


def can_work_inbox(user: User | AnonymousUser) -> bool:
    """Support staff, moderators and community managers see and act on listened items."""
    return bool(user.is_authenticated and user.is_active and is_staff_member(user))
