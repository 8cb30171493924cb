from __future__ import annotations

import os

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
