"""The one function that writes the ledger, and the account look-ups it needs.

Lock order: every caller that locks accounts does it here, in ascending id order, so two
transactions touching the same wallets can never deadlock on each other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rewards.models import (
    NON_NEGATIVE_KINDS,
    Account,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
)


class InsufficientFunds(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="insufficient_funds")


@dataclass(frozen=True)
class Line:
    account: Account
    amount_minor: int

    @property
    def currency(self) -> str:
        return self.account.currency


def currency_validate(currency: str) -> str:
    if currency not in settings.REWARDS_CURRENCIES:
        raise ValidationError(
            {"currency": [_("Unknown currency %(c)s.") % {"c": currency}]}, code="currency"
        )
    return currency


def _account_get_or_create(*, owner_id: int | None, kind: str, currency: str) -> Account:
    currency_validate(currency)
    account = Account.objects.filter(owner_id=owner_id, kind=kind, currency=currency).first()
    if account is not None:
        return account
    try:
        # Savepoint: two first-time callers race on the unique constraint; the loser reads.
        with transaction.atomic():
            return Account.objects.create(owner_id=owner_id, kind=kind, currency=currency)
    except IntegrityError:
        return Account.objects.get(owner_id=owner_id, kind=kind, currency=currency)


def user_account(*, user_id: int, currency: str) -> Account:
    kind = (
        AccountKind.USER_POINTS
        if currency == settings.REWARDS_POINTS_CURRENCY
        else (AccountKind.USER_CASH)
    )
    return _account_get_or_create(owner_id=user_id, kind=kind, currency=currency)


def system_account(*, kind: str, currency: str) -> Account:
    return _account_get_or_create(owner_id=None, kind=kind, currency=currency)


def ledger_post(
    *,
    idempotency_key: str,
    lines: list[Line],
    memo: str,
    cause_type: str,
    cause_id: str | int = "",
    allow_overdraw: bool = False,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction; a repeated ``idempotency_key`` returns the first one.

    Locks the touched accounts (``SELECT … FOR UPDATE`` in id order) for the rest of the
    caller's transaction. ``allow_overdraw`` is only for clawbacks and reversals, which must
    succeed even when the money has already left (the wallet then carries a debt that later
    credits pay first).
    """
    lines = [line for line in lines if line.amount_minor != 0]
    if not lines:
        raise ValueError("a ledger transaction needs at least one non-zero line")
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount_minor, int) or isinstance(line.amount_minor, bool):
            raise TypeError("amounts are integers in minor units")
        currency_validate(line.currency)
        sums[line.currency] += line.amount_minor
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        raise ValueError(f"unbalanced ledger transaction: {unbalanced}")

    with transaction.atomic():
        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        account_ids = sorted({line.account.pk for line in lines})
        locked = {
            a.pk: a
            for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("id")
        }
        # Re-check under the locks: a concurrent poster with the same key may have committed
        # while we waited for them.
        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        deltas: dict[int, int] = defaultdict(int)
        for line in lines:
            deltas[line.account.pk] += line.amount_minor
        if not allow_overdraw:
            for account_id, delta in deltas.items():
                account = locked[account_id]
                if (
                    delta < 0
                    and account.kind in NON_NEGATIVE_KINDS
                    and account.balance_minor + delta < 0
                ):
                    raise InsufficientFunds(_("The balance is too low for this."))
        try:
            # Savepoint: the unique key is the last line of defence against a duplicate that
            # slipped past both reads (it cannot, while we hold the account locks, but a
            # caller touching other accounts with the same key could).
            with transaction.atomic():
                tx = LedgerTransaction.objects.create(
                    idempotency_key=idempotency_key,
                    cause_type=cause_type,
                    cause_id=str(cause_id),
                    memo=memo[:300],
                    reverses=reverses,
                )
        except IntegrityError:
            return LedgerTransaction.objects.get(idempotency_key=idempotency_key)
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    transaction=tx,
                    account=line.account,
                    amount_minor=line.amount_minor,
                    currency=line.currency,
                )
                for line in lines
            ]
        )
        for account_id, delta in deltas.items():
            if delta:
                Account.objects.filter(pk=account_id).update(
                    balance_minor=F("balance_minor") + delta
                )
        return tx


def ledger_reverse(
    *, original: LedgerTransaction, idempotency_key: str, memo: str, cause_type: str
) -> LedgerTransaction:
    """Post the exact opposite of ``original`` (a correction never edits the original)."""
    lines = [Line(e.account, -e.amount_minor) for e in original.entries.select_related("account")]
    return ledger_post(
        idempotency_key=idempotency_key,
        lines=lines,
        memo=memo,
        cause_type=cause_type,
        cause_id=original.cause_id,
        allow_overdraw=True,
        reverses=original,
    )
