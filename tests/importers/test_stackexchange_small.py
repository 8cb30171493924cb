"""The importer on small hand-made dumps: mapping, safety, malformed input, resuming."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from core.models import OutboxEvent
from forum.importers.stackexchange import stackexchange_import
from forum.models import Category, Post, SourceFormat, Thread, ThreadStatus, Vote
from tests.factories import CategoryFactory, UserFactory
from tests.importers.conftest import (
    SMALL_TAGS,
    SMALL_USERS,
    answer,
    question,
    rows_xml,
    write_dump,
)

pytestmark = pytest.mark.django_db


def run(directory: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_stackexchange", str(directory), "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_a_small_dump_becomes_threads_answers_users_and_an_acceptance(small_dump):
    run(small_dump)

    thread = Thread.objects.get(external_ref="se:pour.stackexchange.com:1")
    assert thread.status == ThreadStatus.SOLVED
    assert thread.created_at == datetime(2015, 3, 1, 10, 0, tzinfo=UTC)
    assert thread.last_activity_at == datetime(2015, 3, 2, 10, 0, tzinfo=UTC)
    assert thread.answer_count == 2
    assert thread.first_answer_at == datetime(2015, 3, 1, 12, 0, tzinfo=UTC)
    assert sorted(thread.tags.values_list("name", flat=True)) == ["foam", "pouring"]
    accepted = thread.accepted_answer
    assert accepted.external_ref == "se:pour.stackexchange.com:3"
    assert accepted.is_accepted
    # The accept vote's date, not the thread's last activity.
    assert accepted.accepted_at == datetime(2015, 3, 4, tzinfo=UTC)
    assert thread.solved_at == accepted.accepted_at
    assert accepted.accepted_by_id == thread.author_id
    other = Thread.objects.get(external_ref="se:pour.stackexchange.com:2")
    assert other.status == ThreadStatus.ANSWERED
    assert other.duplicate_of == thread
    assert Category.objects.get(slug="pour").thread_count == 2


def test_imported_users_are_marked_and_cannot_log_in(small_dump):
    run(small_dump)

    anna = User.objects.get(external_ref="se:pour.stackexchange.com:10")
    assert anna.is_imported
    assert not anna.has_usable_password()
    assert anna.display_name == "Asker Anna"
    assert anna.username == "asker-anna"
    # Users who wrote nothing are not imported.
    assert not User.objects.filter(external_ref="se:pour.stackexchange.com:12").exists()


def test_a_post_of_a_deleted_account_goes_to_the_placeholder_with_its_name_kept(small_dump):
    run(small_dump)

    post = Post.objects.get(external_ref="se:pour.stackexchange.com:4")
    assert post.author.external_ref == "se:pour.stackexchange.com:former-member"
    assert not post.author.is_active
    assert post.source_author == "Gone Gustav"


def test_usernames_stay_unique_when_a_name_is_taken(small_dump):
    UserFactory(username="asker-anna")
    run(small_dump)

    assert User.objects.get(external_ref="se:pour.stackexchange.com:10").username == (
        "asker-anna-10"
    )


def test_vote_totals_are_stored_on_posts_and_no_vote_rows_are_created(small_dump):
    run(small_dump)

    post = Post.objects.get(external_ref="se:pour.stackexchange.com:3")
    assert (post.upvotes, post.downvotes, post.score) == (2, 1, 1)
    assert Thread.objects.get(external_ref="se:pour.stackexchange.com:1").score == 1
    assert Vote.objects.count() == 0


def test_bodies_are_sanitized_html_with_attribution(small_dump):
    run(small_dump)

    thread = Thread.objects.get(external_ref="se:pour.stackexchange.com:1")
    assert "<script>" not in thread.body_html
    assert "<b>too much</b>" in thread.body_html
    assert thread.source_format == SourceFormat.HTML
    assert thread.body_md == thread.body_html
    assert thread.source_url == "https://pour.stackexchange.com/q/1"
    assert thread.source_author == "Asker Anna"
    assert thread.source_licence == "CC BY-SA 4.0"
    post = Post.objects.get(external_ref="se:pour.stackexchange.com:3")
    assert post.source_url == "https://pour.stackexchange.com/a/3"
    assert post.source_author == "Helper Hans"


def test_imported_history_publishes_no_events(small_dump):
    run(small_dump)

    assert OutboxEvent.objects.count() == 0


def test_running_the_import_twice_changes_nothing(small_dump):
    run(small_dump)
    before = {
        "threads": list(Thread.objects.order_by("id").values()),
        "posts": list(Post.objects.order_by("id").values()),
        "users": User.objects.count(),
    }
    out = run(small_dump)

    assert "0 imported" in out
    assert list(Thread.objects.order_by("id").values()) == before["threads"]
    assert list(Post.objects.order_by("id").values()) == before["posts"]
    assert User.objects.count() == before["users"]


def test_an_interrupted_import_is_completed_by_running_it_again(tmp_path):
    posts = [question(1, AcceptedAnswerId=4), question(2), question(3), answer(4, 1)]
    posts += [answer(5, 2), answer(6, 3)]
    directory = tmp_path / "pour.stackexchange.com"
    # The "interrupted" run only got as far as the first two rows.
    write_dump(directory, users=SMALL_USERS, posts=posts[:2], tags=SMALL_TAGS)
    run(directory)
    write_dump(directory, users=SMALL_USERS, posts=posts, tags=SMALL_TAGS)
    run(directory)

    assert Thread.objects.count() == 3
    assert Post.objects.count() == 3
    first = Thread.objects.get(external_ref="se:pour.stackexchange.com:1")
    assert first.status == ThreadStatus.SOLVED
    assert first.answer_count == 1
    assert Thread.objects.get(external_ref="se:pour.stackexchange.com:2").answer_count == 1


def test_malformed_rows_are_reported_and_skipped(tmp_path):
    directory = write_dump(
        tmp_path / "pour.stackexchange.com",
        users=[*SMALL_USERS, {"Id": "x", "DisplayName": "Broken"}],
        posts=[
            question(1),
            question(2, Title=""),
            question(3, CreationDate="yesterday"),
            {"PostTypeId": 1, "Title": "No id at all here"},
            answer(5, 99),
            answer(6, 1),
        ],
        tags=SMALL_TAGS,
        votes=[{"Id": 1, "VoteTypeId": 2}],
    )
    out = run(directory)

    assert Thread.objects.count() == 1
    assert Post.objects.count() == 1
    assert "questions: no title: 1" in out
    assert "questions: missing or bad CreationDate: 1" in out
    assert "questions: missing or non-numeric Id: 1" in out
    assert "answers: question missing or skipped: 1" in out
    assert "votes: no PostId: 1" in out


def test_a_missing_required_file_is_a_clear_error(small_dump):
    (small_dump / "Votes.xml").unlink()

    with pytest.raises(CommandError, match=r"missing Votes\.xml"):
        run(small_dump)


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        run(tmp_path / "nowhere")


def test_an_unknown_category_is_a_clear_error(small_dump):
    with pytest.raises(CommandError, match="unknown category slug"):
        run(small_dump, "--category", "nope")


def test_a_tag_map_routes_questions_to_categories(small_dump, tmp_path):
    pouring = CategoryFactory(slug="pouring-help")
    general = CategoryFactory(slug="general")
    (small_dump / "Posts.xml").write_text(
        rows_xml("posts", [question(1), question(2, Tags="<styles>")]), encoding="utf-8"
    )
    tag_map = tmp_path / "map.json"
    tag_map.write_text(json.dumps({"foam": "pouring-help", "*": "general"}))
    run(small_dump, "--tag-map", str(tag_map))

    assert Thread.objects.get(external_ref="se:pour.stackexchange.com:1").category == pouring
    assert Thread.objects.get(external_ref="se:pour.stackexchange.com:2").category == general


def test_an_xml_bomb_is_refused(small_dump):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + "".join(
            f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
            for i in range(1, 10)
        )
        + ']>\n<users><row Id="1" DisplayName="&lol9;" /></users>\n'
    )
    (small_dump / "Users.xml").write_text(bomb)

    with pytest.raises(CommandError, match=r"Users\.xml: unsafe XML refused"):
        run(small_dump)
    assert User.objects.count() == 0


def test_a_huge_attribute_skips_that_row(small_dump):
    huge = "<p>" + "hop " * 100_000 + "</p>"
    (small_dump / "Posts.xml").write_text(
        rows_xml("posts", [question(1), question(2, Body=huge)]), encoding="utf-8"
    )
    out = run(small_dump)

    assert Thread.objects.count() == 1
    assert "attribute Body longer than 262,144 characters" in out


def test_a_row_too_large_to_read_refuses_the_file_before_buffering_it(small_dump):
    posts = [question(1), question(2, Body="x" * 5_000)]
    (small_dump / "Posts.xml").write_text(rows_xml("posts", posts), encoding="utf-8")

    with pytest.raises(Exception, match="refusing to read it"):
        stackexchange_import(directory=small_dump, max_row_bytes=2_000)


def test_broken_xml_is_a_clear_error(small_dump):
    (small_dump / "Tags.xml").write_text('<tags><row Id="1" TagName="a"></tags>')

    with pytest.raises(CommandError, match=r"Tags\.xml: not well-formed XML"):
        run(small_dump)


def test_a_rerun_does_not_reaccept_an_answer_unaccepted_since_the_import(
    small_dump, staff, django_capture_on_commit_callbacks
):
    from forum import services

    run(small_dump)
    thread = Thread.objects.get(external_ref="se:pour.stackexchange.com:1")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_unaccept(thread=thread, actor=staff)
    run(small_dump)

    thread.refresh_from_db()
    assert thread.accepted_answer is None
    assert thread.status == ThreadStatus.ANSWERED


def test_an_import_that_stops_halfway_is_finished_by_the_next_run(tmp_path):
    directory = tmp_path / "pour.stackexchange.com"
    posts = [question(1, AcceptedAnswerId=3), question(2), answer(3, 1), answer(4, 2)]
    write_dump(directory, users=SMALL_USERS, posts=posts, tags=SMALL_TAGS)

    def interrupt_after_three_posts(rows, desc, total):
        for n, row in enumerate(rows):
            if desc == "Posts.xml" and n == 3:
                raise KeyboardInterrupt  # as if Ctrl-C was pressed mid-import
            yield row

    with pytest.raises(KeyboardInterrupt):
        stackexchange_import(
            directory=directory, progress=interrupt_after_three_posts, batch_size=1
        )
    assert Thread.objects.count() == 2
    assert Post.objects.count() == 1
    assert not Thread.objects.filter(status=ThreadStatus.SOLVED).exists()

    run(directory)

    assert Thread.objects.count() == 2
    assert Post.objects.count() == 2
    solved = Thread.objects.get(status=ThreadStatus.SOLVED)
    assert solved.external_ref == "se:pour.stackexchange.com:1"
    assert Thread.objects.get(external_ref="se:pour.stackexchange.com:2").answer_count == 1


def test_a_resumed_import_indexes_the_threads_the_interrupted_run_created(tmp_path):
    from django.contrib.auth.models import AnonymousUser

    from forum.search import search_threads

    directory = tmp_path / "pour.stackexchange.com"
    posts = [
        question(1, Title="Why is my stout so flat?"),
        question(2, Title="Which glass suits a weizen?"),
        answer(3, 1),
        answer(4, 2),
    ]
    write_dump(directory, users=SMALL_USERS, posts=posts, tags=SMALL_TAGS)

    def interrupt_after_one_post(rows, desc, total):
        for n, row in enumerate(rows):
            if desc == "Posts.xml" and n == 1:
                raise KeyboardInterrupt
            yield row

    with pytest.raises(KeyboardInterrupt):
        stackexchange_import(directory=directory, progress=interrupt_after_one_post, batch_size=1)
    assert Thread.objects.count() == 1  # created, and never indexed by the stopped run

    run(directory)

    for word, ref in (
        ("stout", "se:pour.stackexchange.com:1"),
        ("weizen", "se:pour.stackexchange.com:2"),
    ):
        found = search_threads(query=word, viewer=AnonymousUser())
        assert [hit.thread.external_ref for hit in found.hits] == [ref]
