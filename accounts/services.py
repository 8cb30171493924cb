"""Writes on accounts and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.roles import ROLE_ADMIN_PERMISSIONS, STAFF_ROLES, Role


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give them their admin permissions (idempotent)."""
    for role, perm_names in ROLE_ADMIN_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in perm_names:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str]) -> None:
    """Replace the user's roles; staff roles also open the admin (``is_staff``)."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.set(groups)
    should_be_staff = bool(set(roles) & STAFF_ROLES) or user.is_superuser
    if user.is_staff != should_be_staff:
        user.is_staff = should_be_staff
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_names", None)


@transaction.atomic
def user_update_preferences(*, user: User, display_name: str, locale: str, time_zone: str) -> User:
    user.display_name = display_name.strip()
    user.locale = locale
    user.time_zone = time_zone
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=["display_name", "locale", "time_zone"])
    return user


@transaction.atomic
def api_token_get_or_create(*, user: User) -> Token:
    """The user's API token (DRF authtoken: one per user, kept until revoked)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token
