"""Reads of the rewards app, including the proof that the books balance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum

from rewards.models import (
    Account,
    AccountKind,
    Bounty,
    BountyStatus,
    GrantStatus,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutMethod,
    PayoutState,
    Program,
    RewardGrant,
)


@dataclass(frozen=True)
class Wallet:
    points: int
    cash_balance: int
    cash_on_hold: int
    cash_available: int
    cash_in_payouts: int
    pending_cash: int

    @property
    def debt(self) -> int:
        return -self.cash_balance if self.cash_balance < 0 else 0


def wallet_for(*, user_id: int) -> Wallet:
    from rewards.services.payouts import cash_on_hold

    accounts = {
        a.currency: a
        for a in Account.objects.filter(
            owner_id=user_id, kind__in=[AccountKind.USER_POINTS, AccountKind.USER_CASH]
        )
    }
    cash_currency = settings.REWARDS_CASH_CURRENCY
    points = accounts.get(settings.REWARDS_POINTS_CURRENCY)
    cash = accounts.get(cash_currency)
    hold = cash_on_hold(account=cash) if cash else 0
    balance = cash.balance_minor if cash else 0
    in_flight = Payout.objects.filter(
        user_id=user_id,
        state__in=[PayoutState.REQUESTED, PayoutState.APPROVED, PayoutState.SUBMITTED],
    ).aggregate(total=Sum("amount_minor"))["total"]
    pending = RewardGrant.objects.filter(
        user_id=user_id, status=GrantStatus.CREDITED, cash_pending=True
    ).aggregate(total=Sum("cash_minor"))["total"]
    return Wallet(
        points=points.balance_minor if points else 0,
        cash_balance=balance,
        cash_on_hold=hold,
        cash_available=max(balance, 0) - hold,
        cash_in_payouts=int(in_flight or 0),
        pending_cash=int(pending or 0),
    )


def ledger_history(*, user_id: int, limit: int = 50) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(account__owner_id=user_id)
        .select_related("transaction", "account")
        .order_by("-id")[:limit]
    )


def payouts_of(*, user_id: int) -> QuerySet[Payout]:
    return Payout.objects.filter(user_id=user_id).select_related("method").order_by("-id")


def payout_methods_of(*, user_id: int) -> QuerySet[PayoutMethod]:
    return PayoutMethod.objects.filter(user_id=user_id, is_active=True).order_by("id")


def payouts_for_finance(*, state: str | None = None) -> QuerySet[Payout]:
    qs = Payout.objects.select_related("user", "method", "decided_by").order_by("-id")
    if state:
        qs = qs.filter(state=state)
    return qs


# Bounties can only sit on questions that are still open (bounty_create refuses the rest,
# an accept awards them), so solved and closed threads skip the query.
_BOUNTY_STATUSES = ("open", "answered", "escalated")


def thread_bounty_state(*, thread, user) -> dict:  # type: ignore[no-untyped-def]
    """What the thread page shows about bounties: open ones, and whether ``user`` may
    offer one (the asker with points; staff with points or budget cash).

    One query on an open thread, one more for someone who may offer (their points)."""
    from accounts.roles import is_staff_member

    if thread.status not in _BOUNTY_STATUSES or not thread.is_visible:
        return {"open": [], "can_offer": False}
    bounties = list(
        Bounty.objects.filter(thread_id=thread.pk, status=BountyStatus.OPEN)
        .select_related("funder")
        .order_by("-amount_minor", "id")
    )
    signed_in = bool(getattr(user, "is_authenticated", False))
    staff = signed_in and is_staff_member(user)
    can_offer = signed_in and (user.pk == thread.author_id or staff)
    points = 0
    if can_offer:
        points = (
            Account.objects.filter(
                owner_id=user.pk,
                kind=AccountKind.USER_POINTS,
                currency=settings.REWARDS_POINTS_CURRENCY,
            )
            .values_list("balance_minor", flat=True)
            .first()
            or 0
        )
    return {
        "open": bounties,
        "can_offer": can_offer,
        "cash_allowed": staff,
        "points": points,
        "points_currency": settings.REWARDS_POINTS_CURRENCY,
        "default_days": settings.REWARDS_BOUNTY_DAYS,
    }


def program_burn() -> list[dict]:
    from rewards.services.budget import program_cash_budget, program_cash_spent

    pending_filter = Q(grants__cash_pending=True, grants__status=GrantStatus.CREDITED)
    programs = Program.objects.order_by("name").annotate(
        pending=Sum("grants__cash_minor", filter=pending_filter),
        pending_count=Count("grants", filter=pending_filter),
    )
    return [
        {
            "program": program,
            "budget": program_cash_budget(program=program),
            "spent": program_cash_spent(program=program),
            "pending": int(program.pending or 0),
            "pending_count": program.pending_count,
        }
        for program in programs
    ]


# --- Reconciliation -------------------------------------------------------------------------


def ledger_reconcile() -> list[str]:
    """Every difference between the books and what they must say; empty means balanced.

    1. each account's cached balance equals the sum of its entries;
    2. each transaction sums to zero per currency, and every entry's currency is its account's;
    3. every accepted native answer has, for each rule it falls under, exactly one grant for
       its current acceptance, whose ledger movements (net of reversals) are what the grant
       says; no grant of a gone acceptance is still credited;
    4. wallets that must not go negative are not, except cash debts left by clawbacks.
    """
    problems: list[str] = []

    sums = dict(
        LedgerEntry.objects.values("account_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("account_id", "total")
    )
    for account in Account.objects.order_by("id"):
        expected = int(sums.get(account.pk) or 0)
        if account.balance_minor != expected:
            problems.append(
                f"account {account.pk} ({account}): cached balance {account.balance_minor} "
                f"!= sum of entries {expected}"
            )
        # Wallets may carry a clawback debt; escrow and in-flight money never go negative.
        if account.kind in {AccountKind.BOUNTY_ESCROW, AccountKind.PAYOUTS_IN_FLIGHT} and (
            account.balance_minor < 0
        ):
            problems.append(f"account {account.pk} ({account}) is negative")

    unbalanced = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
    )
    problems.extend(
        f"transaction {row['transaction_id']}: {row['currency']} sums to {row['total']}, not 0"
        for row in unbalanced
    )
    mismatched = LedgerEntry.objects.exclude(currency=F("account__currency")).values_list(
        "pk", flat=True
    )[:20]
    problems.extend(f"entry {pk}: currency differs from its account's" for pk in mismatched)
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    problems.extend(f"transaction {pk} has no entries" for pk in empty[:20])

    problems.extend(_acceptance_problems())
    problems.extend(_bounty_problems())
    return problems


def _net_by_account_currency(cause_types: list[str], cause_id: str) -> dict[tuple[int, str], int]:
    net: dict[tuple[int, str], int] = defaultdict(int)
    rows = (
        LedgerEntry.objects.filter(
            transaction__cause_id=cause_id, transaction__cause_type__in=cause_types
        )
        .values("account__owner_id", "account__kind", "currency")
        .annotate(total=Sum("amount_minor"))
    )
    for row in rows:
        if row["account__owner_id"] is not None:
            net[(row["account__owner_id"], row["currency"])] += int(row["total"])
    return {k: v for k, v in net.items() if v}


def _acceptance_problems() -> list[str]:
    from forum.models import Post
    from rewards.services.acceptance import (
        acceptance_is_rewardable,
        acceptance_key,
        rules_for_acceptance,
    )

    problems: list[str] = []
    current_keys: set[str] = set()
    accepted = (
        Post.objects.filter(is_accepted=True, external_ref="")
        .exclude(thread__external_ref__gt="")
        .select_related("thread")
        .order_by("id")
    )
    grants_by_acceptance: dict[str, list[RewardGrant]] = defaultdict(list)
    for grant in RewardGrant.objects.exclude(status=GrantStatus.REVERSED).order_by("id"):
        grants_by_acceptance[grant.acceptance].append(grant)

    for post in accepted.iterator():
        if not acceptance_is_rewardable(thread=post.thread, post=post):
            continue
        key = acceptance_key(post_id=post.pk, accepted_at=post.accepted_at)
        current_keys.add(key)
        expected_rules = {r.pk for r in rules_for_acceptance(thread=post.thread, post=post)}
        grants = grants_by_acceptance.get(key, [])
        have = [g.rule_id for g in grants]
        problems.extend(
            f"answer {post.pk}: no reward for rule {rule_id}"
            for rule_id in sorted(expected_rules - set(have))
        )
        problems.extend(
            f"answer {post.pk}: reward for rule {rule_id} it does not fall under"
            for rule_id in sorted(set(have) - expected_rules)
        )
        if len(have) != len(set(have)):
            problems.append(f"answer {post.pk}: duplicate rewards for one rule")

    pts = settings.REWARDS_POINTS_CURRENCY
    for key, grants in grants_by_acceptance.items():
        for grant in grants:
            if grant.status == GrantStatus.CREDITED and key not in current_keys:
                problems.append(
                    f"grant {grant.pk}: still credited but answer {grant.post_id} "
                    "is no longer accepted that way"
                )
            expected: dict[tuple[int, str], int] = {}
            if grant.status == GrantStatus.CREDITED:
                if grant.points_minor:
                    expected[(grant.user_id, pts)] = grant.points_minor
                if grant.cash_minor and not grant.cash_pending:
                    expected[(grant.user_id, grant.cash_currency)] = grant.cash_minor
            actual = _net_by_account_currency(
                ["grant", "grant_cash", "grant_reversal"], str(grant.pk)
            )
            if actual != expected:
                problems.append(f"grant {grant.pk}: ledger says {actual}, grant says {expected}")
    # Reversed grants must net to zero.
    for grant in RewardGrant.objects.filter(status=GrantStatus.REVERSED).order_by("id"):
        actual = _net_by_account_currency(["grant", "grant_cash", "grant_reversal"], str(grant.pk))
        if actual:
            problems.append(f"grant {grant.pk}: reversed but ledger still holds {actual}")
    return problems


def _bounty_problems() -> list[str]:
    problems: list[str] = []
    escrow: dict[str, int] = defaultdict(int)
    for bounty in Bounty.objects.filter(status="open"):
        escrow[bounty.currency] += bounty.amount_minor
    problems.extend(
        f"bounty escrow {account.currency}: holds {account.balance_minor}, "
        f"open bounties add up to {escrow.get(account.currency, 0)}"
        for account in Account.objects.filter(kind=AccountKind.BOUNTY_ESCROW)
        if account.balance_minor != escrow.get(account.currency, 0)
    )
    in_flight: dict[str, int] = defaultdict(int)
    for payout in Payout.objects.filter(
        state__in=[PayoutState.REQUESTED, PayoutState.APPROVED, PayoutState.SUBMITTED]
    ):
        in_flight[payout.currency] += payout.amount_minor
    problems.extend(
        f"payouts in flight {account.currency}: holds {account.balance_minor}, "
        f"open payouts add up to {in_flight.get(account.currency, 0)}"
        for account in Account.objects.filter(kind=AccountKind.PAYOUTS_IN_FLIGHT)
        if account.balance_minor != in_flight.get(account.currency, 0)
    )
    return problems
