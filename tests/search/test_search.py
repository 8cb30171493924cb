"""Full-text search through forum.search, on whichever database the tests run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from forum import services
from forum.models import ThreadStatus
from forum.search import SearchFilters, search_reindex_threads, search_threads, similar_threads
from forum.search.query import parse_query
from tests.factories import CategoryFactory, PostFactory, TagFactory, ThreadFactory

pytestmark = pytest.mark.django_db
anonymous = AnonymousUser()


def found(query: str, viewer=anonymous, **filters) -> list[int]:
    results = search_threads(query=query, viewer=viewer, filters=SearchFilters(**filters))
    return [hit.thread.pk for hit in results.hits]


def indexed_thread(**kwargs):
    thread = ThreadFactory(**kwargs)
    search_reindex_threads(thread_ids=[thread.pk])
    return thread


def test_a_question_is_found_by_its_title_body_and_answers_after_forum_writes(
    customer, expert, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            author=customer,
            category=category,
            title="Printer shows paper jam error",
            body="The display keeps saying there is a blocked roller inside.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_create(thread=thread, author=expert, body="Clean the fuser assembly.")

    assert found("paper jam") == [thread.pk]
    assert found("roller") == [thread.pk]
    assert found("fuser") == [thread.pk]
    assert found("toaster") == []


def test_an_edited_answer_is_searched_by_its_new_text_and_a_hidden_one_not_at_all(
    customer, expert, staff, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            author=customer,
            category=category,
            title="Scanner makes a grinding noise",
            body="It started after the firmware update last week.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        post = services.answer_create(thread=thread, author=expert, body="Replace the belt.")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_edit(post=post, editor=expert, body="Lubricate the carriage rail.")
    assert found("belt") == []
    assert found("carriage") == [thread.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.post_set_hidden(post=post, moderator=staff, hidden=True)
    assert found("carriage") == []


def test_hidden_and_deleted_threads_are_found_only_by_moderators(staff):
    hidden = indexed_thread(title="Hidden toner question", is_hidden=True)
    deleted = indexed_thread(title="Deleted toner question", is_deleted=True)
    shown = indexed_thread(title="Visible toner question")

    assert found("toner") == [shown.pk]
    assert sorted(found("toner", viewer=staff)) == sorted([hidden.pk, deleted.pk, shown.pk])


def test_a_solved_thread_ranks_above_an_equally_relevant_unsolved_one():
    unsolved = indexed_thread(title="Cartridge not recognised", body_md="Cartridge problem.")
    solved = indexed_thread(
        title="Cartridge not recognised",
        body_md="Cartridge problem.",
        status=ThreadStatus.SOLVED,
    )

    assert found("cartridge") == [solved.pk, unsolved.pk]


def test_the_title_weighs_more_than_the_body():
    in_body = indexed_thread(title="Something else entirely", body_md="The duplexer is stuck.")
    in_title = indexed_thread(title="Duplexer stuck", body_md="Please help.")

    assert found("duplexer") == [in_title.pk, in_body.pk]


def test_filters_narrow_by_category_tag_status_and_date():
    printers, scanners = CategoryFactory(slug="printers"), CategoryFactory(slug="scanners")
    wifi = TagFactory(name="wifi")
    old = indexed_thread(
        title="Wireless setup fails",
        category=printers,
        created_at=datetime(2020, 5, 1, tzinfo=UTC),
    )
    new = indexed_thread(
        title="Wireless setup fails again",
        category=scanners,
        status=ThreadStatus.SOLVED,
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    new.tags.add(wifi)

    assert found("wireless", category=printers) == [old.pk]
    assert found("wireless", tag=wifi) == [new.pk]
    assert found("wireless", status="solved") == [new.pk]
    assert found("wireless", status="unsolved") == [old.pk]
    assert found("wireless", date_from=date(2024, 1, 1)) == [new.pk]
    assert found("wireless", date_to=date(2020, 5, 1)) == [old.pk]


def test_phrases_exclusions_and_or_work_like_web_search():
    a = indexed_thread(title="Blue light blinking on router")
    b = indexed_thread(title="Router light is blue and blinking")
    c = indexed_thread(title="Red light on modem")

    assert found('"blue light"') == [a.pk]
    assert found("light -router") == [c.pk]
    assert sorted(found("modem or router")) == sorted([a.pk, b.pk, c.pk])


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unterminated phrase',
        "NEAR(a b)",
        "a AND",
        "OR",
        "-",
        "--",
        "*",
        "toner:*",
        "&|!()",
        "title:toner",
        "'; DROP TABLE forum_thread; --",
        "^toner",
        "toner NOT",
        "{x}",
        "\x00\x02\x03",
        "a" * 5000,
        "ü ß 东京 😀",
        "-toner",
    ],
)
def test_no_typed_query_is_a_database_error(query):
    indexed_thread(title="Toner smudges on every page")

    results = search_threads(query=query, viewer=anonymous)

    assert results.total >= 0


def test_a_query_without_words_gives_no_results():
    indexed_thread(title="Toner smudges on every page")

    assert search_threads(query="  !!! ", viewer=anonymous).total == 0
    assert search_threads(query="", viewer=anonymous).hits == []


def test_highlights_are_escaped_html_with_marks():
    indexed_thread(
        title="<script>alert(1)</script> toner",
        body_md="Toner & <b>drum</b>",
        body_html="<p>Toner &amp; &lt;b&gt;drum&lt;/b&gt;</p>",
    )

    hit = search_threads(query="toner", viewer=anonymous).hits[0]

    assert "<script>" not in hit.title_html
    assert "&lt;script&gt;" in hit.title_html
    assert "<mark>" in hit.title_html
    assert "<b>" not in hit.snippet_html
    assert "<mark>Toner</mark>" in hit.snippet_html


def test_results_are_paginated():
    threads = [indexed_thread(title=f"Fax number {i} busy tone") for i in range(5)]

    first = search_threads(query="fax", viewer=anonymous, per_page=2)
    third = search_threads(query="fax", viewer=anonymous, per_page=2, page=3)

    assert first.total == 5
    assert first.num_pages == 3
    assert first.has_next
    assert len(third.hits) == 1
    seen = {
        h.thread.pk
        for p in (1, 2, 3)
        for h in search_threads(query="fax", viewer=anonymous, per_page=2, page=p).hits
    }
    assert seen == {t.pk for t in threads}


def test_similar_threads_are_at_most_five_with_solved_first():
    unsolved = [indexed_thread(title=f"Printer offline after update {i}") for i in range(6)]
    solved = indexed_thread(title="Printer offline", status=ThreadStatus.SOLVED)
    indexed_thread(title="Coffee machine descaling")

    result = similar_threads(title="Why is my printer offline?", viewer=anonymous)

    assert len(result) == 5
    assert result[0] == solved
    assert {t.pk for t in result[1:]} <= {t.pk for t in unsolved}


def test_similar_threads_ignore_titles_made_of_stop_words():
    indexed_thread(title="How do I do this?")

    assert similar_threads(title="how do I", viewer=anonymous) == []


def test_the_reindex_command_rebuilds_the_index():
    thread = ThreadFactory(title="Laminator overheating")
    PostFactory(thread=thread, body_md="x", body_html="<p>Thermal fuse</p>")
    assert found("laminator") == []

    out = StringIO()
    call_command("search_reindex", "--no-progress", stdout=out)

    assert "indexed 1 threads" in out.getvalue()
    assert found("laminator") == [thread.pk]
    assert found("fuse") == [thread.pk]


def test_the_query_parser_keeps_only_words():
    parsed = parse_query('printer "paper jam" -wifi toner or ink NEAR(')

    assert parsed.terms == ("printer", "near")
    assert parsed.phrases == (("paper", "jam"),)
    assert parsed.excluded == ("wifi",)
    assert parsed.any_of == (("toner", "ink"),)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ranking pool is PostgreSQL's")
def test_a_broad_query_ranks_only_the_newest_matches_and_says_so(
    customer, category, settings, client
):
    from forum.search import search_reindex_threads, search_threads

    settings.SEARCH_RANK_POOL = 5
    threads = [
        services.thread_create(
            author=customer, category=category, title=f"Printer jams on page {i}",
            body="The printer jams every time.",
        )
        for i in range(8)
    ]  # fmt: skip
    search_reindex_threads(thread_ids=[t.pk for t in threads])
    results = search_threads(query="printer jams", viewer=customer)
    assert (results.total, results.capped) == (5, True)
    assert {h.thread.pk for h in results.hits} == {t.pk for t in threads[-5:]}  # the newest
    narrow = search_threads(query="printer jams page 2", viewer=customer)
    assert (narrow.total, narrow.capped) == (1, False)
    api = client.get("/api/v1/search/", {"q": "printer jams"}).json()
    assert (api["count"], api["count_is_capped"]) == (5, True)
    page = client.get("/search/", {"q": "printer jams"}).content.decode()
    assert "More than 5 results" in page
