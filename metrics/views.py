"""Staff dashboard pages: parse filters -> check permission -> one selector -> render."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from metrics import charts, selectors
from metrics.forms import DashboardFilterForm
from metrics.permissions import can_view_dashboard


def _filters(request: HttpRequest) -> DashboardFilterForm:
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    form = DashboardFilterForm(request.GET, history_start=selectors.rollup_first_date())
    if not form.is_valid():
        # Bad input falls back to the default period; the form shows its errors.
        fallback = DashboardFilterForm({}, history_start=None)
        fallback.is_valid()
        form.cleaned_data = {**fallback.cleaned_data, "category": None}
    return form


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    period = form.to_period()
    data = selectors.dashboard_get(period=period)
    return render(
        request,
        "metrics/dashboard.html",
        {
            "form": form,
            "dash": data,
            "figures": data.figures,
            "totals": data.totals,
            "activity_chart": charts.activity_chart(data.series, period.granularity),
            "response_chart": charts.response_time_chart(data.first_answer_histogram),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    period = form.to_period()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="community-metrics-{period.since}-{period.until}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(selectors.CSV_FIELDS)
    for row in selectors.rollup_rows(period=period).iterator(chunk_size=2000):
        writer.writerow(row)
    return response
