"""A community manager opens the dashboard over the imported beer.stackexchange history
(or seeded dated threads when the dump or importer is missing) and sees figures and charts."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from forum.models import Post, Thread, ThreadStatus
from tests.browser_helpers import log_in
from tests.factories import CategoryFactory, PostFactory, ThreadFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEER_DUMP = Path("/work/shared/data/stackexchange/beer.stackexchange.com")


def _import_or_seed() -> str:
    """Returns "import" or "seed": what the history came from."""
    from django.core.management import get_commands

    if BEER_DUMP.is_dir() and "import_stackexchange" in get_commands():
        call_command("import_stackexchange", str(BEER_DUMP), no_progress=True, no_index=True)
        return "import"
    category = CategoryFactory(name="Beer", slug="beer")
    expert = UserFactory(display_name="Brewmaster", username="brewmaster")
    start = timezone.now() - timedelta(days=400)
    for i in range(120):
        asked = start + timedelta(days=i * 3, hours=i % 7)
        thread = ThreadFactory(category=category, created_at=asked)
        answer = PostFactory(
            thread=thread, author=expert, created_at=asked + timedelta(hours=i % 30 + 1)
        )
        thread.first_answer_at = answer.created_at
        if i % 3:
            Post.objects.filter(pk=answer.pk).update(
                is_accepted=True, accepted_at=asked + timedelta(days=1)
            )
            thread.accepted_answer_id = answer.pk
            thread.status = ThreadStatus.SOLVED
            thread.solved_at = asked + timedelta(days=1)
        thread.save()
    return "seed"


def test_a_manager_sees_the_history_as_figures_and_charts(new_page, live_server, artifacts):
    source = _import_or_seed()
    call_command("metrics_rebuild", verbosity=0)
    asked_total = Thread.objects.filter(is_deleted=False).count()
    UserFactory(email="mia@example.com", display_name="Mia Manager", roles=["community_manager"])

    page = new_page(width=1280, height=1000)
    log_in(page, "mia@example.com", "correct-horse-battery")

    page.goto("/staff/dashboard/?period=all")
    assert page.locator("h1").inner_text() == "Community dashboard"
    assert int(page.locator("[data-kpi=asked]").inner_text().replace(",", "")) == asked_total
    assert int(page.locator("[data-kpi=solved]").inner_text().replace(",", "")) > 0
    assert "%" in page.locator("[data-kpi=community-share]").inner_text()
    assert page.locator("svg[data-chart=activity] rect.bar-community").count() > 10
    assert page.locator("svg[data-chart=response] rect.bar-response").count() > 10
    assert page.locator("[data-table=experts] tbody tr").count() >= 3 if source == "import" else 1

    # The hover read-out comes from the static script (no inline script under the CSP).
    page.locator("svg[data-chart=activity] .bar-group").nth(3).hover()
    assert "asked" in page.locator(".dash-chart .chart-readout").first.inner_text()
    page.screenshot(path=str(artifacts / "metrics-dashboard.png"), full_page=True)
    assert page.console_errors == []

    # Narrowing to a custom range keeps the page working and daily bars.
    page.select_option("select[name=period]", "30d")
    page.click(".dash-filters button[type=submit]")
    page.wait_for_url(re.compile(r"period=30d"))
    assert page.locator("svg[data-chart=activity]").count() == 1
