from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import CategoryFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django must still allow
# its synchronous ORM calls there (the live server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks queued on commit run in-process through Celery's real task machinery."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(db):
    return UserFactory(display_name="Carla Customer", roles=["customer"])


@pytest.fixture
def other_customer(db):
    return UserFactory(display_name="Otto Other", roles=["customer"])


@pytest.fixture
def expert(db):
    return UserFactory(display_name="Erika Expert", roles=["customer"])


@pytest.fixture
def staff(db):
    return UserFactory(display_name="Sam Staff", roles=["moderator", "support"])


@pytest.fixture
def category(db):
    return CategoryFactory(name="Printers", slug="printers")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def customer_client(customer) -> Client:
    return _client_for(customer)


@pytest.fixture
def expert_client(expert) -> Client:
    return _client_for(expert)


@pytest.fixture
def staff_client(staff) -> Client:
    return _client_for(staff)


# --- Browser tests ----------------------------------------------------------------------------
# Playwright with Debian's Chromium (never a downloaded browser). One Playwright instance per
# test process: the sync API allows only one at a time. Without /usr/bin/chromium the browser
# tests are skipped, unless REQUIRE_BROWSER=1 (CI), in which case they fail: CI must not
# pass by silently skipping the journeys.

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing (install Debian's chromium: `make browser-deps`)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def still_clock() -> Iterator[None]:
    """Time stands still for the test: django-ratelimit counts in fixed windows, and a
    slow run that crosses a window's end restarts the count (seen once in CI under load).
    """
    import time_machine

    with time_machine.travel("2026-06-01 12:00:00+00:00", tick=False):
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but the playwright package is missing", pytrace=False)
        pytest.skip("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (own cookies) on the live server; collect console
    errors, which include every Content-Security-Policy violation."""
    contexts = []

    def open_page(*, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, locale="en-GB"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
