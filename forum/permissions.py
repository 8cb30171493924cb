"""Who may do what in the forum. Views and APIs ask these before calling a service;
services ask them again under lock, so a stale page cannot grant anything."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_moderator, roles_of
from forum.models import Post, Thread, ThreadStatus

AnyUser = User | AnonymousUser

# Group names that forum.moderation.services gives people while a sanction runs; reading
# them from the per-request role cache costs no query.
SILENCED_GROUP = "silenced"
SUSPENDED_GROUP = "suspended"


def is_sanctioned(user: AnyUser) -> bool:
    """Silenced or suspended: may read, but not ask, answer, vote or flag."""
    return bool(roles_of(user) & {SILENCED_GROUP, SUSPENDED_GROUP})


def is_suspended(user: AnyUser) -> bool:
    """Suspended: like silenced, and may not edit or accept either."""
    return SUSPENDED_GROUP in roles_of(user)


def can_moderate(user: AnyUser) -> bool:
    return is_moderator(user)


def can_view_thread(user: AnyUser, thread: Thread) -> bool:
    if thread.is_visible:
        return True
    return can_moderate(user)


def can_view_post(user: AnyUser, post: Post) -> bool:
    if post.is_visible:
        return True
    return can_moderate(user)


def can_ask(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_active and not is_sanctioned(user)


def can_answer(user: AnyUser, thread: Thread) -> bool:
    if not (user.is_authenticated and user.is_active) or not thread.is_visible:
        return False
    if is_sanctioned(user):
        return False
    if thread.is_locked or thread.status == ThreadStatus.CLOSED:
        return can_moderate(user)
    return True


def _within_edit_window(created_at) -> bool:
    return timezone.now() - created_at <= settings.FORUM_EDIT_WINDOW


def can_edit_thread(user: AnyUser, thread: Thread) -> bool:
    if not user.is_authenticated:
        return False
    if can_moderate(user):
        return True
    return (
        thread.author_id == user.pk
        and not is_suspended(user)
        and thread.is_visible
        and not thread.is_locked
        and _within_edit_window(thread.created_at)
    )


def can_edit_post(user: AnyUser, post: Post) -> bool:
    if not user.is_authenticated:
        return False
    if can_moderate(user):
        return True
    return (
        post.author_id == user.pk
        and not is_suspended(user)
        and post.is_visible
        and not post.thread.is_locked
        and _within_edit_window(post.created_at)
    )


def can_vote(user: AnyUser, post: Post) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and post.author_id != user.pk
        and post.is_visible
        and post.thread.is_visible
        and not is_sanctioned(user)
    )


def can_accept(user: AnyUser, thread: Thread) -> bool:
    """Only the asker or staff accept (DESIGN.md, thread life)."""
    if not user.is_authenticated or not thread.is_visible:
        return False
    if can_moderate(user):
        return True
    return (
        thread.author_id == user.pk
        and not is_suspended(user)
        and not thread.is_locked
        and thread.status != ThreadStatus.CLOSED
    )
