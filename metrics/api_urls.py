from __future__ import annotations

from django.urls import path

from metrics import api

urlpatterns = [
    path("metrics/", api.MetricsSummaryApi.as_view(), name="metrics_summary"),
]
