"""Swagger UI really runs in a browser under the site's CSP: no violation is reported and
the operations are rendered from the schema."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_swagger_page_renders_the_api_without_csp_violations(browser, live_server):
    problems: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" or "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server.url}/api/docs/")
        # An operation block only appears once the init script ran and loaded the schema.
        page.wait_for_selector("#operations-threads-threads_list", timeout=15_000)
        assert (
            page.locator(".swagger-ui .info .title").inner_text().startswith("Help Community API")
        )
    finally:
        context.close()
    assert problems == []
