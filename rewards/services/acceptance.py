"""Rewards for accepted answers: grants per rule, their reversal, and bounty awards.

Every acceptance event (accepted, unaccepted, hidden) runs ``thread_rewards_sync``, which
makes the books match the thread's *current* acceptance instead of applying a delta per
event. Events of one thread may be dispatched in any order and any number of times; under
the thread's row lock the sync reads the committed state and converges, so an accept/unaccept
storm leaves exactly the rewards of the acceptance that stands.

Lock order (all callers): forum thread -> bounties (id order) -> program -> accounts (id order).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rewards.ledger import Line, ledger_post, ledger_reverse, system_account, user_account
from rewards.models import (
    AccountKind,
    Bounty,
    BountyStatus,
    GrantStatus,
    LedgerTransaction,
    Program,
    RewardGrant,
    RewardRule,
    RewardTrigger,
)
from rewards.services.budget import program_cash_available_locked

logger = logging.getLogger(__name__)


def acceptance_key(*, post_id: int, accepted_at: datetime) -> str:
    """Identifies one acceptance of one answer; re-accepting later is a new acceptance."""
    return f"{post_id}@{accepted_at.isoformat()}"


def _is_countable(
    *, answer_author_id: int, asker_id: int, accepted_by_id: int | None, thread_id: int
) -> tuple[bool, str]:
    if answer_author_id == asker_id:
        return False, "self_accept"
    try:
        from experts.selectors import acceptance_is_countable
    except ImportError:
        # experts has not shipped its contract yet: only self-accepts are excluded.
        return True, ""
    if not acceptance_is_countable(
        answer_author_id=answer_author_id,
        asker_id=asker_id,
        accepted_by_id=accepted_by_id or asker_id,
        thread_id=thread_id,
    ):
        return False, "not_countable"
    return True, ""


def _rank_of(user_id: int) -> str:
    try:
        from experts.selectors import user_rank
    except ImportError:
        return ""
    return user_rank(user_id=user_id) or ""


def rules_for_acceptance(*, thread, post) -> list[RewardRule]:  # type: ignore[no-untyped-def]
    """The rules a given acceptance earns under; shared with the reconcile check."""
    accepted_at = post.accepted_at
    rules = (
        RewardRule.objects.filter(
            is_active=True,
            created_at__lte=accepted_at,
            program__is_active=True,
            program__starts_at__lte=accepted_at,
        )
        .filter(Q(program__ends_at__isnull=True) | Q(program__ends_at__gt=accepted_at))
        .filter(Q(program__categories__isnull=True) | Q(program__categories__id=thread.category_id))
        .select_related("program")
        .distinct()
        .order_by("id")
    )
    result = []
    for rule in rules:
        if rule.trigger == RewardTrigger.FIRST_ANSWER_WITHIN:
            from forum.models import Post

            first = (
                Post.objects.filter(thread_id=thread.pk, is_hidden=False, is_deleted=False)
                .order_by("created_at", "id")
                .values_list("pk", flat=True)
                .first()
            )
            in_time = post.created_at - thread.created_at <= timedelta(hours=rule.within_hours)
            if first != post.pk or not in_time:
                continue
        result.append(rule)
    return result


def acceptance_is_rewardable(*, thread, post) -> bool:  # type: ignore[no-untyped-def]
    """Imported history and invisible answers earn nothing."""
    return bool(
        post.is_accepted
        and post.accepted_at is not None
        and not post.is_hidden
        and not post.is_deleted
        and not post.external_ref
        and not thread.external_ref
    )


def _grant_transactions(grant: RewardGrant) -> list[LedgerTransaction]:
    return list(
        LedgerTransaction.objects.filter(
            cause_type__in=["grant", "grant_cash"], cause_id=str(grant.pk), reverses__isnull=True
        ).order_by("id")
    )


def _grant_reverse_locked(grant: RewardGrant, *, why: str) -> None:
    """Reverse every ledger movement of ``grant``. Caller holds the thread lock."""
    grant = RewardGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != GrantStatus.CREDITED:
        return
    for tx in _grant_transactions(grant):
        ledger_reverse(
            original=tx,
            idempotency_key=f"{tx.idempotency_key}:reversal",
            memo=f"{why}: reversal of {tx.memo}",
            cause_type="grant_reversal",
        )
    grant.status = GrantStatus.REVERSED
    grant.cash_pending = False
    grant.reversed_at = timezone.now()
    grant.save(update_fields=["status", "cash_pending", "reversed_at"])


def _grant_create_locked(
    *,
    rule: RewardRule,
    thread,
    post,
    acceptance: str,  # type: ignore[no-untyped-def]
    event_id: int | None,
    countable: bool,
    skip_reason: str,
) -> RewardGrant:
    existing = RewardGrant.objects.filter(rule=rule, acceptance=acceptance).first()
    if existing is not None:
        return existing
    pct = 100
    if countable:
        rank = _rank_of(post.author_id)
        pct = int((rule.rank_multipliers or {}).get(rank, 100)) if rank else 100
    points = rule.amount_points * pct // 100
    cash = rule.amount_cash_minor * pct // 100
    grant = RewardGrant.objects.create(
        rule=rule,
        program=rule.program,
        user_id=post.author_id,
        thread_id=thread.pk,
        post_id=post.pk,
        acceptance=acceptance,
        event_id=event_id,
        status=GrantStatus.CREDITED if countable else GrantStatus.SKIPPED,
        skip_reason=skip_reason,
        multiplier_pct=pct,
        points_minor=points if countable else 0,
        cash_minor=cash if countable else 0,
        cash_currency=rule.program.currency,
    )
    if not countable:
        return grant
    lines: list[Line] = []
    pts = settings.REWARDS_POINTS_CURRENCY
    if points:
        lines += [
            Line(user_account(user_id=post.author_id, currency=pts), points),
            Line(system_account(kind=AccountKind.POINTS_ISSUED, currency=pts), -points),
        ]
    if cash:
        program = Program.objects.get(pk=rule.program_id)  # locked by the caller
        if program_cash_available_locked(program=program) >= cash:
            lines += cash_lines(user_id=post.author_id, currency=grant.cash_currency, amount=cash)
            grant.cash_credited_at = timezone.now()
            grant.save(update_fields=["cash_credited_at"])
        else:
            # Budget exhausted: points flow now, the cash waits in the visible queue.
            grant.cash_pending = True
            grant.save(update_fields=["cash_pending"])
    if lines:
        ledger_post(
            idempotency_key=f"grant:{grant.pk}",
            lines=lines,
            memo=f"reward: {rule} for answer {post.pk}",
            cause_type="grant",
            cause_id=grant.pk,
        )
    return grant


def cash_lines(*, user_id: int, currency: str, amount: int) -> list[Line]:
    return [
        Line(user_account(user_id=user_id, currency=currency), amount),
        Line(system_account(kind=AccountKind.PROGRAM_BUDGET, currency=currency), -amount),
    ]


def _bounty_move(bounty: Bounty, *, lines: list[Line], memo: str, allow_overdraw: bool) -> None:
    from forum.page_versions import thread_page_changed

    bounty.moves += 1
    thread_page_changed(bounty.thread_id)  # the bounty banner on the cached page changes
    ledger_post(
        idempotency_key=f"bounty:{bounty.pk}:move:{bounty.moves}",
        lines=lines,
        memo=memo,
        cause_type="bounty",
        cause_id=bounty.pk,
        allow_overdraw=allow_overdraw,
    )


def _bounties_sync_locked(
    bounties: list[Bounty], *, acceptance: str | None, winner_id: int | None
) -> None:
    """Caller holds the thread lock and the locks of ``bounties``."""
    for bounty in bounties:
        escrow = system_account(kind=AccountKind.BOUNTY_ESCROW, currency=bounty.currency)
        if bounty.status == BountyStatus.AWARDED and bounty.awarded_acceptance != acceptance:
            # The acceptance that won it is gone: the bounty goes back into escrow.
            wallet = user_account(user_id=bounty.awarded_to_id, currency=bounty.currency)
            _bounty_move(
                bounty,
                lines=[Line(wallet, -bounty.amount_minor), Line(escrow, bounty.amount_minor)],
                memo=f"bounty {bounty.pk} unawarded",
                allow_overdraw=True,
            )
            bounty.status = BountyStatus.OPEN
            bounty.awarded_to = None
            bounty.awarded_post_id = None
            bounty.awarded_acceptance = ""
        # Nobody wins their own bounty (it stays open and is refunded at expiry).
        if (
            bounty.status == BountyStatus.OPEN
            and acceptance
            and winner_id
            and winner_id != bounty.funder_id
        ):
            wallet = user_account(user_id=winner_id, currency=bounty.currency)
            _bounty_move(
                bounty,
                lines=[Line(escrow, -bounty.amount_minor), Line(wallet, bounty.amount_minor)],
                memo=f"bounty {bounty.pk} awarded",
                allow_overdraw=False,
            )
            bounty.status = BountyStatus.AWARDED
            bounty.awarded_to_id = winner_id
            bounty.awarded_post_id = int(acceptance.split("@", 1)[0])
            bounty.awarded_acceptance = acceptance
        bounty.save(
            update_fields=["status", "awarded_to", "awarded_post_id", "awarded_acceptance", "moves"]
        )


def _accounts_lock(
    *,
    user_ids: set[int],
    currencies: set[str],
    cash_currencies: set[str],
    escrow_currencies: set[str],
) -> None:
    from rewards.models import Account

    ids = {user_account(user_id=u, currency=c).pk for u in user_ids for c in currencies} | {
        system_account(kind=AccountKind.POINTS_ISSUED, currency=settings.REWARDS_POINTS_CURRENCY).pk
    }
    ids |= {system_account(kind=AccountKind.PROGRAM_BUDGET, currency=c).pk for c in cash_currencies}
    ids |= {
        system_account(kind=AccountKind.BOUNTY_ESCROW, currency=c).pk for c in escrow_currencies
    }
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("id"))


@transaction.atomic
def thread_rewards_sync(*, thread_id: int, event_id: int | None = None, why: str = "") -> None:
    """Make grants and bounty awards of ``thread_id`` match its current acceptance.

    Takes the forum thread's row lock first: forum's accept/unaccept hold the same lock, so
    the state read below is committed and cannot change until this transaction ends. Then
    the programs and bounties it may touch, then (inside ledger_post) the accounts: the
    same order as the budget-release and bounty-expiry tasks, so none of them deadlock.
    """
    from forum.models import Post, Thread

    thread = Thread.objects.select_for_update(no_key=True).filter(pk=thread_id).first()
    if thread is None:
        return
    post = Post.objects.filter(thread_id=thread_id, is_accepted=True).first()
    current: str | None = None
    rules: list[RewardRule] = []
    if post is not None and acceptance_is_rewardable(thread=thread, post=post):
        current = acceptance_key(post_id=post.pk, accepted_at=post.accepted_at)
        rules = rules_for_acceptance(thread=thread, post=post)
    program_ids = sorted({r.program_id for r in rules if r.amount_cash_minor})
    list(Program.objects.select_for_update().filter(pk__in=program_ids).order_by("id"))
    bounties = list(
        Bounty.objects.select_for_update()
        .filter(thread_id=thread_id, status__in=[BountyStatus.OPEN, BountyStatus.AWARDED])
        .order_by("id")
    )

    # Grant rows before accounts, as the budget-release task does.
    stale = list(
        RewardGrant.objects.select_for_update()
        .filter(thread_id=thread_id, status=GrantStatus.CREDITED)
        .exclude(acceptance=current or "")
        .order_by("id")
    )
    # Lock every account this sync may touch in ONE sorted statement before any movement:
    # ledger_post's per-call locking would otherwise take user A's wallets (a reversal) and
    # then user B's (a grant) while another thread's sync does the opposite: a deadlock.
    user_ids = {g.user_id for g in stale} | {b.awarded_to_id for b in bounties if b.awarded_to_id}
    if post is not None and current is not None:
        user_ids.add(post.author_id)
    cash_currencies = {r.program.currency for r in rules} | {g.cash_currency for g in stale}
    bounty_currencies = {b.currency for b in bounties}
    _accounts_lock(
        user_ids=user_ids,
        currencies={settings.REWARDS_POINTS_CURRENCY} | cash_currencies | bounty_currencies,
        cash_currencies=cash_currencies | (bounty_currencies - {settings.REWARDS_POINTS_CURRENCY}),
        escrow_currencies=bounty_currencies,
    )
    for grant in stale:
        _grant_reverse_locked(grant, why=why or "unaccepted")

    winner_id = None
    if current is not None and post is not None:
        countable, reason = _is_countable(
            answer_author_id=post.author_id,
            asker_id=thread.author_id,
            accepted_by_id=post.accepted_by_id,
            thread_id=thread_id,
        )
        for rule in rules:
            _grant_create_locked(
                rule=rule,
                thread=thread,
                post=post,
                acceptance=current,
                event_id=event_id,
                countable=countable,
                skip_reason=reason,
            )
        if countable:
            winner_id = post.author_id
    _bounties_sync_locked(bounties, acceptance=current if winner_id else None, winner_id=winner_id)
