from __future__ import annotations

import pytest

from forum import services as forum_services
from tests.factories import UserFactory


@pytest.fixture
def moderator(db):
    return UserFactory(display_name="Mona Moderator", roles=["moderator"])


@pytest.fixture
def thread(customer, category):
    return forum_services.thread_create(
        author=customer,
        category=category,
        title="The printer prints blank pages",
        body="Every page comes out blank since the update.",
    )


@pytest.fixture
def answer(thread, other_customer):
    return forum_services.answer_create(
        thread=thread, author=other_customer, body="Reinstall the driver from the website."
    )


@pytest.fixture
def make_users(db):
    def make(n: int):
        return [UserFactory(roles=["customer"]) for _ in range(n)]

    return make
