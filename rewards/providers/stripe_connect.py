"""Stripe Connect transfers through the official ``stripe`` package.

The payout id is the Idempotency-Key: a retry after a crash gets Stripe's stored answer for
the first request, never a second transfer. ``REWARDS_STRIPE_API_BASE`` points the client
elsewhere (tests run a local fake server; nothing here ever needs the internet in CI).
"""

from __future__ import annotations

import stripe
from django.conf import settings

from rewards.models import Payout
from rewards.providers import SubmitResult, TransientProviderError


def stripe_client() -> stripe.StripeClient:
    base = settings.REWARDS_STRIPE_API_BASE
    return stripe.StripeClient(
        settings.REWARDS_STRIPE_API_KEY,
        base_addresses={"api": base} if base else None,  # type: ignore[typeddict-item]
        # Retries belong to the task (with backoff), not to a loop inside one call.
        max_network_retries=0,
    )


def idempotency_key_for(payout: Payout) -> str:
    return f"payout-{payout.pk}"


class StripeConnectProvider:
    name = "stripe"

    def submit(self, payout: Payout) -> SubmitResult:
        try:
            transfer = stripe_client().v1.transfers.create(
                params={
                    "amount": payout.amount_minor,
                    "currency": payout.currency.lower(),
                    "destination": payout.method.stripe_account_id,
                    "transfer_group": f"payout-{payout.pk}",
                    "metadata": {"payout_id": str(payout.pk)},
                },
                options={"idempotency_key": idempotency_key_for(payout)},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise TransientProviderError(str(exc)) from exc
        except stripe.APIError as exc:
            raise TransientProviderError(str(exc)) from exc
        except (stripe.InvalidRequestError, stripe.PermissionError) as exc:
            # The destination cannot receive this transfer: a final answer, not a retry.
            return SubmitResult(status="failed", failure_reason=str(exc.user_message or exc))
        return SubmitResult(status="paid", reference=str(transfer.id))


def webhook_event_construct(*, payload: bytes, signature: str) -> stripe.Event:
    """Verify Stripe's signature (HMAC over timestamp + body, with a replay window)."""
    return stripe.Webhook.construct_event(
        payload, signature, settings.REWARDS_STRIPE_WEBHOOK_SECRET
    )
