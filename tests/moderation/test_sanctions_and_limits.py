"""Silencing and suspending people; limits on new accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.exceptions import PermissionDenied
from forum import permissions
from forum import services as forum_services
from forum.models import Flag, FlagReason, Post, Thread, UserSanction
from forum.moderation import services


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_a_silenced_person_can_read_but_not_ask_answer_or_vote(
    moderator, other_customer, thread, answer, customer
):
    services.user_sanction(
        moderator=moderator, user=customer, kind="silence", days=3, reason="Insults"
    )
    user = _fresh(customer)
    assert not permissions.can_ask(user)
    assert not permissions.can_answer(user, thread)
    assert not permissions.can_vote(user, answer)
    assert permissions.can_view_thread(user, thread)
    with pytest.raises(PermissionDenied):
        forum_services.answer_create(thread=thread, author=user, body="Still here to shout.")


def test_a_suspended_person_may_not_accept_or_edit_either(moderator, customer, thread):
    services.user_sanction(moderator=moderator, user=customer, kind="suspend", days=3, reason="x")
    user = _fresh(customer)
    assert not permissions.can_accept(user, thread)
    assert not permissions.can_edit_thread(user, thread)


def test_the_reason_is_shown_to_the_person(moderator, customer, customer_client):
    services.user_sanction(
        moderator=moderator, user=customer, kind="silence", days=3, reason="Repeated spam links"
    )
    response = customer_client.get("/moderation/me/")
    assert response.status_code == 200
    assert "Repeated spam links" in response.content.decode()


def test_a_sanction_ends_by_itself_when_its_time_is_up(moderator, customer):
    services.user_sanction(moderator=moderator, user=customer, kind="silence", days=1, reason="x")
    assert not permissions.can_ask(_fresh(customer))
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert services.sanctions_expire() == 1
    assert permissions.can_ask(_fresh(customer))


def test_lifting_a_sanction_restores_posting(moderator, customer):
    sanction = services.user_sanction(
        moderator=moderator, user=customer, kind="silence", days=5, reason="x"
    )
    services.user_sanction_lift(moderator=moderator, sanction=sanction)
    assert permissions.can_ask(_fresh(customer))
    assert UserSanction.objects.get().lifted_at is not None


def test_a_customer_cannot_sanction_anyone(customer, other_customer):
    with pytest.raises(PermissionDenied):
        services.user_sanction(
            moderator=customer, user=other_customer, kind="silence", days=1, reason="x"
        )
    assert not UserSanction.objects.exists()


@pytest.fixture
def new_account_rules(settings):
    settings.MODERATION_NEW_ACCOUNT_DAYS = 3
    settings.MODERATION_NEW_ACCOUNT_MAX_LINKS = 2
    settings.MODERATION_NEW_ACCOUNT_POSTS_PER_HOUR = 3


def test_a_new_accounts_answer_with_many_links_is_held_for_review(
    new_account_rules, thread, other_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = forum_services.answer_create(
            thread=thread, author=other_customer,
            body="See http://a.example http://b.example and http://c.example",
        )  # fmt: skip
    assert Post.objects.get(pk=post.pk).is_hidden
    assert Flag.objects.get(post=post).reason == FlagReason.REVIEW


def test_a_new_account_posting_too_fast_is_held_for_review(
    new_account_rules, customer, category, django_capture_on_commit_callbacks
):
    held = []
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            t = forum_services.thread_create(
                author=customer, category=category, title=f"Question number {n} about ink",
                body="The ink runs out far too fast, why?",
            )  # fmt: skip
        held.append(Thread.objects.get(pk=t.pk).is_hidden)
    assert held == [False, False, False, True, True]


def test_first_posts_can_be_premoderated(
    new_account_rules, settings, customer, category, django_capture_on_commit_callbacks
):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = True
    with django_capture_on_commit_callbacks(execute=True):
        t = forum_services.thread_create(
            author=customer, category=category, title="My very first question",
            body="Hello, how do I change the toner?",
        )  # fmt: skip
    assert Thread.objects.get(pk=t.pk).is_hidden
    assert Flag.objects.filter(thread=t, reason=FlagReason.REVIEW).exists()


def test_the_thread_page_links_a_silenced_person_to_the_reason(moderator, customer, thread):
    from django.test import Client

    services.user_sanction(moderator=moderator, user=customer, kind="silence", days=1, reason="x")
    client = Client()
    client.force_login(customer)
    page = client.get(f"/t/{thread.pk}/").content.decode()
    assert "/moderation/me/" in page
