"""Steps that browser tests share (the fixtures are in tests/conftest.py)."""

from __future__ import annotations

import re


def log_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real allauth form and wait for the home page."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
