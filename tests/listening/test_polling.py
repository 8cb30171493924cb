"""Polling feeds from a loopback server: parsing, dedup, health, hostile input."""

from __future__ import annotations

import pytest
from django.utils import timezone

from listening import services, tasks
from listening.models import Item, ItemState, Source, SourceKind
from tests.factories import CategoryFactory
from tests.listening.conftest import atom, atom_entry, rss, rss_item

pytestmark = pytest.mark.django_db

QUESTION = "My Lumio printer shows error E17 after cleaning, how do I fix it?"
NEWS = "Lumio announces record quarterly revenue and a new factory."


def feed_source(url: str, kind: str = SourceKind.RSS, **kwargs) -> Source:
    return Source.objects.create(name="Saved search", kind=kind, url=url, **kwargs)


def test_an_rss_feed_is_polled_classified_and_stored_once(feed_server):
    CategoryFactory(slug="printers", name="Printers")
    url = feed_server.serve(
        "/rss",
        rss(
            rss_item("a1", "Printer trouble", QUESTION, "https://social.example/p/1", "@carla"),
            rss_item("a2", "Big news", NEWS, "https://social.example/p/2", "@news"),
        ),
    )
    source = feed_source(url)

    first = services.source_poll(source_id=source.pk)
    second = services.source_poll(source_id=source.pk)

    assert first.ok and first.created == 2
    assert second.ok and second.created == 0 and second.duplicates == 2
    question = Item.objects.get(external_id="a1")
    assert question.is_support and question.state == ItemState.OPEN
    assert question.author == "@carla"
    assert question.link == "https://social.example/p/1"
    assert question.published_at is not None
    assert question.explanation["support"]["for"]
    news = Item.objects.get(external_id="a2")
    assert not news.is_support and news.state == ItemState.FILTERED
    source.refresh_from_db()
    assert source.last_success_at is not None and source.consecutive_errors == 0
    assert source.items_received == 2


def test_an_atom_feed_item_seen_through_a_second_feed_is_deduplicated_by_its_link(feed_server):
    entry = atom_entry(
        "urn:1", "Router drops", "<p>Lumio Mesh drops wifi, why?</p>", "https://forum.example/t/9"
    )
    source_a = feed_source(feed_server.serve("/a", atom(entry)), kind=SourceKind.ATOM)
    other = atom_entry(
        "urn:other-id", "Router drops", "<p>same post</p>", "https://FORUM.example/t/9#reply"
    )
    source_b = feed_source(feed_server.serve("/b", atom(other)), kind=SourceKind.ATOM)

    assert services.source_poll(source_id=source_a.pk).created == 1
    result = services.source_poll(source_id=source_b.pk)

    assert result.ok and result.created == 0 and result.duplicates == 1
    assert Item.objects.count() == 1


def test_hostile_html_is_sanitized_and_huge_items_are_cut(feed_server, settings):
    settings.LISTENING_ITEM_MAX_CHARS = 500
    hostile = (
        '<script>alert("x")</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(2)">click</a><p>How do I reset my Lumio router?</p>'
        + "<p>"
        + "very long " * 50_000
        + "</p>"
    )
    url = feed_server.serve(
        "/hostile",
        rss(rss_item("h1", "<b>Help</b><script>x()</script>", hostile, "javascript:alert(3)")),
    )
    source = feed_source(url)

    assert services.source_poll(source_id=source.pk).created == 1

    item = Item.objects.get()
    assert "<" not in item.text and "script" not in item.text and "alert" not in item.text
    assert "How do I reset my Lumio router?" in item.text
    assert len(item.text) <= 500
    assert item.title.startswith("Help") and "<" not in item.title
    assert item.link == ""  # not http(s): dropped


@pytest.mark.parametrize(
    "body",
    [b"<<<this is not xml", b"", b"\x00\xff\xfe garbage", b"<rss><channel><item><title>unclosed"],
)
def test_a_malformed_feed_is_recorded_in_the_sources_health_and_never_raises(feed_server, body):
    source = feed_source(feed_server.serve("/bad", body))

    result = services.source_poll(source_id=source.pk)

    source.refresh_from_db()
    if result.ok:  # feedparser recovered entries from a broken document: still stored safely
        assert source.consecutive_errors == 0
    else:
        assert source.consecutive_errors == 1 and source.last_error
        assert source.last_error_at is not None and source.last_success_at is None


def test_a_feed_larger_than_the_limit_is_refused_without_reading_it_all(feed_server, settings):
    settings.LISTENING_FETCH_MAX_BYTES = 10_000
    source = feed_source(feed_server.serve("/huge", rss(rss_item("x", "t", "y" * 20_000))))

    result = services.source_poll(source_id=source.pk)

    assert not result.ok and "larger than" in result.error
    assert Item.objects.count() == 0


