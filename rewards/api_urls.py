"""Rewards endpoints, included under ``/api/v1/`` (namespace "api") by config.urls."""

from __future__ import annotations

from django.urls import path

from rewards import api

urlpatterns = [
    path("rewards/wallet/", api.WalletApi.as_view(), name="rewards_wallet"),
    path("rewards/payouts/", api.PayoutListCreateApi.as_view(), name="rewards_payouts"),
    path("rewards/methods/", api.PayoutMethodListCreateApi.as_view(), name="rewards_methods"),
    path("rewards/bounties/", api.BountyCreateApi.as_view(), name="rewards_bounties"),
    path(
        "rewards/finance/payouts/",
        api.FinancePayoutListApi.as_view(),
        name="rewards_finance_payouts",
    ),
    path(
        "rewards/finance/payouts/<int:pk>/approve/",
        api.PayoutApproveApi.as_view(),
        name="rewards_payout_approve",
    ),
    path(
        "rewards/finance/payouts/<int:pk>/reject/",
        api.PayoutRejectApi.as_view(),
        name="rewards_payout_reject",
    ),
    path("rewards/webhooks/stripe/", api.StripeWebhookApi.as_view(), name="rewards_stripe_webhook"),
]
