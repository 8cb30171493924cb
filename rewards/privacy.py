"""Rewards' part of a data export / erasure (see accounts.privacy).

Ledger rows and payouts are kept after an erasure (bookkeeping law); they stay attached
to the now pseudonymous account. Bank and Stripe details are personal data and are wiped.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from rewards.models import Account, LedgerEntry, Payout, PayoutMethod


def export_user(user: User) -> dict[str, Any]:
    accounts = list(
        Account.objects.filter(owner=user).values("id", "kind", "currency", "balance_minor")
    )
    return {
        "accounts": accounts,
        "ledger_entries": list(
            LedgerEntry.objects.filter(account__owner=user)
            .order_by("id")
            .values(
                "account_id",
                "amount_minor",
                "currency",
                "created_at",
                "transaction__memo",
                "transaction__cause_type",
                "transaction__cause_id",
            )
        ),
        "payout_methods": list(
            PayoutMethod.objects.filter(user=user).values(
                "kind", "holder_name", "iban", "bic", "stripe_account_id", "is_active", "created_at"
            )
        ),
        "payouts": list(
            Payout.objects.filter(user=user)
            .order_by("id")
            .values("amount_minor", "currency", "state", "requested_at", "finished_at")
        ),
    }


def erase_user(user: User) -> None:
    PayoutMethod.objects.filter(user=user).update(
        holder_name="", iban="", bic="", stripe_account_id="", is_active=False
    )
