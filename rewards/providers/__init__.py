"""Payout providers behind one interface. Each ``submit`` is idempotent by payout id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rewards.models import Payout, PayoutMethodKind


class TransientProviderError(Exception):
    """The provider could not be reached or answered 5xx/429: retry later, same key."""


@dataclass(frozen=True)
class SubmitResult:
    status: str  # "paid" | "submitted" | "failed"
    reference: str = ""
    failure_reason: str = ""


class PayoutProvider(Protocol):
    name: str

    def submit(self, payout: Payout) -> SubmitResult: ...


def provider_for(kind: str) -> PayoutProvider:
    if kind == PayoutMethodKind.STRIPE:
        from rewards.providers.stripe_connect import StripeConnectProvider

        return StripeConnectProvider()
    if kind == PayoutMethodKind.SEPA:
        from rewards.providers.sepa import SepaFileProvider

        return SepaFileProvider()
    raise ValueError(f"no payout provider for {kind!r}")
