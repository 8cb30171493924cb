"""Celery entry points of rewards (routed to the "money" queue). Each takes ids, calls one
service, and is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from rewards.providers import TransientProviderError

logger = logging.getLogger(__name__)


@shared_task(
    name="rewards.tasks.submit_payout",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    time_limit=120,
    soft_time_limit=90,
)
def submit_payout(self, payout_id: int) -> str:  # type: ignore[no-untyped-def]
    from rewards.services.payouts import payout_submit

    try:
        return payout_submit(payout_id=payout_id)
    except TransientProviderError as exc:
        # Same payout id, same provider idempotency key: a retry never pays twice.
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(name="rewards.tasks.release_pending_rewards", acks_late=True)
def release_pending_rewards(program_id: int | None = None) -> int:
    from rewards.services.budget import pending_rewards_release

    return pending_rewards_release(program_id=program_id)


@shared_task(name="rewards.tasks.expire_bounties", acks_late=True)
def expire_bounties() -> int:
    from rewards.services.bounties import bounties_expire

    return bounties_expire()


@shared_task(name="rewards.tasks.resubmit_stuck_payouts", acks_late=True)
def resubmit_stuck_payouts() -> int:
    from core.tasks_queue import enqueue_on_commit
    from rewards.services.payouts import payouts_stuck

    ids = payouts_stuck(older_than=timedelta(minutes=15))
    for payout_id in ids:
        enqueue_on_commit("rewards.tasks.submit_payout", payout_id)
    return len(ids)
