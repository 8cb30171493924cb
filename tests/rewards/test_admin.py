from __future__ import annotations

from django.test import Client
from django.urls import reverse

from rewards.models import LedgerTransaction
from tests.factories import UserFactory
from tests.rewards.conftest import fund_cash


def test_the_ledger_is_read_only_in_the_admin_even_for_superusers(db, expert):
    fund_cash(expert, 100)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    tx = LedgerTransaction.objects.get()
    change = client.get(reverse("admin:rewards_ledgertransaction_change", args=[tx.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    delete = client.post(
        reverse("admin:rewards_ledgertransaction_delete", args=[tx.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert LedgerTransaction.objects.count() == 1
