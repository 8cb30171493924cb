"""The one table that says which role may do what.

Read it as: action -> the roles allowed to do it. Views and APIs of the moderation and
privacy features ask ``allows(user, action)``; the other apps' ``can_<verb>`` functions add
object rules on top (author of this thread, within the edit window …). The test in
tests/security/test_url_permissions.py requests every URL of the project as every role and
checks the answer against this table, so an endpoint without a row here fails the suite.

Roles:
* anonymous          not signed in
* customer           any signed-in account
* expert             a customer with an earned rank (experts app provides it, see
                     ``register_expert_check``; forum and accounts never import experts)
* moderator, support, community_manager, finance   staff roles (groups, accounts.roles.Role)
* admin              superuser

Sanctions (silenced/suspended, see forum.moderation) remove write actions from a person
whatever their roles; they are checked in forum.permissions, not here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import Role, roles_of

ANONYMOUS = "anonymous"
CUSTOMER = "customer"
EXPERT = "expert"
MODERATOR = str(Role.MODERATOR)
SUPPORT = str(Role.SUPPORT)
COMMUNITY_MANAGER = str(Role.COMMUNITY_MANAGER)
FINANCE = str(Role.FINANCE)
ADMIN = "admin"

ALL_ROLES: tuple[str, ...] = (
    ANONYMOUS, CUSTOMER, EXPERT, MODERATOR, SUPPORT, COMMUNITY_MANAGER, FINANCE, ADMIN,
)  # fmt: skip

# Groups of roles, to keep the table short.
EVERYONE = frozenset(ALL_ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
MODERATORS = frozenset({MODERATOR, SUPPORT, COMMUNITY_MANAGER, ADMIN})
CASE_LEADS = frozenset({MODERATOR, COMMUNITY_MANAGER, ADMIN})
STAFF = frozenset({MODERATOR, SUPPORT, COMMUNITY_MANAGER, FINANCE, ADMIN})
MONEY = frozenset({FINANCE, ADMIN})
NOBODY: frozenset[str] = frozenset()

# fmt: off
PERMISSIONS: dict[str, frozenset[str]] = {
    # --- Reading the community ---------------------------------------------------------
    "forum.read":                 EVERYONE,     # home, categories, threads, profiles, search
    "experts.read":               EVERYONE,     # leaderboards, expert profiles
    "api.schema":                 EVERYONE,     # OpenAPI schema and docs
    "site.health":                EVERYONE,
    "legal.read":                 EVERYONE,     # privacy policy, imprint
    # --- Taking part -----------------------------------------------------------------------
    "forum.ask":                  SIGNED_IN,
    "forum.answer":               SIGNED_IN,
    "forum.edit_own":             SIGNED_IN,    # + author and edit window (forum.permissions)
    "forum.vote":                 SIGNED_IN,    # + not your own answer
    "forum.accept":               SIGNED_IN,    # + only the asker (or moderators)
    "forum.flag":                 SIGNED_IN,    # + not your own post, once
    "forum.watch":                SIGNED_IN,
    "escalations.ask_staff":      SIGNED_IN,    # + only the asker
    "account.settings":           SIGNED_IN,    # preferences, notifications, own account
    "account.token":              EVERYONE,     # exchange e-mail + password for a token
    "notifications.own":          SIGNED_IN,    # only your own notifications
    "privacy.export_own":         SIGNED_IN,
    "privacy.erase_own":          SIGNED_IN,
    "experts.for_me":             SIGNED_IN,    # questions suggested to you
    "experts.availability":       SIGNED_IN,
    "rewards.own":                SIGNED_IN,    # your wallet, payouts, payout methods
    "webhooks.inbound":           EVERYONE,     # authenticated by HMAC signature, not a role
    # --- Moderation ------------------------------------------------------------------------
    "moderation.queue":           MODERATORS,
    "moderation.act":             MODERATORS,   # hide, lock, close, move, merge, delete …
    "moderation.sanction":        frozenset({MODERATOR, COMMUNITY_MANAGER, ADMIN}),
    "moderation.audit_log":       MODERATORS | {FINANCE},
    "forum.edit_any":             MODERATORS,
    # --- Staff desk ------------------------------------------------------------------------
    "escalations.work":           MODERATORS,   # queue, claim, answer, notes, resolve
    "escalations.assign":         CASE_LEADS,
    "escalations.escalate":       MODERATORS,
    "escalations.deliveries":     MODERATORS,   # the webhook delivery log
    "escalations.redeliver":      CASE_LEADS,
    "listening.work":             MODERATORS,   # listening inbox: outside questions, sources
    # --- Money -----------------------------------------------------------------------------
    "rewards.finance":            MONEY,        # approve payouts, SEPA batches, exports
    "rewards.bounty_any":         STAFF,        # bounties on anyone's question (askers: their own)
    # --- Numbers ---------------------------------------------------------------------------
    "metrics.read":               STAFF,        # dashboard and its CSV export
    # --- Privacy administration ------------------------------------------------------------
    "privacy.erase_any":          frozenset({ADMIN}),
    "legal.edit":                 frozenset({COMMUNITY_MANAGER, ADMIN}),
    "admin.site":                 STAFF,        # Django admin (model permissions apply inside)
}
# fmt: on

_expert_check: Callable[[User], bool] | None = None


def register_expert_check(check: Callable[[User], bool]) -> None:
    """The experts app registers "has this user an earned rank?" in its ready()."""
    global _expert_check
    _expert_check = check


def user_roles(user: User | AnonymousUser, *, with_expert: bool = False) -> frozenset[str]:
    """The roles of the table this person has. Costs at most the one (cached) groups query;
    ``with_expert`` asks the experts app too, which may cost one more."""
    if not user.is_authenticated:
        return frozenset({ANONYMOUS})
    roles = set(roles_of(user)) | {CUSTOMER}
    if user.is_superuser:
        roles.add(ADMIN)
    if with_expert and _expert_check is not None and _expert_check(user):  # type: ignore[arg-type]
        roles.add(EXPERT)
    return frozenset(roles & set(ALL_ROLES))


def allows(user: User | AnonymousUser, action: str) -> bool:
    """May ``user`` do ``action``? Unknown actions raise: a typo must not grant or deny
    silently."""
    allowed = PERMISSIONS[action]
    # Expert-only actions are the only ones that need the rank lookup.
    needs_rank = EXPERT in allowed and CUSTOMER not in allowed
    return bool(user_roles(user, with_expert=needs_rank) & allowed)
