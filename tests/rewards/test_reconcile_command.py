"""`manage.py rewards_reconcile` on a populated ledger (CI runs this after the heavy tests)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forum import services as forum_services
from rewards.models import Account, AccountKind
from rewards.services import payout_method_create, payout_request
from tests.factories import UserFactory
from tests.rewards.conftest import answer, ask, fund_cash


@pytest.fixture
def populated(category, rule, finance, django_capture_on_commit_callbacks):
    askers = [UserFactory() for _ in range(3)]
    helpers = [UserFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for i, (asker, helper) in enumerate(zip(askers, helpers, strict=True)):
            thread = ask(asker, category, f"Question {i} about the paper tray")
            post = answer(thread, helper)
            forum_services.answer_accept(thread=thread, post=post, actor=asker)
        forum_services.answer_unaccept(thread=thread, actor=asker)
    fund_cash(helpers[0], 5000)
    method = payout_method_create(user=helpers[0], kind="stripe", stripe_account_id="acct_H")
    payout_request(user=helpers[0], method_id=method.pk, amount_minor=2000, idempotency_key="1")
    return helpers


def test_the_command_passes_on_a_populated_ledger(populated, capsys):
    call_command("rewards_reconcile")
    assert "no differences" in capsys.readouterr().out


def test_the_command_fails_on_a_corrupted_cached_balance(populated, capsys):
    # Corrupt the cache directly: only a test may do this, to prove the check notices.
    Account.objects.filter(owner=populated[1], kind=AccountKind.USER_POINTS).update(
        balance_minor=999
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("rewards_reconcile")
    assert "difference" in str(excinfo.value)
    assert "cached balance 999 != sum of entries 50" in capsys.readouterr().err


def test_a_difference_maps_to_exit_status_one(populated):
    # manage.py (BaseCommand.run_from_argv) exits with CommandError.returncode; running it
    # through ManagementUtility here would close the test's database connection.
    Account.objects.filter(owner=populated[1], kind=AccountKind.USER_POINTS).update(balance_minor=1)
    with pytest.raises(CommandError) as excinfo:
        call_command("rewards_reconcile")
    assert excinfo.value.returncode == 1
