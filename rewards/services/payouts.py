"""Payout methods and the payout state machine.

    requested --approve--> approved --submit--> submitted --> paid
        |                     |                    |  \\--> failed (money back to the wallet)
        +--reject--> rejected +--> failed          paid --reversed--> failed

Every transition is a compare-and-set ``UPDATE … WHERE state = old`` whose row count says
whether this caller won; the ledger movement of a transition has an idempotency key derived
from the payout id and the transition, so a transition retried after a crash pays nothing
twice. Providers are called only from tasks, after commit, with the payout id as their
idempotency key.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, PermissionDenied
from core.tasks_queue import enqueue_on_commit
from rewards.ledger import Line, ledger_post, system_account, user_account
from rewards.models import (
    Account,
    AccountKind,
    LedgerEntry,
    Payout,
    PayoutMethod,
    PayoutMethodKind,
    PayoutState,
)

logger = logging.getLogger(__name__)

HELD_CAUSES = ("grant", "grant_cash", "bounty")


def amount_validate(value: object, *, field: str = "amount_minor") -> int:
    """A positive whole number of minor units. Rejects floats, fractions, bools and text."""
    if isinstance(value, bool):
        raise ValidationError({field: [_("Enter a whole number of cents.")]}, code="amount")
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(
                {field: [_("Enter a whole number of cents.")]}, code="amount"
            ) from None
        if parsed != parsed.to_integral_value():
            raise ValidationError({field: [_("Enter a whole number of cents.")]}, code="amount")
        value = int(parsed)
    if not isinstance(value, int):
        raise ValidationError({field: [_("Enter a whole number of cents.")]}, code="amount")
    if value <= 0:
        raise ValidationError({field: [_("The amount must be more than zero.")]}, code="amount")
    return value


# --- Balances -------------------------------------------------------------------------------


def cash_on_hold(*, account: Account, now=None) -> int:  # type: ignore[no-untyped-def]
    """Recent reward credits are held for REWARDS_HOLD_DAYS (time to catch fraud before the
    money leaves). Held cash is the recent credits, capped by what the wallet holds."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.REWARDS_HOLD_DAYS)
    recent = LedgerEntry.objects.filter(
        account=account,
        amount_minor__gt=0,
        created_at__gte=since,
        transaction__cause_type__in=HELD_CAUSES,
    ).aggregate(total=Sum("amount_minor"))["total"]
    return min(max(account.balance_minor, 0), int(recent or 0))


def cash_available(*, account: Account) -> int:
    return max(account.balance_minor, 0) - cash_on_hold(account=account)


# --- Methods --------------------------------------------------------------------------------


