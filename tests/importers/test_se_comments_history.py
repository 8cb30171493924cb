"""Stack Exchange PostHistory.xml -> revisions and Comments.xml -> imported comments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import privacy
from core.markup import render_markdown
from forum.importers.se_comments import _NEEDS_MARKDOWN, render_comment
from forum.importers.stackexchange import DumpError, stackexchange_import
from forum.importers.xmlrows import iter_rows
from forum.models import Post, PostComment, Revision, Thread
from tests.factories import UserFactory
from tests.importers.conftest import (
    BEER_DUMP,
    SMALL_TAGS,
    SMALL_USERS,
    answer,
    question,
    rows_xml,
    write_dump,
)

# The beer dump imported once per module by test_stackexchange_beer's fixture (which also
# removes it afterwards): used here rather than a second importer of our own.
from tests.importers.test_stackexchange_beer import beer  # noqa: F401

pytestmark = pytest.mark.django_db

SITE = "pour.stackexchange.com"
GUID = "00000000-0000-0000-0000-0000000000{:02d}"


def history(pk: int, post: int, kind: int, guid: int | None, **extra: object) -> dict:
    row: dict = {
        "Id": pk,
        "PostHistoryTypeId": kind,
        "PostId": post,
        "CreationDate": "2015-03-01T10:00:00.000",
        "UserId": 10,
        "ContentLicense": "CC BY-SA 3.0",
    }
    if guid is not None:
        row["RevisionGUID"] = GUID.format(guid)
    row.update(extra)
    return row


def comment(pk: int, post: int, text: str, **extra: object) -> dict:
    row: dict = {
        "Id": pk,
        "PostId": post,
        "Score": 0,
        "Text": text,
        "CreationDate": "2015-03-02T09:00:00.000",
        "UserId": 11,
        "ContentLicense": "CC BY-SA 3.0",
    }
    row.update(extra)
    return row


HISTORY = [
    # Question 1: asked by 10 (title, body, tags in one edit) ...
    history(1, 1, 2, 1, Text="I always get **too much** foam."),
    history(2, 1, 1, 1, Text="How do I pour beer number 1 properly?"),
    history(3, 1, 3, 1, Text="<pouring><foam>"),
    # ... body edited by 11 with a summary ...
    history(4, 1, 5, 2, Text="I always get *far* too much foam.", UserId=11,
            CreationDate="2015-03-03T08:00:00.000", Comment="clarified the amount"),
    # ... title edited by someone who wrote nothing (not imported: the placeholder) ...
    history(5, 1, 4, 3, Text="How to pour a beer without foam?", UserId=12,
            CreationDate="2015-03-04T08:00:00.000", Comment="better title"),
    # ... tags only (no revision), then closed (not a version).
    history(6, 1, 6, 4, Text="<pouring>", CreationDate="2015-03-05T08:00:00.000"),
    history(7, 1, 10, 5, Text='{"Voters":[]}', CreationDate="2015-03-06T08:00:00.000"),
    # Answer 3: written by 11, edited, rolled back; and an edit of a post not imported.
    history(8, 3, 2, 6, Text="Tilt the glass.", UserId=11, CreationDate="2015-03-01T12:00:00.000"),
    history(9, 3, 5, 7, Text="Tilt the glass <script>alert(1)</script>.", UserId="",
            CreationDate="2015-03-02T12:00:00.000"),
    history(10, 3, 8, 8, Text="Tilt the glass.", UserId=11, CreationDate="2015-03-03T12:00:00.000",
            Comment="Rollback to Revision 1"),
    history(11, 999, 2, 9, Text="A post that is not in the dump"),
    # Malformed: no PostId, a bad date, a body row without Text.
    history(12, "", 2, 10, Text="x"),
    history(13, 1, 5, 11, Text="x", CreationDate="yesterday"),
    history(14, 1, 5, 12),
]  # fmt: skip

COMMENTS = [
    comment(1, 1, "Which glass do you use?", UserId=12, Score=3),  # not imported: placeholder
    comment(2, 3, "This works, see [the guide](https://example.com/pour) and `tilt`.", UserId=10),
    comment(3, 3, "Deleted account says hi", UserId="", UserDisplayName="Gone Gustav"),
    comment(4, 999, "On a post that is not in the dump"),
    comment(
        5, 4, "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"
    ),
    comment(6, 1, "", UserId=10),  # empty
    comment("x", 1, "bad id"),
]  # fmt: skip


def dump(tmp_path: Path, *, comments: list[dict] | None = None, history_rows=None) -> Path:
    directory = write_dump(
        tmp_path / SITE,
        users=SMALL_USERS,
        posts=[
            question(1, AcceptedAnswerId=3),
            question(2, Title="Why does my beer foam so much?"),
            answer(3, 1),
            answer(4, 1, OwnerUserId="", OwnerDisplayName="Gone Gustav"),
            answer(5, 2),
        ],
        tags=SMALL_TAGS,
    )
    rows = COMMENTS if comments is None else comments
    (directory / "Comments.xml").write_text(rows_xml("comments", rows), encoding="utf-8")
    rows = HISTORY if history_rows is None else history_rows
    (directory / "PostHistory.xml").write_text(rows_xml("posthistory", rows), encoding="utf-8")
    return directory


def ref(se_id: object) -> str:
    return f"se:{SITE}:{se_id}"


# --- PostHistory -> revisions ----------------------------------------------------------------


def test_history_rows_become_numbered_revisions_one_per_revision_guid(tmp_path):
    report = stackexchange_import(directory=dump(tmp_path))

    thread = Thread.objects.get(external_ref=ref(1))
    revisions = list(Revision.objects.filter(thread=thread, post=None).order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3]
    first, body_edit, title_edit = revisions
    assert (first.title, first.body_md) == (
        "How do I pour beer number 1 properly?",
        "I always get **too much** foam.",
    )
    assert first.created_at == datetime(2015, 3, 1, 10, 0, tzinfo=UTC)
    assert first.author.external_ref == ref(10)
    # Each revision is the whole text after the edit: the unchanged part is carried over.
    assert body_edit.title == first.title
    assert body_edit.body_md == "I always get *far* too much foam."
    assert body_edit.reason == "clarified the amount"
    assert body_edit.author.external_ref == ref(11)
    assert body_edit.created_at == datetime(2015, 3, 3, 8, 0, tzinfo=UTC)
    assert title_edit.title == "How to pour a beer without foam?"
    assert title_edit.body_md == body_edit.body_md
    assert report.imported["revisions"] == 6
    assert report.skipped["revisions: tags-only edit (tags are not versioned)"] == 1
    assert report.skipped["revisions: question or answer not imported"] == 1
    assert any(key.startswith("history: history events other than edits") for key in report.skipped)
    assert Revision.objects.filter(external_ref__contains=":r999:").count() == 0


def test_an_editor_who_was_not_imported_is_credited_to_the_placeholder(tmp_path):
    stackexchange_import(directory=dump(tmp_path))

    title_edit = Revision.objects.get(thread__external_ref=ref(1), post=None, number=3)
    assert title_edit.author.external_ref == ref("former-member")
    anonymous_edit = Revision.objects.get(post__external_ref=ref(3), number=2)
    assert anonymous_edit.author.external_ref == ref("former-member")


def test_answer_history_includes_the_rollback_as_its_own_version(tmp_path):
    stackexchange_import(directory=dump(tmp_path))

    revisions = Revision.objects.filter(post__external_ref=ref(3)).order_by("number")
    assert [(r.number, r.body_md, r.title) for r in revisions] == [
        (1, "Tilt the glass.", ""),
        (2, "Tilt the glass <script>alert(1)</script>.", ""),
        (3, "Tilt the glass.", ""),
    ]
    assert revisions[2].reason == "Rollback to Revision 1"


def test_rows_without_a_revision_guid_are_grouped_by_post_and_time(tmp_path):
    rows = [
        history(1, 2, 1, None, Text="Why does my beer foam so much?"),
        history(2, 2, 2, None, Text="It foams."),
        history(3, 2, 5, None, Text="It foams a lot.", CreationDate="2015-03-02T10:00:00.000"),
    ]
    stackexchange_import(directory=dump(tmp_path, history_rows=rows))

    revisions = Revision.objects.filter(thread__external_ref=ref(2), post=None).order_by("number")
    assert [(r.number, r.title, r.body_md) for r in revisions] == [
        (1, "Why does my beer foam so much?", "It foams."),
        (2, "Why does my beer foam so much?", "It foams a lot."),
    ]


def test_malformed_history_rows_are_reported_and_skipped(tmp_path):
    report = stackexchange_import(directory=dump(tmp_path))

    assert report.skipped["history: missing or non-numeric Id or PostId"] == 1
    assert report.skipped["history: missing or bad CreationDate"] == 1
    assert report.skipped["revisions: title or body row without Text"] == 1
    assert any("history" in line for line in report.lines())


def test_the_revisions_page_shows_imported_markdown_rendered_and_escaped(tmp_path, client):
    stackexchange_import(directory=dump(tmp_path))
    thread = Thread.objects.get(external_ref=ref(1))

    response = client.get(f"/t/{thread.pk}/revisions/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<em>far</em> too much foam" in html
    assert "clarified the amount" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_native_edit_after_the_import_continues_the_numbering(tmp_path, staff):
    from forum import services

    stackexchange_import(directory=dump(tmp_path))
    post = Post.objects.get(external_ref=ref(3))

    services.answer_edit(post=post, editor=staff, body="Tilt the glass slowly, then pour.")

    assert list(
        Revision.objects.filter(post=post).order_by("number").values_list("number", flat=True)
    ) == [1, 2, 3, 4]


# --- Comments ---------------------------------------------------------------------------------


def test_comments_are_imported_under_the_question_or_their_answer(tmp_path):
    report = stackexchange_import(directory=dump(tmp_path))

    on_question = PostComment.objects.get(external_ref=ref("c1"))
    assert on_question.thread.external_ref == ref(1)
    assert on_question.post is None
    assert on_question.score == 3
    assert on_question.created_at == datetime(2015, 3, 2, 9, 0, tzinfo=UTC)
    assert on_question.source_url == f"https://{SITE}/posts/comments/1"
    assert on_question.source_licence == "CC BY-SA 3.0"
    on_answer = PostComment.objects.get(external_ref=ref("c2"))
    assert on_answer.post.external_ref == ref(3)
    assert on_answer.thread_id == on_answer.post.thread_id
    assert '<a href="https://example.com/pour" rel="nofollow ugc noopener">the guide</a>' in (
        on_answer.text_html
    )
    assert "<code>tilt</code>" in on_answer.text_html
    assert report.imported["comments"] == 4
    assert report.skipped["comments: question or answer not imported"] == 1
    assert report.skipped["comments: empty Text"] == 1
    assert report.skipped["comments: missing or non-numeric Id or PostId"] == 1


def test_comment_authors_are_imported_users_else_the_placeholder_with_their_name(tmp_path):
    stackexchange_import(directory=dump(tmp_path))

    by_asker = PostComment.objects.get(external_ref=ref("c2"))
    assert by_asker.author.external_ref == ref(10)
    assert by_asker.source_author == "Asker Anna"
    # User 12 wrote no post, so is not imported: the name comes from Users.xml.
    lurker = PostComment.objects.get(external_ref=ref("c1"))
    assert lurker.author.external_ref == ref("former-member")
    assert lurker.source_author == "Lurker"
    deleted = PostComment.objects.get(external_ref=ref("c3"))
    assert deleted.author.external_ref == ref("former-member")
    assert deleted.source_author == "Gone Gustav"


def test_script_in_a_comment_is_stored_and_shown_inert(tmp_path, client):
    stackexchange_import(directory=dump(tmp_path))
    hostile = PostComment.objects.get(external_ref=ref("c5"))

    page = client.get(hostile.thread.get_absolute_url()).content.decode()

    assert "<script" not in hostile.text_html
    assert "<img" not in hostile.text_html
    assert "href" not in hostile.text_html  # the javascript: link stays text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text_html
    assert "&lt;img src=x onerror=alert(2)&gt;" in hostile.text_html
    assert hostile.text_html in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript' not in page


def test_a_malformed_comment_row_is_reported_and_the_rest_imported(tmp_path):
    rows = [*COMMENTS, comment(8, 1, "x" * 3000)]
    report = stackexchange_import(directory=dump(tmp_path, comments=rows), max_attribute_chars=2000)

    assert report.skipped["comments: attribute Text longer than 2,000 characters"] == 1
    assert report.imported["comments"] == 4


def test_rerunning_creates_no_comment_or_revision(tmp_path):
    directory = dump(tmp_path)
    stackexchange_import(directory=directory)
    before = (PostComment.objects.count(), Revision.objects.count())

    again = stackexchange_import(directory=directory)

    assert (PostComment.objects.count(), Revision.objects.count()) == before
    assert again.imported["comments"] == again.imported["revisions"] == 0
    assert again.existing["comments"] == 4
    assert again.existing["revisions"] == 6


def test_an_interrupted_import_is_finished_by_the_next_run(tmp_path):
    rows = [comment(i, 1 if i % 2 else 3, f"Comment number {i}") for i in range(1, 8)]
    directory = dump(tmp_path, comments=rows)
    broken = rows_xml("comments", rows).replace("</comments>", "<row Id=")
    (directory / "Comments.xml").write_text(broken, encoding="utf-8")
    # Two rows per batch: the batches read before the file turns out broken are committed.
    with pytest.raises(DumpError):
        stackexchange_import(directory=directory, batch_size=2)
    assert 0 < PostComment.objects.count() < 7
    assert Revision.objects.filter(post__external_ref=ref(3)).count() == 3

    (directory / "Comments.xml").write_text(rows_xml("comments", rows), encoding="utf-8")
    report = stackexchange_import(directory=directory, batch_size=2)

    assert PostComment.objects.count() == 7
    assert report.imported["comments"] + report.existing["comments"] == 7
    assert report.imported["revisions"] == 0


def test_a_revision_lost_in_an_interruption_is_recreated_with_its_number(tmp_path):
    directory = dump(tmp_path)
    stackexchange_import(directory=directory)
    lost = Revision.objects.filter(post__external_ref=ref(3), number__gte=2)
    keys = sorted(lost.values_list("external_ref", flat=True))
    lost.delete()

    report = stackexchange_import(directory=directory)

    assert report.imported["revisions"] == 2
    again = Revision.objects.filter(post__external_ref=ref(3), number__gte=2).order_by("number")
    assert sorted(again.values_list("external_ref", flat=True)) == keys
    assert [r.number for r in again] == [2, 3]


def test_the_fast_comment_renderer_matches_render_markdown():
    texts = [
        "Which glass do you use?",
        'He said "hi", it\'s fine',
        "Note: a + b = c! #1 | yes @bob",
        "ver 3.5 is out",
        "see example.com",
        "x < y & z",
        "**bold** and `code`",
        "1. not a list here",
    ]
    if BEER_DUMP.is_dir():
        texts += [(r.get("Text") or "").strip() for r in iter_rows(BEER_DUMP / "Comments.xml")]
    for text in texts:
        assert render_comment(text) == render_markdown(text), text
    assert not _NEEDS_MARKDOWN.search("Which glass do you use?")  # the fast path is used


# --- The thread page --------------------------------------------------------------------------


def test_the_thread_page_shows_comments_with_author_date_and_licence(tmp_path, client):
    stackexchange_import(directory=dump(tmp_path))
    thread = Thread.objects.get(external_ref=ref(1))

    html = client.get(thread.get_absolute_url()).content.decode()

    assert "Which glass do you use?" in html
    assert "— Lurker" in html
    assert f"https://{SITE}/posts/comments/1" in html
    assert "Licence: CC BY-SA 3.0." in html
    assert '<a href="https://example.com/pour" rel="nofollow ugc noopener">the guide</a>' in html


def test_comments_of_a_hidden_answer_are_hidden_from_customers_but_not_staff(
    tmp_path, customer_client, staff_client
):
    stackexchange_import(directory=dump(tmp_path))
    # Answer 3 is the accepted one: hidden, customers see neither it nor its comments.
    Post.objects.filter(external_ref=ref(3)).update(is_hidden=True)
    thread = Thread.objects.get(external_ref=ref(1))

    seen_by_customer = customer_client.get(thread.get_absolute_url()).content.decode()
    seen_by_staff = staff_client.get(thread.get_absolute_url()).content.decode()

    assert "Deleted account says hi" not in seen_by_customer
    assert "Which glass do you use?" in seen_by_customer  # the question's own comments
    assert "Deleted account says hi" in seen_by_staff


def _commented_thread_dump(tmp_path: Path, answers: int) -> Path:
    posts = [question(1)] + [answer(100 + i, 1) for i in range(answers)]
    comments = [comment(1, 1, "On the question")] + [
        comment(10 + i, 100 + i, f"On answer {i}", UserId=10 + i % 3) for i in range(answers)
    ]
    directory = write_dump(
        tmp_path / f"many{answers}.stackexchange.com",
        users=SMALL_USERS,
        posts=posts,
        tags=SMALL_TAGS,
    )
    (directory / "Comments.xml").write_text(rows_xml("comments", comments), encoding="utf-8")
    return directory


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["anonymous", "customer"])
def test_the_imported_thread_page_runs_the_same_queries_for_3_and_60_commented_answers(
    tmp_path, client, customer, viewer, django_assert_max_num_queries
):
    if viewer == "customer":
        client.force_login(customer)
    stackexchange_import(directory=_commented_thread_dump(tmp_path, 3))
    stackexchange_import(directory=_commented_thread_dump(tmp_path, 60))
    small = Thread.objects.get(external_ref="se:many3.stackexchange.com:1")
    large = Thread.objects.get(external_ref="se:many60.stackexchange.com:1")
    assert PostComment.objects.filter(thread=large).count() == 61

    # First views of both (each records the view: the same writes).
    expected = _queries(client, small.get_absolute_url())
    with django_assert_max_num_queries(expected):
        response = client.get(large.get_absolute_url())
    with django_assert_max_num_queries(expected):
        client.get(large.get_absolute_url() + "?page=2")

    html = response.content.decode()
    assert "On the question" in html
    assert "On answer 0" in html and "On answer 29" in html  # 30 answers per page
    assert "On answer 30" not in html
    # Exactly one query for the comments, and only because the thread is imported (new
    # URLs each time: anonymous pages are cached per URL).
    repeat = _queries(client, small.get_absolute_url() + "?page=1")
    Thread.objects.filter(pk=small.pk).update(import_source=None)
    assert _queries(client, small.get_absolute_url() + "?page=2") == repeat - 1


def test_imported_comments_are_listed_read_only_in_the_admin(tmp_path, client):
    stackexchange_import(directory=dump(tmp_path))
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    some = PostComment.objects.get(external_ref=ref("c1"))

    listing = client.get("/admin/forum/postcomment/")

    assert listing.status_code == 200
    assert "Lurker" in listing.content.decode()
    assert client.get("/admin/forum/postcomment/add/").status_code == 403
    detail = client.get(f"/admin/forum/postcomment/{some.pk}/change/")
    assert detail.status_code == 200  # view only
    assert 'name="text"' not in detail.content.decode()


# --- Privacy ----------------------------------------------------------------------------------


def test_a_users_comments_are_exported_and_pseudonymized_on_erasure(tmp_path):
    from forum import privacy as forum_privacy

    stackexchange_import(directory=dump(tmp_path))
    anna = PostComment.objects.get(external_ref=ref("c2")).author

    exported = forum_privacy.export_user(anna)["comments"]
    assert [c["text"] for c in exported] == [
        "This works, see [the guide](https://example.com/pour) and `tilt`."
    ]

    privacy.user_erase(user=anna, actor=UserFactory(is_superuser=True, is_staff=True))

    erased = PostComment.objects.get(external_ref=ref("c2"))
    assert erased.source_author == f"Deleted user {anna.pk}"
    assert erased.text_html  # the comment itself stays, like posts


# --- The real beer dump -----------------------------------------------------------------------


def _beer_expectations() -> tuple[int, int, int]:
    """Comments on questions/answers, text revisions (distinct post+GUID among title/body
    rows of questions/answers) and history rows of other event types, from the XML."""
    posts = {
        r.get("Id") for r in iter_rows(BEER_DUMP / "Posts.xml") if r.get("PostTypeId") in ("1", "2")
    }
    comments = sum(1 for r in iter_rows(BEER_DUMP / "Comments.xml") if r.get("PostId") in posts)
    edits = set()
    events = 0
    for r in iter_rows(BEER_DUMP / "PostHistory.xml"):
        kind = int(r.get("PostHistoryTypeId"))
        if kind >= 10:
            events += 1
        elif kind in (1, 2, 4, 5, 7, 8) and r.get("PostId") in posts and "Text" in r:
            edits.add((r.get("PostId"), r.get("RevisionGUID")))
    return comments, len(edits), events


@pytest.mark.skipif(not BEER_DUMP.is_dir(), reason="beer dump not available")
def test_the_beer_dump_comments_and_history_match_the_xml(beer):  # noqa: F811
    comments, revisions, events = _beer_expectations()
    site = "se:beer.stackexchange.com:"

    assert beer.imported["comments"] == comments == 3509
    assert PostComment.objects.filter(external_ref__startswith=site).count() == comments
    assert beer.imported["revisions"] == revisions
    assert Revision.objects.filter(external_ref__startswith=site).count() == revisions
    skipped = beer.skipped
    assert sum(n for k, n in skipped.items() if k.startswith("history: history events")) == events
    # Every imported question and answer has its first version.
    assert not Thread.objects.filter(external_ref__startswith=site, revisions__isnull=True).exists()
    numbers = Revision.objects.filter(external_ref__startswith=site, post=None)
    assert numbers.filter(number=1).count() == 1029


# --- The API ------------------------------------------------------------------------------------


def test_the_api_lists_imported_comments_and_hides_those_of_hidden_answers(
    tmp_path, client, staff_client, django_assert_max_num_queries
):
    stackexchange_import(directory=dump(tmp_path))
    thread = Thread.objects.get(external_ref=ref(1))
    url = f"/api/v1/threads/{thread.pk}/comments/"
    everything = [c["text_html"] for c in client.get(url).json()["results"]]
    assert any("Which glass do you use?" in t for t in everything)
    first = client.get(url).json()["results"][0]
    assert {"answer_id", "source_author", "source_url", "source_licence"} <= set(first)

    Post.objects.filter(external_ref=ref(3)).update(is_hidden=True)
    for_customer = [c["text_html"] for c in client.get(url).json()["results"]]
    for_staff = [c["text_html"] for c in staff_client.get(url).json()["results"]]
    assert not any("Deleted account says hi" in t for t in for_customer)
    assert any("Deleted account says hi" in t for t in for_staff)
    assert client.get("/api/v1/threads/999999/comments/").status_code == 404
    with django_assert_max_num_queries(3):  # thread, comments page (+ nothing per comment)
        client.get(url)
