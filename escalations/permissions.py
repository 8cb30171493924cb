"""Who may do what with escalations. Views and APIs ask these; services ask again."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import Role, has_role, is_moderator

AnyUser = User | AnonymousUser


def can_work_cases(user: AnyUser) -> bool:
    """Moderators, support staff and community managers see the desk and work cases."""
    return is_moderator(user)


def can_assign_cases(user: AnyUser) -> bool:
    """Leads (moderators, community managers) hand cases to others; support staff claim."""
    return has_role(user, Role.MODERATOR, Role.COMMUNITY_MANAGER)


def can_escalate_any(user: AnyUser) -> bool:
    return is_moderator(user)


def can_ask_staff(user: AnyUser, thread_author_id: int) -> bool:
    return bool(user.is_authenticated and user.is_active and user.pk == thread_author_id)
