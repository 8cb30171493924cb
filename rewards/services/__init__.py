"""Every write of the rewards app. Split by topic; import from here."""

from __future__ import annotations

from rewards.services.acceptance import thread_rewards_sync
from rewards.services.bounties import bounties_expire, bounty_create
from rewards.services.budget import pending_rewards_release, program_top_up
from rewards.services.payouts import (
    payout_approve,
    payout_mark_failed,
    payout_mark_paid,
    payout_method_create,
    payout_reject,
    payout_request,
    payout_submit,
)

__all__ = [
    "bounties_expire",
    "bounty_create",
    "payout_approve",
    "payout_mark_failed",
    "payout_mark_paid",
    "payout_method_create",
    "payout_reject",
    "payout_request",
    "payout_submit",
    "pending_rewards_release",
    "program_top_up",
    "thread_rewards_sync",
]
