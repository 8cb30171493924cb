"""The demo's reward program: `make run` shows wallets, grants and a balanced ledger."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_demo_earns_rewards_through_the_real_handlers_and_the_books_balance(
    django_capture_on_commit_callbacks,
):
    from rewards.models import GrantStatus, Program, RewardGrant
    from rewards.selectors import ledger_reconcile, wallet_for

    call_command("rewards_demo_program", stdout=StringIO())
    call_command("rewards_demo_program", stdout=StringIO())  # a second run adds nothing
    assert Program.objects.count() == 1 and Program.objects.get().rules.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    credited = RewardGrant.objects.filter(status=GrantStatus.CREDITED)
    assert credited.count() >= 10  # one per non-self accepted demo answer, at least
    earner = credited.first().user_id
    wallet = wallet_for(user_id=earner)
    assert wallet.points >= 10 and wallet.cash_balance >= 200
    assert ledger_reconcile() == []
