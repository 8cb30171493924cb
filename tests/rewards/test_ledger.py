from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rewards.ledger import InsufficientFunds, Line, ledger_post, system_account, user_account
from rewards.models import (
    Account,
    AccountKind,
    AppendOnlyError,
    LedgerEntry,
    LedgerTransaction,
)
from rewards.selectors import ledger_reconcile


def _credit(user, amount, key="k1", currency="EUR"):
    return ledger_post(
        idempotency_key=key,
        lines=[
            Line(user_account(user_id=user.pk, currency=currency), amount),
            Line(system_account(kind=AccountKind.PROGRAM_BUDGET, currency=currency), -amount),
        ],
        memo="test",
        cause_type="adjustment",
    )


def test_a_balanced_posting_updates_the_cached_balances(expert):
    _credit(expert, 500)
    wallet = user_account(user_id=expert.pk, currency="EUR")
    wallet.refresh_from_db()
    assert wallet.balance_minor == 500
    assert system_account(kind=AccountKind.PROGRAM_BUDGET, currency="EUR").balance_minor == -500
    assert ledger_reconcile() == []


def test_the_same_idempotency_key_twice_posts_once(expert):
    first = _credit(expert, 500)
    second = _credit(expert, 500)
    assert first.pk == second.pk
    assert LedgerTransaction.objects.count() == 1
    assert user_account(user_id=expert.pk, currency="EUR").balance_minor == 500


def test_an_unbalanced_posting_is_refused_and_writes_nothing(expert):
    with pytest.raises(ValueError, match="unbalanced"):
        ledger_post(
            idempotency_key="bad",
            lines=[Line(user_account(user_id=expert.pk, currency="EUR"), 100)],
            memo="x",
            cause_type="adjustment",
        )
    assert not LedgerTransaction.objects.exists()


def test_float_amounts_are_refused(expert):
    with pytest.raises(TypeError):
        _credit(expert, 1.5)


def test_an_unknown_currency_is_refused(expert):
    with pytest.raises(ValidationError):
        user_account(user_id=expert.pk, currency="XYZ")


def test_a_wallet_cannot_be_overdrawn_without_a_clawback(expert):
    _credit(expert, 100)
    with pytest.raises(InsufficientFunds):
        _credit(expert, -101, key="k2")
    assert user_account(user_id=expert.pk, currency="EUR").balance_minor == 100


def test_ledger_rows_cannot_be_edited_or_deleted(expert):
    tx = _credit(expert, 100)
    entry = LedgerEntry.objects.first()
    entry.amount_minor = 5
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        tx.delete()
    assert Account.objects.get(owner=expert).balance_minor == 100
