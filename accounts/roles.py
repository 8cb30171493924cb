"""Roles are groups. This module is the one place that says what each role may do in admin
and how code asks "is this person a moderator?".

Role checks are cached on the user object for the request, so a page that asks many times
still costs one query.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    MODERATOR = "moderator", _("Moderator")
    SUPPORT = "support", _("Support staff")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")
    FINANCE = "finance", _("Finance")


# Django model permissions each role gets in the admin ("app_label.codename").
ROLE_ADMIN_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.MODERATOR: [
        "forum.view_thread", "forum.change_thread", "forum.view_post", "forum.change_post",
        "forum.view_tag", "forum.change_tag", "forum.add_tag", "forum.view_category",
        "accounts.view_user",
    ],
    Role.SUPPORT: [
        "forum.view_thread", "forum.change_thread", "forum.view_post", "forum.view_category",
        "accounts.view_user",
    ],
    Role.COMMUNITY_MANAGER: [
        "forum.view_category", "forum.add_category", "forum.change_category",
        "forum.view_tag", "forum.add_tag", "forum.change_tag", "forum.delete_tag",
        "forum.view_thread", "forum.view_post", "accounts.view_user",
        "experts.view_rank", "experts.change_rank",
        "experts.view_badge", "experts.add_badge", "experts.change_badge",
        "rewards.view_program", "rewards.add_program", "rewards.change_program",
        "rewards.view_rewardrule", "rewards.add_rewardrule", "rewards.change_rewardrule",
        "accounts.view_legalpage", "accounts.add_legalpage", "accounts.change_legalpage",
    ],
    Role.FINANCE: ["accounts.view_user", "rewards.view_program", "rewards.view_account",
                   "rewards.view_ledgertransaction", "rewards.view_payout",
                   "rewards.view_rewardgrant", "rewards.view_bounty", "rewards.view_budgettopup"],
}  # fmt: skip

STAFF_ROLES = frozenset({Role.MODERATOR, Role.SUPPORT, Role.COMMUNITY_MANAGER, Role.FINANCE})
MODERATING_ROLES = frozenset({Role.MODERATOR, Role.SUPPORT, Role.COMMUNITY_MANAGER})


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached  # type: ignore[union-attr]
    return cached


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(roles_of(user) & set(roles))


def is_moderator(user: User | AnonymousUser) -> bool:
    """Moderators, support staff and community managers may moderate content."""
    return has_role(user, *MODERATING_ROLES)


def is_staff_member(user: User | AnonymousUser) -> bool:
    return has_role(user, *STAFF_ROLES)
