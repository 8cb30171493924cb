"""Who may flag and moderate; the roles come from accounts.permission_table."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.permission_table import allows
from forum.models import Post, Thread
from forum.permissions import is_sanctioned

AnyUser = User | AnonymousUser


def can_flag(user: AnyUser, *, thread: Thread, post: Post | None = None) -> bool:
    """Signed in, not silenced, the content is visible, and it is not your own."""
    if not allows(user, "forum.flag") or not user.is_active or is_sanctioned(user):
        return False
    target = post or thread
    if not target.is_visible or not thread.is_visible:
        return False
    return target.author_id != user.pk


def can_moderate(user: AnyUser) -> bool:
    return allows(user, "moderation.act")


def can_see_queue(user: AnyUser) -> bool:
    return allows(user, "moderation.queue")


def can_sanction(user: AnyUser, target: User | None = None) -> bool:
    if not allows(user, "moderation.sanction"):
        return False
    # Nobody sanctions themselves or an admin.
    return target is None or (target.pk != user.pk and not target.is_superuser)


def can_see_audit_log(user: AnyUser) -> bool:
    return allows(user, "moderation.audit_log")
