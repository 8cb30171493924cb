"""A customer asks, another answers, the asker accepts: the whole journey in a browser."""

from __future__ import annotations

import re

import pytest

from tests.browser_helpers import log_in
from tests.factories import CategoryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION_TITLE = "Printer shows paper jam but nothing is stuck"


def _log_out(page) -> None:
    page.click(".user-menu summary")
    page.click(".user-menu-list button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("a", has_text="Log in").first.is_visible()


def test_ask_answer_accept_journey(new_page, live_server, artifacts):
    CategoryFactory(name="Printers", slug="printers", description="Ink, paper and scanning.")
    helper = UserFactory(
        email="helper@example.com", display_name="Hanna Helper", roles=["customer"]
    )

    # 1. A new customer signs up through the real allauth form and is signed in.
    asker = new_page()
    asker.goto("/")
    asker.click("text=Sign up")
    asker.fill("input[name=display_name]", "Paula Printer")
    asker.fill("input[name=email]", "paula@example.com")
    asker.fill("input[name=password1]", "a-long-Secret-4711")
    asker.fill("input[name=password2]", "a-long-Secret-4711")
    asker.click("form.allauth-form button[type=submit]")
    asker.wait_for_url(re.compile(r"/$"))
    assert asker.locator(".user-menu-name").inner_text() == "Paula Printer"

    # 2. She asks a question.
    asker.click(".main-nav >> text=Ask a question")
    asker.fill("input[name=title]", QUESTION_TITLE)
    asker.select_option("select[name=category]", label="Printers")
    asker.fill(
        "textarea[name=body]",
        "The P-500 says **paper jam**, but the tray and the rear cover are empty.",
    )
    asker.click("form >> text=Post your question")
    asker.wait_for_url(re.compile(r"/t/\d+/$"))
    thread_url = asker.url
    assert asker.locator(".message-success").inner_text() == "Your question is posted."
    assert asker.locator("h1").inner_text() == QUESTION_TITLE
    assert asker.locator(".question-head .badge").first.inner_text() == "Open"
    _log_out(asker)

    # 3. Another customer answers.
    answerer = new_page()
    log_in(answerer, helper.email, "correct-horse-battery")
    answerer.goto(thread_url)
    answerer.fill("textarea[name=body]", "Remove the rear cover and look for a torn scrap.")
    answerer.click("form >> text=Post your answer")
    answerer.wait_for_load_state()
    assert "Thank you! Your answer is posted." in answerer.locator(".messages").inner_text()
    assert answerer.locator(".question-head .badge").first.inner_text() == "Answered"
    answerer.fill("textarea[name=body]", "Also try switching it off and on again.")
    answerer.click("form >> text=Post your answer")
    answerer.wait_for_load_state()

    # 4. The asker logs in again and accepts the first answer.
    log_in(asker, "paula@example.com", "a-long-Secret-4711")
    asker.goto(thread_url)
    first_answer = asker.locator("article.answer", has_text="torn scrap")
    first_answer.locator("button", has_text="Accept this answer").click()
    asker.wait_for_load_state()

    # 5. The thread is solved and the accepted answer is on top, marked "Accepted".
    assert "Marked as the accepted answer" in asker.locator(".messages").inner_text()
    assert asker.locator(".question-head .badge").first.inner_text() == "Solved"
    answers = asker.locator("article.answer")
    assert answers.count() == 2
    assert "torn scrap" in answers.nth(0).inner_text()
    assert "Accepted" in answers.nth(0).locator(".post-label").inner_text()
    assert "answer-accepted" in (answers.nth(0).get_attribute("class") or "")
    assert "off and on again" in answers.nth(1).inner_text()
    asker.screenshot(path=str(artifacts / "journey-thread.png"), full_page=True)

    # The same page on a phone, for a human (and the design review) to look at.
    phone = new_page(width=375, height=812)
    log_in(phone, "paula@example.com", "a-long-Secret-4711")
    phone.goto(thread_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artifacts / "journey-thread-phone.png"), full_page=True)

    # No Content-Security-Policy violation or script error on any page of the journey.
    assert asker.console_errors == []
    assert answerer.console_errors == []
    assert phone.console_errors == []
