"""Bounties: points (or staff-funded cash) put on an open question, held in escrow."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, PermissionDenied
from forum.page_versions import thread_page_changed
from rewards.ledger import Line, currency_validate, ledger_post, system_account, user_account
from rewards.models import AccountKind, Bounty, BountyStatus
from rewards.services.payouts import amount_validate


@transaction.atomic(durable=True)
def bounty_create(
    *,
    thread_id: int,
    funder,
    currency: str,
    amount_minor: object,
    days: int | None = None,  # type: ignore[no-untyped-def]
) -> Bounty:
    """Move the bounty into escrow. Points come from the funder (asker or staff); cash only
    from staff, out of the program budget."""
    from accounts.roles import is_staff_member
    from forum.models import Thread, ThreadStatus

    amount = amount_validate(amount_minor)
    currency_validate(currency)
    # The thread lock serialises with acceptance syncs: a bounty is never created on a
    # thread whose acceptance is being rewarded at the same moment.
    thread = Thread.objects.select_for_update(no_key=True).filter(pk=thread_id).first()
    if thread is None or not thread.is_visible:
        raise NotFound(_("This question does not exist."))
    staff = is_staff_member(funder)
    if thread.author_id != funder.pk and not staff:
        raise PermissionDenied(_("Only the person who asked or staff can offer a bounty."))
    if thread.status in {ThreadStatus.SOLVED, ThreadStatus.CLOSED} or thread.accepted_answer_id:
        raise Conflict(_("Bounties are only for open questions."))
    is_points = currency == settings.REWARDS_POINTS_CURRENCY
    if not is_points and not staff:
        raise PermissionDenied(_("Only staff can offer cash bounties."))
    bounty = Bounty.objects.create(
        thread_id=thread.pk,
        funder=funder,
        funded_by_budget=not is_points,
        currency=currency,
        amount_minor=amount,
        expires_at=timezone.now() + timedelta(days=days or settings.REWARDS_BOUNTY_DAYS),
        moves=1,
    )
    source = (
        user_account(user_id=funder.pk, currency=currency)
        if is_points
        else system_account(kind=AccountKind.PROGRAM_BUDGET, currency=currency)
    )
    escrow = system_account(kind=AccountKind.BOUNTY_ESCROW, currency=currency)
    # Not enough points raises InsufficientFunds and rolls the bounty row back with it.
    # Anonymous visitors see bounties on the cached thread page: refresh it.
    thread_page_changed(thread.pk)
    ledger_post(
        idempotency_key=f"bounty:{bounty.pk}:move:1",
        lines=[Line(source, -amount), Line(escrow, amount)],
        memo=f"bounty {bounty.pk} on thread {thread.pk}",
        cause_type="bounty",
        cause_id=bounty.pk,
    )
    return bounty


def bounties_expire(*, now=None, limit: int = 500) -> int:  # type: ignore[no-untyped-def]
    """Refund open bounties past their expiry. Safe to run twice: the status is re-checked
    under the bounty's lock."""
    now = now or timezone.now()
    ids = list(
        Bounty.objects.filter(status=BountyStatus.OPEN, expires_at__lt=now)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for bounty_id in ids:
        with transaction.atomic():
            bounty = (
                Bounty.objects.select_for_update(skip_locked=True)
                .filter(pk=bounty_id, status=BountyStatus.OPEN)
                .first()
            )
            if bounty is None:
                continue
            escrow = system_account(kind=AccountKind.BOUNTY_ESCROW, currency=bounty.currency)
            target = (
                system_account(kind=AccountKind.PROGRAM_BUDGET, currency=bounty.currency)
                if bounty.funded_by_budget
                else user_account(user_id=bounty.funder_id, currency=bounty.currency)
            )
            bounty.moves += 1
            ledger_post(
                idempotency_key=f"bounty:{bounty.pk}:move:{bounty.moves}",
                lines=[Line(escrow, -bounty.amount_minor), Line(target, bounty.amount_minor)],
                memo=f"bounty {bounty.pk} expired unawarded: refund",
                cause_type="bounty",
                cause_id=bounty.pk,
            )
            bounty.status = BountyStatus.REFUNDED
            bounty.save(update_fields=["status", "moves"])
            thread_page_changed(bounty.thread_id)
            done += 1
    return done