def test_http_errors_count_up_and_a_success_resets_the_count(feed_server):
    source = feed_source(feed_server.serve("/flaky", b"oops", status=500))
    services.source_poll(source_id=source.pk)
    services.source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert source.consecutive_errors == 2 and "HTTP 500" in source.last_error

    feed_server.serve("/flaky", rss(rss_item("ok", "fine", NEWS)))
    services.source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert source.consecutive_errors == 0 and source.last_success_at is not None


def test_loopback_feeds_are_refused_unless_private_targets_are_allowed(feed_server, settings):
    settings.LISTENING_ALLOW_PRIVATE = False
    url = feed_server.serve("/rss", rss(rss_item("a1", "t", QUESTION)))
    refused = feed_source(url)
    allowed = feed_source(url, allow_private=True)

    assert "private" in services.source_poll(source_id=refused.pk).error.lower()
    assert services.source_poll(source_id=allowed.pk).ok
    assert not feed_server.requests[:-1]  # the refused poll never connected


def test_an_unchanged_feed_is_not_downloaded_again(feed_server):
    url = feed_server.serve("/etag", rss(rss_item("a1", "t", QUESTION)), ETag='"v1"')
    source = feed_source(url)
    services.source_poll(source_id=source.pk)

    result = services.source_poll(source_id=source.pk)

    assert result.ok and result.created == 0
    assert feed_server.requests[-1][1].get("If-None-Match") == '"v1"'


def test_redirects_are_followed_and_each_hop_is_checked(feed_server):
    final = feed_server.serve("/final", rss(rss_item("r1", "t", QUESTION)))
    start = feed_server.serve("/start", b"", status=302, Location=final)
    source = feed_source(start)

    assert services.source_poll(source_id=source.pk).created == 1


def test_the_beat_task_polls_each_due_source_once_and_twice_is_harmless(feed_server):
    url = feed_server.serve("/rss", rss(rss_item("a1", "t", QUESTION)))
    due = feed_source(url)
    later = feed_source(url, next_poll_at=timezone.now() + timezone.timedelta(hours=1))
    feed_source(url, active=False)
    Source.objects.create(name="hook", kind=SourceKind.WEBHOOK, secret="s")

    assert tasks.poll_due_sources() == 1
    assert tasks.poll_due_sources() == 0  # claimed until its next turn
    tasks.poll_source(due.pk)

    assert Item.objects.filter(source=due).count() == 1
    assert Item.objects.filter(source=later).count() == 0


def test_an_unexpected_error_in_one_source_is_recorded_not_raised(feed_server, monkeypatch):
    source = feed_source(feed_server.serve("/rss", rss(rss_item("a1", "t", QUESTION))))

    def broken(*args, **kwargs):
        raise RuntimeError("parser exploded")

    # The third-party parser is the one thing stubbed: our code around it is what is tested.
    monkeypatch.setattr(services, "parse_feed", broken)
    result = services.source_poll(source_id=source.pk)

    assert not result.ok and "parser exploded" in result.error


def test_entity_expansion_and_external_entities_in_a_feed_do_no_harm(feed_server):
    entities = "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "lol") * 10 + '">'
        for i in range(1, 10)
    )
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE r [{entities}'
        '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>x</title>'
        "<item><guid>1</guid><title>&lol9;</title><description>&xxe;</description></item>"
        "</channel></rss>"
    )
    source = feed_source(feed_server.serve("/laughs", laughs))

    result = services.source_poll(source_id=source.pk)

    for item in Item.objects.all():
        assert len(item.title) < 1000
        assert "root:" not in item.text
    source.refresh_from_db()
    assert result.ok or source.consecutive_errors == 1


def test_an_unreachable_mailbox_is_an_error_in_its_health(settings):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.LISTENING_FETCH_TIMEOUT = 2
    source = Source.objects.create(
        name="support@",
        kind=SourceKind.IMAP,
        url=f"imaps://listen@127.0.0.1:{port}/INBOX",
        secret="pw",
    )

    result = services.source_poll(source_id=source.pk)

    assert not result.ok and result.error.startswith("IMAP")
    source.refresh_from_db()
    assert source.consecutive_errors == 1


def test_a_mailbox_on_a_private_address_or_without_a_user_is_refused(settings):
    settings.LISTENING_ALLOW_PRIVATE = False
    private = Source.objects.create(
        name="a", kind=SourceKind.IMAP, url="imaps://me@127.0.0.1:993/INBOX", secret="pw"
    )
    no_user = Source.objects.create(
        name="b", kind=SourceKind.IMAP, url="imaps://mail.example:993/INBOX", secret="pw"
    )

    assert "private" in services.source_poll(source_id=private.pk).error.lower()
    assert "imaps://user@host" in services.source_poll(source_id=no_user.pk).error
