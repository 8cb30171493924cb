"""Rewards pages under ``/rewards/`` (namespace "rewards")."""

from __future__ import annotations

from django.urls import path

from rewards import views

app_name = "rewards"

urlpatterns = [
    path("", views.earnings, name="earnings"),
    path("payouts/request/", views.payout_request_view, name="payout_request"),
    path("methods/add/", views.method_add, name="method_add"),
    path("bounties/offer/<int:thread_pk>/", views.bounty_offer, name="bounty_offer"),
    path("finance/", views.finance, name="finance"),
    path("finance/payouts/<int:pk>/approve/", views.finance_approve, name="finance_approve"),
    path("finance/payouts/<int:pk>/reject/", views.finance_reject, name="finance_reject"),
    path("finance/programs/<int:pk>/top-up/", views.finance_top_up, name="finance_top_up"),
    path("finance/sepa/batch/", views.finance_sepa_batch, name="finance_sepa_batch"),
    path(
        "finance/sepa/<int:pk>/download/", views.finance_sepa_download, name="finance_sepa_download"
    ),
    path("finance/sepa/<int:pk>/paid/", views.finance_sepa_paid, name="finance_sepa_paid"),
    path("finance/export/ledger.csv", views.export_ledger, name="export_ledger"),
    path("finance/export/payouts.csv", views.export_payouts, name="export_payouts"),
]
