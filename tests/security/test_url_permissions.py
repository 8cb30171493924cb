"""Every URL of the project, requested as every role, answers as accounts.permission_table
says.

How to read URLS below: url name -> (HTTP method, action in PERMISSIONS). A role in
PERMISSIONS[action] must be let through (anything but 401/403/404/login redirect); any other
role must be turned away (401/403/404/login redirect). OWNER_ONLY marks URLs about an object
that belongs to a third person, so every role here must be turned away (no reading someone
else's notifications, exports … by guessing ids).

A URL pattern missing from URLS fails test_every_url_pattern_has_a_rule: a new endpoint must
get a rule here (and in the permission table) before it ships. Django admin and allauth's
own pages are left out; the admin checks is_staff and model permissions itself.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.permission_table import ALL_ROLES, PERMISSIONS
from forum import services as forum_services
from notifications.models import Notification
from tests.factories import CategoryFactory, TagFactory, UserFactory

OWNER_ONLY = "<owner only>"  # nobody but the object's owner (who is not among the roles)
MISSING = "<missing>"  # the object does not exist: allowed roles may get 404 as well

# fmt: off
URLS: dict[str, tuple[str, str]] = {
    # --- Forum pages -----------------------------------------------------------------------
    "forum:home":                  ("GET",  "forum.read"),
    "forum:category":              ("GET",  "forum.read"),
    "forum:tag":                   ("GET",  "forum.read"),
    "forum:thread":                ("GET",  "forum.read"),
    "forum:thread_revisions":      ("GET",  "forum.read"),
    "forum:post":                  ("GET",  "forum.read"),
    "forum:profile":               ("GET",  "forum.read"),
    "search":                      ("GET",  "forum.read"),
    "forum:ask":                   ("GET",  "forum.ask"),
    "forum:answer_create":         ("POST", "forum.answer"),
    "forum:thread_edit":           ("GET",  "forum.edit_any"),     # not the author: staff only
    "forum:post_edit":             ("GET",  "forum.edit_any"),
    "forum:vote":                  ("POST", "forum.vote"),
    "forum:accept":                ("POST", "moderation.act"),     # not the asker: staff only
    "forum:unaccept":              ("POST", "moderation.act"),
    # --- Moderation pages ------------------------------------------------------------------
    "moderation:queue":            ("GET",  "moderation.queue"),
    "moderation:log":              ("GET",  "moderation.audit_log"),
    "moderation:log_csv":          ("GET",  "moderation.audit_log"),
    "moderation:my_status":        ("GET",  "account.settings"),
    "moderation:flag_thread":      ("GET",  "forum.flag"),
    "moderation:flag_post":        ("GET",  "forum.flag"),
    "moderation:thread_manage":    ("GET",  "moderation.act"),
    "moderation:thread_action":    ("POST", "moderation.act"),
    "moderation:post_action":      ("POST", "moderation.act"),
    "moderation:sanction":         ("GET",  "moderation.sanction"),
    "moderation:sanction_lift":    ("POST", MISSING + "moderation.sanction"),
    # --- Accounts and privacy --------------------------------------------------------------
    "accounts:preferences":        ("GET",  "account.settings"),
    "accounts:privacy":            ("GET",  "privacy.export_own"),
    "accounts:privacy_download":   ("GET",  OWNER_ONLY),
    "accounts:erase":              ("GET",  "privacy.erase_own"),
    "accounts:erase_user":         ("POST", "privacy.erase_any"),
    "accounts:legal":              ("GET",  "legal.read"),
    # --- Notifications ---------------------------------------------------------------------
    "notifications:list":          ("GET",  "notifications.own"),
    "notifications:read":          ("POST", OWNER_ONLY),
    "notifications:read_all":      ("POST", "notifications.own"),
    "notifications:preferences":   ("GET",  "account.settings"),
    "notifications:watch_thread":  ("POST", "forum.watch"),
    "notifications:watch_category": ("POST", "forum.watch"),
    "notifications:unsubscribe":   ("GET",  "webhooks.inbound"),    # signed token, no login
    "notifications:inbound_mail":  ("POST", "webhooks.inbound"),
    # --- Rewards ---------------------------------------------------------------------------
    "rewards:earnings":            ("GET",  "rewards.own"),
    "rewards:payout_request":      ("POST", "rewards.own"),
    "rewards:method_add":          ("POST", "rewards.own"),
    "rewards:bounty_offer":        ("GET",  "rewards.bounty_any"),  # and the asker
    "rewards:finance":             ("GET",  "rewards.finance"),
    "rewards:finance_approve":     ("POST", MISSING + "rewards.finance"),
    "rewards:finance_reject":      ("POST", MISSING + "rewards.finance"),
    "rewards:finance_top_up":      ("POST", MISSING + "rewards.finance"),
    "rewards:finance_sepa_batch":  ("POST", "rewards.finance"),
    "rewards:finance_sepa_download": ("GET", MISSING + "rewards.finance"),
    "rewards:finance_sepa_paid":   ("POST", MISSING + "rewards.finance"),
    "rewards:export_ledger":       ("GET",  "rewards.finance"),
    "rewards:export_payouts":      ("GET",  "rewards.finance"),
    # --- Escalations (staff desk) ----------------------------------------------------------
    "escalations:queue":           ("GET",  "escalations.work"),
    "escalations:duty":            ("POST", "escalations.work"),
    "escalations:case":            ("GET",  MISSING + "escalations.work"),
    "escalations:case_action":     ("POST", MISSING + "escalations.work"),
    "escalations:escalate":        ("POST", "escalations.escalate"),
    "escalations:ask_staff":       ("POST", OWNER_ONLY),           # only the asker
    # --- Experts ---------------------------------------------------------------------------
    "experts:leaderboard":         ("GET",  "experts.read"),
    "experts:category_leaderboard": ("GET", "experts.read"),
    "experts:profile":             ("GET",  "experts.read"),
    "experts:for_you":             ("GET",  "experts.for_me"),
    "experts:availability":        ("GET",  "experts.availability"),
    # --- Metrics ---------------------------------------------------------------------------
    "metrics:dashboard":           ("GET",  "metrics.read"),
    "metrics:export":              ("GET",  "metrics.read"),
    # --- Site ------------------------------------------------------------------------------
    "healthz":                     ("GET",  "site.health"),
    "set_language":                ("POST", "site.health"),
    "api-schema":                  ("GET",  "api.schema"),
    "api-docs":                    ("GET",  "api.schema"),
    # --- API -------------------------------------------------------------------------------
    "api:me":                      ("GET",  "account.settings"),
    "api:auth_token":              ("POST", "account.token"),
    "api:me_exports":              ("GET",  "privacy.export_own"),
    "api:me_erase":                ("POST", "privacy.erase_own"),
    "api:user_erase":              ("POST", "privacy.erase_any"),
    "api:categories":              ("GET",  "forum.read"),
    "api:threads":                 ("GET",  "forum.read"),
    "api:thread":                  ("GET",  "forum.read"),
    "api:thread_answers":          ("POST", "forum.answer"),
    "api:thread_comments":         ("GET",  "forum.read"),
    "api:thread_accept":           ("POST", "moderation.act"),     # not the asker: staff only
    "api:thread_unaccept":         ("POST", "moderation.act"),
    "api:answer":                  ("PATCH", "forum.edit_any"),
    "api:answer_vote":             ("PUT",  "forum.vote"),
    "api:thread_flag":             ("POST", "forum.flag"),
    "api:answer_flag":             ("POST", "forum.flag"),
    "api:moderation_queue":        ("GET",  "moderation.queue"),
    "api:moderation_log":          ("GET",  "moderation.audit_log"),
    "api:moderation_thread_action": ("POST", "moderation.act"),
    "api:moderation_answer_action": ("POST", "moderation.act"),
    "api:moderation_sanction":     ("POST", "moderation.sanction"),
    "api:search":                  ("GET",  "forum.read"),
    "api:search_similar":          ("GET",  "forum.read"),
    "api:search_deflection_create": ("POST", "forum.read"),
    "api:escalation_cases":        ("GET",  "escalations.work"),
    "api:escalation_case":         ("GET",  MISSING + "escalations.work"),
    "api:escalation_claim":        ("POST", MISSING + "escalations.work"),
    "api:escalation_assign":       ("POST", MISSING + "escalations.assign"),
    "api:escalation_unassign":     ("POST", MISSING + "escalations.assign"),
    "api:escalation_wait":         ("POST", MISSING + "escalations.work"),
    "api:escalation_resolve":      ("POST", MISSING + "escalations.work"),
    "api:escalation_reopen":       ("POST", MISSING + "escalations.work"),
    "api:escalation_answer":       ("POST", MISSING + "escalations.work"),
    "api:escalation_notes":        ("POST", MISSING + "escalations.work"),
    "api:escalation_duty":         ("GET",  "escalations.work"),
    "api:escalation_ask_staff":    ("POST", OWNER_ONLY),
    "api:escalation_deliveries":   ("GET",  "escalations.deliveries"),
    "api:escalation_redeliver":    ("POST", MISSING + "escalations.redeliver"),
    "api:escalation_inbound":      ("POST", "webhooks.inbound"),
    "api:notifications":           ("GET",  "notifications.own"),
    "api:notifications_unread_count": ("GET", "notifications.own"),
    "api:notification_read":       ("POST", OWNER_ONLY),
    "api:notifications_read_all":  ("POST", "notifications.own"),
    "api:notification_preferences": ("GET", "account.settings"),
    "api:thread_watch":            ("PUT",  "forum.watch"),
    "api:category_watch":          ("PUT",  "forum.watch"),
    "api:thread_live":             ("GET",  "forum.read"),
    "api:rewards_wallet":          ("GET",  "rewards.own"),
    "api:rewards_payouts":         ("GET",  "rewards.own"),
    "api:rewards_methods":         ("GET",  "rewards.own"),
    "api:rewards_bounties":        ("GET",  "rewards.own"),
    "api:rewards_finance_payouts": ("GET",  "rewards.finance"),
    "api:rewards_payout_approve":  ("POST", MISSING + "rewards.finance"),
    "api:rewards_payout_reject":   ("POST", MISSING + "rewards.finance"),
    "api:rewards_stripe_webhook":  ("POST", "webhooks.inbound"),
    "api:experts-leaderboard":     ("GET",  "experts.read"),
    "api:experts-detail":          ("GET",  "experts.read"),
    "api:experts-for-me":          ("GET",  "experts.for_me"),
    "api:experts-availability":    ("GET",  "experts.availability"),
    "api:metrics_summary":         ("GET",  "metrics.read"),
    "api:listening_items":         ("GET",  "listening.work"),
    "api:listening_item":          ("GET",  MISSING + "listening.work"),
    "api:listening_item_act":      ("POST", MISSING + "listening.work"),
    "api:listening_sources":       ("GET",  "listening.work"),
    "api:listening_source_poll":   ("POST", MISSING + "listening.work"),
    "api:listening_stats":         ("GET",  "listening.work"),
    "api:listening_inbound_mentions": ("POST", "webhooks.inbound"),
    "api:listening_inbound_mail":  ("POST", "webhooks.inbound"),
    "listening:inbox":             ("GET",  "listening.work"),
    "listening:item":              ("GET",  MISSING + "listening.work"),
    "listening:item_act":          ("POST", MISSING + "listening.work"),
    "listening:sources":           ("GET",  "listening.work"),
    "listening:source_poll":       ("POST", MISSING + "listening.work"),
}
# fmt: on

# Inbound webhooks answer an unsigned request with 400/403: "let through" for them means
# "not a login redirect and not a 500"; their real check is the signature (tested in
# their apps).
SIGNATURE_CHECKED = {
    "notifications:inbound_mail", "api:escalation_inbound", "api:rewards_stripe_webhook",
    "notifications:unsubscribe", "api:listening_inbound_mentions", "api:listening_inbound_mail",
}  # fmt: skip
SKIPPED_PREFIXES = ("admin/", "accounts/")  # Django admin, allauth


def _patterns(resolver: URLResolver, prefix: str = "", ns: str = "") -> list[tuple[str, str]]:
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            found += _patterns(p, prefix + str(p.pattern), sub_ns or "")
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns else str(p.name)
            found.append((prefix + str(p.pattern), name))
    return found


def _project_urls() -> list[tuple[str, str]]:
    return [(r, n) for r, n in _patterns(get_resolver()) if not r.startswith(SKIPPED_PREFIXES)]


def test_every_url_pattern_has_a_rule():
    missing = sorted({name for _, name in _project_urls()} - set(URLS))
    assert not missing, f"URLs without a permission rule in {__name__}.URLS: {missing}"


def test_every_rule_names_an_action_of_the_permission_table():
    for name, (_method, action) in URLS.items():
        action = action.removeprefix(MISSING)
        assert action == OWNER_ONLY or action in PERMISSIONS, (name, action)


@pytest.fixture
def world(db):
    owner = UserFactory(display_name="Olga Owner", roles=["customer"])
    answerer = UserFactory(display_name="Andy Answerer", roles=["customer"])
    victim = UserFactory(display_name="Vic Victim", roles=["customer"])
    erasee = UserFactory(display_name="Erin Erasee", roles=["customer"])
    category = CategoryFactory(name="Routers", slug="routers")
    tag = TagFactory(name="wifi", slug="wifi")
    thread = forum_services.thread_create(
        author=owner, category=category, title="Wifi drops every ten minutes",
        body="My router loses the wifi connection all the time.", tags=["wifi"],
    )  # fmt: skip
    post = forum_services.answer_create(
        thread=thread, author=answerer, body="Change the channel to 1, 6 or 11."
    )
    note = Notification.objects.create(recipient=owner, kind="answer", title="x", url="/")
    return {
        "owner": owner, "victim": victim, "erasee": erasee, "category": category, "tag": tag,
        "thread": thread, "post": post, "notification": note,
    }  # fmt: skip


# Which argument each URL gets; ids of objects that do not exist are 999999.
ANSWER_URLS = {
    "forum:post", "forum:post_edit", "forum:vote", "api:answer", "api:answer_vote",
    "api:answer_flag", "moderation:post_action", "moderation:flag_post",
    "api:moderation_answer_action",
}  # fmt: skip
USER_PK_URLS = {"api:moderation_sanction"}
ERASE_URLS = {"api:user_erase", "accounts:erase_user"}
ACTION_ARG = {
    "moderation:thread_action": "approve", "moderation:post_action": "approve",
    "api:moderation_thread_action": "approve", "api:moderation_answer_action": "approve",
    "escalations:case_action": "claim",
}  # fmt: skip


def _kwargs(name: str, route: str, w: dict) -> dict:
    kwargs: dict[str, object] = {}
    if "<int:pk>" in route:
        if name in ANSWER_URLS:
            kwargs["pk"] = w["post"].pk
        elif name in USER_PK_URLS:
            kwargs["pk"] = w["victim"].pk
        elif name in ERASE_URLS:
            kwargs["pk"] = w["erasee"].pk
        elif name in ("notifications:read", "api:notification_read"):
            kwargs["pk"] = w["notification"].pk
        elif name == "api:category_watch":
            kwargs["pk"] = w["category"].pk
        elif URLS[name][1].startswith(MISSING):
            kwargs["pk"] = 999999
        else:
            kwargs["pk"] = w["thread"].pk
    if "<int:thread_pk>" in route:
        kwargs["thread_pk"] = w["thread"].pk
    if "<int:post_pk>" in route:
        kwargs["post_pk"] = w["post"].pk
    if "<str:username>" in route:
        kwargs["username"] = (
            w["victim"].username if name == "moderation:sanction" else w["owner"].username
        )
    if "<slug:slug>" in route:
        kwargs["slug"] = {
            "forum:tag": w["tag"].slug, "accounts:legal": "privacy",
        }.get(name, w["category"].slug)  # fmt: skip
    if "<str:token>" in route:
        kwargs["token"] = "not-a-valid-token"
    if "<str:action>" in route:
        kwargs["action"] = ACTION_ARG[name]
    return kwargs


# Valid bodies where an endpoint validates its input before it checks permissions.
BODIES = {
    "api:thread_accept": lambda w: {"answer_id": w["post"].pk},
    "api:answer": lambda w: {"body": "A corrected answer that is long enough."},
    "api:escalation_assign": lambda w: {"assignee_id": w["victim"].pk},
}


def _user_for(role: str):
    if role == "anonymous":
        return None
    if role == "admin":
        return UserFactory(is_superuser=True, is_staff=True)
    if role in ("customer", "expert"):
        # No action is for experts alone, so an expert is checked as a customer with a name.
        return UserFactory(display_name=f"A {role}", roles=["customer"])
    return UserFactory(display_name=f"A {role}", roles=[role])


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and location.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_url_answers_every_role_as_the_permission_table_says(role, world, settings):
    settings.RATELIMIT_ENABLE = False
    user = _user_for(role)
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    wrong = []
    for route, name in _project_urls():
        method, action = URLS[name]
        missing = action.startswith(MISSING)
        action = action.removeprefix(MISSING)
        allowed = action != OWNER_ONLY and role in PERMISSIONS[action]
        url = reverse(name, kwargs=_kwargs(name, route, world))
        if method == "GET":
            response = client.get(url)
        else:
            body = BODIES[name](world) if name in BODIES else {}
            response = getattr(client, method.lower())(url, body, content_type="application/json")
        if response.status_code >= 500:
            wrong.append(f"{method} {url} ({name}): {response.status_code}")
            continue
        refused = _refused(response)
        if name in SIGNATURE_CHECKED:
            refused = response.status_code in (302,) and refused
        if allowed and refused and not (missing and response.status_code == 404):
            wrong.append(f"{method} {url} ({name}) refused {role}: {response.status_code}")
        if not allowed and not refused:
            wrong.append(f"{method} {url} ({name}) let {role} through: {response.status_code}")
    assert not wrong, "\n".join(wrong)
