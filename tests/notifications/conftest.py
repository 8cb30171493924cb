from __future__ import annotations

import pytest

from forum import services as forum_services


@pytest.fixture
def question(customer, category, django_capture_on_commit_callbacks):
    # The events of thread creation are dispatched, as in production, after commit.
    with django_capture_on_commit_callbacks(execute=True):
        return forum_services.thread_create(
            author=customer,
            category=category,
            title="Printer blinks orange after update",
            body="It blinks orange and will not print anything at all.",
        )


@pytest.fixture
def answer_on(django_capture_on_commit_callbacks):
    """Post an answer through the real service and deliver its events."""

    def post(thread, author, body="Replace the ink cartridge, it is empty."):
        with django_capture_on_commit_callbacks(execute=True):
            return forum_services.answer_create(thread=thread, author=author, body=body)

    return post
