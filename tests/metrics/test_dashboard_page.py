"""The staff dashboard page, its CSV export and its API: who may see them, what they show,
and how many queries they cost."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics import services
from metrics.models import DailyRollup
from tests.factories import CategoryFactory, UserFactory
from tests.metrics.conftest import TODAY

MARCH = "?period=custom&start=2026-03-01&end=2026-03-09"


@pytest.fixture
def manager_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(display_name="Mia Manager", roles=["community_manager"]))
    return client


@pytest.fixture
def rebuilt(history):
    with time_machine.travel(TODAY, tick=False):
        services.rollups_rebuild(since=date(2026, 3, 1))
    return history


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("metrics:dashboard"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_customer_may_not_see_the_dashboard_or_its_export(customer_client):
    assert customer_client.get(reverse("metrics:dashboard")).status_code == 403
    assert customer_client.get(reverse("metrics:export")).status_code == 403


def test_staff_see_the_figures_and_two_svg_charts(staff_client, rebuilt):
    with time_machine.travel(TODAY, tick=False):
        response = staff_client.get(reverse("metrics:dashboard") + MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="asked">4<' in html
    assert 'data-kpi="solved">3<' in html
    assert 'data-kpi="community-share">33.3 %<' in html
    assert html.count("<svg") == 2
    assert "Erika Expert" in html
    assert "static/js/dashboard-charts.js" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_the_category_filter_narrows_the_figures(staff_client, rebuilt):
    with time_machine.travel(TODAY, tick=False):
        response = staff_client.get(reverse("metrics:dashboard") + MARCH + "&category=scanners")
    assert 'data-kpi="asked">1<' in response.content.decode()


def test_a_bad_date_range_falls_back_to_the_default_period_and_says_why(staff_client, db):
    response = staff_client.get(
        reverse("metrics:dashboard") + "?period=custom&start=2026-03-09&end=2026-03-01"
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_the_page_costs_the_same_queries_for_ten_days_or_ten_years(manager_client, db):
    """11 queries: session, user, roles (groups), first rollup date, totals aggregate,
    histograms, chart series, top experts, their names, notification bell count (base
    template), categories of the filter form. None of them grows with the number of rows."""
    categories = [CategoryFactory() for _ in range(3)]
    url = reverse("metrics:dashboard") + "?period=all"

    def fill(days: int) -> int:
        DailyRollup.objects.all().delete()
        today = timezone.localdate()
        DailyRollup.objects.bulk_create(
            DailyRollup(
                date=today - timedelta(days=i), category=cat, questions_asked=3,
                first_answer_histogram={"5": 2}, accepted_histogram={"9": 1},
            )
            for i in range(days)
            for cat in [None, *categories]
        )  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            assert manager_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small, large = fill(10), fill(3650)
    assert small == large
    assert small <= 12


def test_the_csv_export_has_one_row_per_day(staff_client, rebuilt):
    with time_machine.travel(TODAY, tick=False):
        response = staff_client.get(reverse("metrics:export") + MARCH)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["date", "questions_asked", "questions_answered"]
    assert len(rows) == 1 + 9
    by_date = {row[0]: row for row in rows[1:]}
    assert by_date["2026-03-02"][1] == "2"


def test_the_api_gives_the_same_figures_to_staff(staff_client, rebuilt):
    with time_machine.travel(TODAY, tick=False):
        response = staff_client.get("/api/v1/metrics/" + MARCH)
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["questions_asked"] == 4
    assert body["figures"]["community_share"] == pytest.approx(1 / 3)
    assert body["top_experts"][0]["username"] == "erika"
    assert body["first_answer"]["median_seconds"] > 0
    assert body["granularity"] == "day"


def test_the_api_refuses_customers_and_anonymous_callers_in_the_error_shape(
    customer_client, client, db
):
    forbidden = customer_client.get("/api/v1/metrics/")
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "permission_denied"
    assert client.get("/api/v1/metrics/").status_code == 401


def test_the_api_rejects_a_bad_period_with_field_errors(staff_client, db):
    response = staff_client.get("/api/v1/metrics/?period=custom&start=2026-03-09&end=2026-03-01")
    assert response.status_code == 400
    assert "end" in response.json()["error"]["fields"]


def test_the_api_costs_constant_queries(staff_client, rebuilt, django_assert_max_num_queries):
    # session, user, roles, first rollup date, totals, histograms, series, experts, names
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(9):
        staff_client.get("/api/v1/metrics/?period=all")


def test_chart_coordinates_stay_plain_numbers_in_german(db, rebuilt):
    """German formats 232.0 as "232,0", which is not an SVG length."""
    manager = UserFactory(locale="de", roles=["community_manager"])
    client = Client()
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        html = client.get(reverse("metrics:dashboard") + MARCH).content.decode()
    assert "Gestellte Fragen" in html
    svg = html[html.index("<svg") : html.rindex("</svg>")]
    assert not re.search(r'(x|y|width|height|y1|y2)="-?\d+,\d', svg)
