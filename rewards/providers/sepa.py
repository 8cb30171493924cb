"""SEPA credit transfers as pain.001 files (sepaxml). Submitting only queues the payout for
the next batch; finance downloads the batch, uploads it to the bank and marks it paid."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rewards.models import Payout, PayoutMethodKind, PayoutState, SepaBatch
from rewards.providers import SubmitResult


class SepaFileProvider:
    name = "sepa"

    def submit(self, payout: Payout) -> SubmitResult:
        return SubmitResult(status="submitted")


def sepa_batch_create(*, actor) -> SepaBatch | None:  # type: ignore[no-untyped-def]
    """Put every submitted, unbatched SEPA payout into one pain.001 file."""
    from sepaxml import SepaTransfer

    with transaction.atomic(durable=True):
        payouts = list(
            Payout.objects.select_for_update(of=("self",))
            .select_related("method", "user")
            .filter(
                state=PayoutState.SUBMITTED, method__kind=PayoutMethodKind.SEPA, batch__isnull=True
            )
            .order_by("id")
        )
        if not payouts:
            return None
        debtor = settings.REWARDS_SEPA_DEBTOR
        sepa = SepaTransfer(
            {
                "name": debtor["name"],
                "IBAN": debtor["IBAN"],
                "BIC": debtor["BIC"],
                "batch": True,
                "currency": settings.REWARDS_CASH_CURRENCY,
            },
            clean=True,
        )
        today = timezone.localdate() + datetime.timedelta(days=1)
        for payout in payouts:
            payment = {
                "name": payout.method.holder_name,
                "IBAN": payout.method.iban,
                "amount": int(payout.amount_minor),
                "execution_date": today,
                "description": f"Community reward payout {payout.pk}",
                "endtoend_id": f"PAYOUT{payout.pk}",
            }
            if payout.method.bic:
                payment["BIC"] = payout.method.bic
            sepa.add_payment(payment)
        xml = sepa.export(validate=True).decode()
        message_id = str(sepa.msg_id)
        batch = SepaBatch.objects.create(created_by=actor, message_id=message_id, xml=xml)
        Payout.objects.filter(pk__in=[p.pk for p in payouts]).update(
            batch=batch, provider_reference=f"sepa:{message_id}"
        )
        return batch


def sepa_batch_mark_paid(*, batch_id: int) -> int:
    """The bank executed the file: every payout in it is paid (each a CAS, so twice is once)."""
    from rewards.services.payouts import payout_mark_paid

    paid = 0
    for payout_id in Payout.objects.filter(batch_id=batch_id).values_list("pk", flat=True):
        paid += payout_mark_paid(payout_id=payout_id)
    SepaBatch.objects.filter(pk=batch_id, marked_paid_at__isnull=True).update(
        marked_paid_at=timezone.now()
    )
    return paid
