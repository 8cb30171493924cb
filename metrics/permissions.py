from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import is_staff_member


def can_view_dashboard(user: User | AnonymousUser) -> bool:
    """Community managers, support staff, moderators and finance (any staff role)."""
    return is_staff_member(user)
