"""Template filters for moderation buttons. They read the per-request role cache and the
objects already on the page, so they cost no queries."""

from __future__ import annotations

from django import template

from forum.models import Post, Thread
from forum.moderation import permissions

register = template.Library()


@register.filter
def can_moderate(user: object) -> bool:
    return permissions.can_moderate(user)  # type: ignore[arg-type]


@register.filter
def can_flag(user: object, target: Thread | Post) -> bool:
    if isinstance(target, Post):
        return permissions.can_flag(user, thread=target.thread, post=target)  # type: ignore[arg-type]
    return permissions.can_flag(user, thread=target)  # type: ignore[arg-type]


@register.filter
def is_sanctioned(user: object) -> bool:
    from forum.permissions import is_sanctioned as sanctioned

    return sanctioned(user)  # type: ignore[arg-type]
