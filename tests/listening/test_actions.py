"""Staff actions on listened items, and the counts the value dashboard reads."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from core.exceptions import Conflict, PermissionDenied, ValidationError
from forum.models import Thread, ThreadStatus
from listening import selectors, services
from listening.models import ActionKind, Item, ItemState, ListeningAction, Source, SourceKind
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(category) -> Item:
    source = Source.objects.create(name="Feed", kind=SourceKind.RSS, url="https://x.example/f")
    return Item.objects.create(
        source=source,
        external_id="p1",
        link="https://social.example/p/1",
        author="@carla",
        title="Printer prints blank pages",
        text="My Lumio printer prints blank pages after I changed the cartridge. Help?",
        is_support=True,
        category=category,
        state=ItemState.OPEN,
    )


def test_replying_with_a_link_records_the_action_and_composes_the_reply(item, staff):
    solved = ThreadFactory(
        title="Blank pages after changing the cartridge", status=ThreadStatus.SOLVED
    )

    action = services.item_act(
        item_id=item.pk, actor=staff, action=ActionKind.REPLY_LINK, thread_id=solved.pk
    )

    item.refresh_from_db()
    assert item.state == ItemState.HANDLED and item.handled_at is not None
    assert action.thread == solved and action.actor == staff
    assert f"/t/{solved.pk}/" in action.reply_text and "@carla" in action.reply_text


def test_inviting_the_author_links_to_the_prefilled_ask_page(item, staff):
    action = services.item_act(item_id=item.pk, actor=staff, action=ActionKind.INVITE)

    url = next(word for word in action.reply_text.split() if "/ask/" in word)
    query = parse_qs(urlsplit(url).query)
    assert query == {"title": ["Printer prints blank pages"], "category": ["printers"]}


def test_creating_a_thread_on_the_authors_behalf_quotes_the_original(
    item, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        action = services.item_act(item_id=item.pk, actor=staff, action=ActionKind.CREATE_THREAD)

    thread = Thread.objects.get()
    assert action.thread == thread and thread.category == item.category
    assert thread.title == "Printer prints blank pages"
    assert "blank pages after I changed the cartridge" in thread.body_md
    assert "https://social.example/p/1" in thread.body_md
    assert f"/t/{thread.pk}/" in action.reply_text


def test_an_item_is_acted_on_once(item, staff):
    services.item_act(item_id=item.pk, actor=staff, action=ActionKind.DISMISS)

    with pytest.raises(Conflict):
        services.item_act(item_id=item.pk, actor=staff, action=ActionKind.INVITE)
    assert ListeningAction.objects.count() == 1
    item.refresh_from_db()
    assert item.state == ItemState.DISMISSED


def test_a_reply_needs_a_thread_the_staff_member_can_see(item, staff):
    hidden = ThreadFactory(is_deleted=True)
    with pytest.raises(ValidationError):
        services.item_act(item_id=item.pk, actor=staff, action=ActionKind.REPLY_LINK)
    with pytest.raises(ValidationError):
        services.item_act(
            item_id=item.pk, actor=staff, action=ActionKind.REPLY_LINK, thread_id=hidden.pk + 99
        )
    item.refresh_from_db()
    assert item.state == ItemState.OPEN


def test_a_failed_thread_creation_leaves_the_item_open(item, staff):
    with pytest.raises(ValidationError):
        services.item_act(
            item_id=item.pk, actor=staff, action=ActionKind.CREATE_THREAD, title="short"
        )
    item.refresh_from_db()
    assert item.state == ItemState.OPEN and not ListeningAction.objects.exists()


def test_customers_cannot_act(item, customer):
    with pytest.raises(PermissionDenied):
        services.item_act(item_id=item.pk, actor=customer, action=ActionKind.DISMISS)


def test_action_counts_give_what_was_brought_in_and_solved_by_link(item, staff, category):
    source = item.source
    others = [
        Item.objects.create(source=source, external_id=f"o{n}", text="x", category=category)
        for n in range(3)
    ]
    solved = ThreadFactory(status=ThreadStatus.SOLVED)
    services.item_act(
        item_id=item.pk, actor=staff, action=ActionKind.REPLY_LINK, thread_id=solved.pk
    )
    services.item_act(item_id=others[0].pk, actor=staff, action=ActionKind.INVITE)
    services.item_act(
        item_id=others[1].pk,
        actor=staff,
        action=ActionKind.CREATE_THREAD,
        title="Printer prints blank pages again",
    )
    services.item_act(item_id=others[2].pk, actor=staff, action=ActionKind.DISMISS)
    now = timezone.now()

    counts = selectors.action_counts(
        since=now - timedelta(days=1), until=now + timedelta(seconds=1)
    )
    earlier = selectors.action_counts(since=now - timedelta(days=9), until=now - timedelta(days=1))

    assert counts == {
        "reply_link": 1,
        "invite": 1,
        "create_thread": 1,
        "dismiss": 1,
        "brought_in": 2,
        "solved_by_link": 1,
        "total": 4,
    }
    assert earlier["total"] == 0
