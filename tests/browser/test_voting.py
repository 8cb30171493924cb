"""A customer votes on an answer from a phone: one form, two buttons, no JavaScript needed."""

from __future__ import annotations

import pytest

from forum import services as forum_services
from tests.browser_helpers import log_in
from tests.factories import CategoryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_upvotes_and_takes_the_vote_back_on_a_phone(new_page, live_server, artifacts):
    category = CategoryFactory(name="Printers", slug="printers")
    asker = UserFactory(roles=["customer"])
    helper = UserFactory(roles=["customer"])
    voter = UserFactory(email="vera@example.com", roles=["customer"])
    voter.set_password("a-long-Secret-4711")
    voter.save()
    thread = forum_services.thread_create(
        author=asker, category=category, title="Scanner stops after the first page",
        body="The feeder takes one page and then reports an error.",
    )  # fmt: skip
    answer = forum_services.answer_create(
        thread=thread, author=helper, body="Clean the feeder rollers with a damp cloth."
    )

    phone = new_page(width=375, height=812)
    log_in(phone, "vera@example.com", "a-long-Secret-4711")
    phone.goto(thread.get_absolute_url())
    column = phone.locator(f"#answer-{answer.pk} .vote-column")
    up, score, down = (column.locator(s) for s in (".vote-up", ".score", ".vote-down"))
    # The buttons still stack around the score as before the forms were merged.
    boxes = [element.bounding_box() for element in (up, score, down)]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert abs(boxes[0]["x"] - boxes[2]["x"]) < 1

    up.click()
    phone.wait_for_load_state()
    assert column.locator(".score").inner_text().startswith("1")
    assert column.locator(".vote-up").get_attribute("aria-pressed") == "true"
    # Back at the answer's anchor, its buttons are not hidden under the sticky header.
    header = phone.locator(".site-header").bounding_box()
    assert column.locator(".vote-up").bounding_box()["y"] >= header["y"] + header["height"]
    phone.screenshot(path=str(artifacts / "vote-phone.png"))

    column.locator(".vote-up").click()
    phone.wait_for_load_state()
    assert column.locator(".score").inner_text().startswith("0")
    assert column.locator(".vote-up").get_attribute("aria-pressed") == "false"
    assert phone.console_errors == []
