"""The asker puts a bounty on their question from the thread page, on a phone."""

from __future__ import annotations

import re

import pytest

from forum import services as forum_services
from tests.browser_helpers import log_in
from tests.factories import CategoryFactory, UserFactory
from tests.rewards.conftest import fund_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_asker_offers_a_bounty_on_a_phone(new_page, live_server, artifacts):
    category = CategoryFactory(name="Printers", slug="printers")
    asker = UserFactory(email="paula@example.com", roles=["customer"])
    asker.set_password("a-long-Secret-4711")
    asker.save()
    fund_points(asker, 200)
    thread = forum_services.thread_create(
        author=asker, category=category, title="Scanner stops after the first page",
        body="The feeder takes one page and then reports an error.",
    )  # fmt: skip

    phone = new_page(width=375, height=812)
    log_in(phone, "paula@example.com", "a-long-Secret-4711")

    phone.goto(thread.get_absolute_url())
    phone.click("text=Offer a bounty to draw more answers")
    assert phone.locator(".bounty-form .help").inner_text().startswith("You have 200 PTS")
    phone.fill("#bounty-amount", "75")
    phone.fill("#bounty-days", "5")
    phone.click(".bounty-form button[type=submit]")
    phone.wait_for_url(re.compile(rf"/t/{thread.pk}/"))
    banner = phone.locator("[data-testid=bounty]")
    assert "Bounty: 75 PTS" in banner.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts / "bounty-phone.png"), full_page=True)
    assert phone.console_errors == []