def iban_normalize(value: str) -> tuple[str, str]:
    """(IBAN, BIC) or ValidationError. schwifty checks length, country format and checksum."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        iban = IBAN(value or "")
    except (SchwiftyException, ValueError):
        raise ValidationError({"iban": [_("This is not a valid IBAN.")]}, code="iban") from None
    bic = ""
    try:
        bic = str(iban.bic) if iban.bic else ""
    except SchwiftyException:
        bic = ""
    return iban.compact, bic


@transaction.atomic
def payout_method_create(
    *,
    user,  # type: ignore[no-untyped-def]
    kind: str,
    holder_name: str = "",
    iban: str = "",
    stripe_account_id: str = "",
) -> PayoutMethod:
    if kind == PayoutMethodKind.SEPA:
        if not holder_name.strip():
            raise ValidationError({"holder_name": [_("Enter the account holder's name.")]})
        compact, bic = iban_normalize(iban)
        return PayoutMethod.objects.create(
            user=user, kind=kind, holder_name=holder_name.strip()[:70], iban=compact, bic=bic
        )
    if kind == PayoutMethodKind.STRIPE:
        account_id = (stripe_account_id or "").strip()
        if not account_id.startswith("acct_") or not account_id[5:].isalnum():
            raise ValidationError(
                {"stripe_account_id": [_("A Stripe account id looks like acct_…")]},
                code="stripe_account",
            )
        return PayoutMethod.objects.create(user=user, kind=kind, stripe_account_id=account_id)
    raise ValidationError({"kind": [_("Unknown payout method.")]}, code="kind")


# --- Requests -------------------------------------------------------------------------------


def payout_request(
    *,
    user,  # type: ignore[no-untyped-def]
    method_id: int,
    amount_minor: object,
    idempotency_key: str,
    currency: str | None = None,
) -> Payout:
    """Move ``amount_minor`` of available cash from the wallet to "in flight".

    The same ``idempotency_key`` from the same user returns the first payout (a different
    amount or method under a reused key is a Conflict). The wallet's row lock makes the
    available-balance check and the debit one step: twenty requests at once cannot spend
    the same euro twice.
    """
    currency = currency or settings.REWARDS_CASH_CURRENCY
    if currency == settings.REWARDS_POINTS_CURRENCY or currency not in settings.REWARDS_CURRENCIES:
        raise ValidationError(
            {"currency": [_("Payouts are in %(c)s.") % {"c": settings.REWARDS_CASH_CURRENCY}]},
            code="currency",
        )
    amount = amount_validate(amount_minor)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ValidationError({"idempotency_key": [_("Send an Idempotency-Key of 1-200 chars.")]})
    if amount < settings.REWARDS_MIN_PAYOUT_MINOR:
        raise ValidationError(
            {
                "amount_minor": [
                    _("The minimum payout is %(m)s cents.")
                    % {"m": settings.REWARDS_MIN_PAYOUT_MINOR}
                ]
            },
            code="below_minimum",
        )
    try:
        with transaction.atomic(durable=True):
            return _payout_request_locked(
                user=user, method_id=method_id, amount=amount, key=key, currency=currency
            )
    except IntegrityError:
        # Same key raced in from a second request: the first one's payout is the answer.
        existing = Payout.objects.filter(user=user, idempotency_key=key).first()
        if existing is None:
            raise
        return _same_request_or_conflict(existing, method_id=method_id, amount=amount)


def _same_request_or_conflict(existing: Payout, *, method_id: int, amount: int) -> Payout:
    if existing.method_id != method_id or existing.amount_minor != amount:
        raise Conflict(_("This Idempotency-Key was already used for a different payout."))
    return existing


def _payout_request_locked(*, user, method_id: int, amount: int, key: str, currency: str) -> Payout:  # type: ignore[no-untyped-def]
    existing = Payout.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return _same_request_or_conflict(existing, method_id=method_id, amount=amount)
    method = PayoutMethod.objects.filter(pk=method_id, is_active=True).first()
    if method is None or method.user_id != user.pk:
        # Someone else's method looks exactly like a missing one.
        raise NotFound(_("This payout method does not exist."))
    wallet = user_account(user_id=user.pk, currency=currency)
    wallet = Account.objects.select_for_update().get(pk=wallet.pk)
    available = cash_available(account=wallet)
    if amount > available:
        raise ValidationError(
            {"amount_minor": [_("You can request at most %(a)s cents now.") % {"a": available}]},
            code="insufficient_funds",
        )
    auto = amount <= settings.REWARDS_AUTO_APPROVE_LIMIT_MINOR
    payout = Payout.objects.create(
        user=user,
        method=method,
        amount_minor=amount,
        currency=currency,
        idempotency_key=key,
        state=PayoutState.APPROVED if auto else PayoutState.REQUESTED,
        decided_at=timezone.now() if auto else None,
    )
    ledger_post(
        idempotency_key=f"payout:{payout.pk}:request",
        lines=[
            Line(wallet, -amount),
            Line(system_account(kind=AccountKind.PAYOUTS_IN_FLIGHT, currency=currency), amount),
        ],
        memo=f"payout {payout.pk} requested",
        cause_type="payout",
        cause_id=payout.pk,
    )
    if auto:
        enqueue_on_commit("rewards.tasks.submit_payout", payout.pk)
    return payout


def _transition(payout_id: int, *, old: list[str], new: str, **fields: object) -> bool:
    """Compare-and-set: True when this caller moved the payout from one of ``old``."""
    return bool(Payout.objects.filter(pk=payout_id, state__in=old).update(state=new, **fields))


def can_decide_payout(actor, payout: Payout) -> bool:  # type: ignore[no-untyped-def]
    from accounts.roles import Role, has_role

    return has_role(actor, Role.FINANCE) and actor.pk != payout.user_id


def payout_approve(*, payout_id: int, actor) -> Payout:  # type: ignore[no-untyped-def]
    with transaction.atomic(durable=True):
        payout = Payout.objects.filter(pk=payout_id).first()
        if payout is None:
            raise NotFound(_("This payout does not exist."))
        if actor.pk == payout.user_id:
            raise PermissionDenied(_("Nobody approves their own payout."))
        if not can_decide_payout(actor, payout):
            raise PermissionDenied(_("Only finance can approve payouts."))
        if not _transition(
            payout.pk,
            old=[PayoutState.REQUESTED],
            new=PayoutState.APPROVED,
            decided_by=actor,
            decided_at=timezone.now(),
        ):
            raise Conflict(_("Only requested payouts can be approved."))
        enqueue_on_commit("rewards.tasks.submit_payout", payout.pk)
    payout.refresh_from_db()
    return payout


def payout_reject(*, payout_id: int, actor, reason: str) -> Payout:  # type: ignore[no-untyped-def]
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payout is rejected.")]})
    with transaction.atomic(durable=True):
        payout = Payout.objects.filter(pk=payout_id).first()
        if payout is None:
            raise NotFound(_("This payout does not exist."))
        if actor.pk == payout.user_id:
            raise PermissionDenied(_("Nobody decides their own payout."))
        if not can_decide_payout(actor, payout):
            raise PermissionDenied(_("Only finance can reject payouts."))
        if not _transition(
            payout.pk,
            old=[PayoutState.REQUESTED],
            new=PayoutState.REJECTED,
            decided_by=actor,
            decided_at=timezone.now(),
            reject_reason=reason[:300],
            finished_at=timezone.now(),
        ):
            raise Conflict(_("Only requested payouts can be rejected."))
        _money_back(payout, step="rejected")
    payout.refresh_from_db()
    return payout


def _money_back(
    payout: Payout, *, step: str, source_kind: str = AccountKind.PAYOUTS_IN_FLIGHT
) -> None:
    ledger_post(
        idempotency_key=f"payout:{payout.pk}:{step}",
        lines=[
            Line(system_account(kind=source_kind, currency=payout.currency), -payout.amount_minor),
            Line(
                user_account(user_id=payout.user_id, currency=payout.currency), payout.amount_minor
            ),
        ],
        memo=f"payout {payout.pk} {step}: money back to the wallet",
        cause_type="payout",
        cause_id=payout.pk,
    )


def payout_mark_paid(*, payout_id: int, reference: str = "") -> bool:
    with transaction.atomic():
        fields: dict[str, object] = {"finished_at": timezone.now()}
        if reference:
            fields["provider_reference"] = reference
        if not _transition(payout_id, old=[PayoutState.SUBMITTED], new=PayoutState.PAID, **fields):
            return False
        payout = Payout.objects.get(pk=payout_id)
        ledger_post(
            idempotency_key=f"payout:{payout.pk}:paid",
            lines=[
                Line(
                    system_account(kind=AccountKind.PAYOUTS_IN_FLIGHT, currency=payout.currency),
                    -payout.amount_minor,
                ),
                Line(
                    system_account(kind=AccountKind.PAID_OUT, currency=payout.currency),
                    payout.amount_minor,
                ),
            ],
            memo=f"payout {payout.pk} paid",
            cause_type="payout",
            cause_id=payout.pk,
        )
        return True


def payout_mark_failed(*, payout_id: int, reason: str) -> bool:
    """Failed before or after the money left: either way it goes back to the wallet."""
    with transaction.atomic():
        now = timezone.now()
        if _transition(
            payout_id,
            old=[PayoutState.APPROVED, PayoutState.SUBMITTED],
            new=PayoutState.FAILED,
            failure_reason=reason[:300],
            finished_at=now,
        ):
            _money_back(Payout.objects.get(pk=payout_id), step="failed")
            return True
        if _transition(
            payout_id,
            old=[PayoutState.PAID],
            new=PayoutState.FAILED,
            failure_reason=reason[:300],
            finished_at=now,
        ):
            _money_back(
                Payout.objects.get(pk=payout_id), step="reversed", source_kind=AccountKind.PAID_OUT
            )
            return True
        return False


def payout_submit(*, payout_id: int) -> str:
    """Hand the payout to its provider. Runs in a task, outside any transaction.

    Claims approved -> submitted; a payout already "submitted" (the previous attempt died
    between the claim and the provider's answer) is sent again under the same idempotency
    key, which the provider answers with the original transfer instead of a second one.
    """
    from rewards.providers import provider_for

    # durable: the claim must commit before the provider is called, so a caller's open
    # transaction (which could roll the claim back after the money left) raises here.
    with transaction.atomic(durable=True):
        _transition(
            payout_id,
            old=[PayoutState.APPROVED],
            new=PayoutState.SUBMITTED,
            submitted_at=timezone.now(),
        )
    payout = Payout.objects.select_related("method").filter(pk=payout_id).first()
    if payout is None or payout.state != PayoutState.SUBMITTED:
        return payout.state if payout else "missing"
    result = provider_for(payout.method.kind).submit(payout)
    if result.status == "paid":
        payout_mark_paid(payout_id=payout.pk, reference=result.reference)
    elif result.status == "failed":
        payout_mark_failed(payout_id=payout.pk, reason=result.failure_reason)
    elif result.reference:
        Payout.objects.filter(pk=payout.pk).update(provider_reference=result.reference)
    return result.status


def payouts_stuck(*, older_than: timedelta) -> list[int]:
    """Approved or submitted payouts whose task is gone (worker lost, broker down)."""
    cutoff = timezone.now() - older_than
    return list(
        Payout.objects.filter(
            Q(state=PayoutState.APPROVED, decided_at__lt=cutoff)
            | Q(state=PayoutState.SUBMITTED, submitted_at__lt=cutoff, method__kind="stripe")
        ).values_list("pk", flat=True)[:200]
    )
