"""Moderator actions on questions and answers, each with its audit row."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict, PermissionDenied, ValidationError
from forum import services as forum_services
from forum.models import Category, ModerationAction, Post, Thread, ThreadStatus
from forum.moderation import services
from tests.factories import CategoryFactory


def _audit(action: str) -> ModerationAction:
    return ModerationAction.objects.get(action=action)


def test_locking_and_unlocking_records_old_and_new_values(thread, moderator):
    services.thread_lock(thread=thread, moderator=moderator, locked=True, reason="heated")
    row = _audit("thread_lock")
    assert (row.old, row.new, row.reason, row.actor) == (
        {"is_locked": False}, {"is_locked": True}, "heated", moderator,
    )  # fmt: skip
    services.thread_lock(thread=thread, moderator=moderator, locked=False)
    assert not Thread.objects.get(pk=thread.pk).is_locked


def test_locking_twice_is_a_conflict_and_logs_once(thread, moderator):
    services.thread_lock(thread=thread, moderator=moderator, locked=True)
    with pytest.raises(Conflict):
        services.thread_lock(thread=thread, moderator=moderator, locked=True)
    assert ModerationAction.objects.count() == 1


def test_a_customer_cannot_moderate_and_nothing_changes(thread, other_customer):
    for call in (
        lambda: services.thread_lock(thread=thread, moderator=other_customer, locked=True),
        lambda: services.thread_hide(thread=thread, moderator=other_customer, hidden=True),
        lambda: services.thread_close(thread=thread, moderator=other_customer),
        lambda: services.thread_delete(thread=thread, moderator=other_customer),
    ):
        with pytest.raises(PermissionDenied):
            call()
    fresh = Thread.objects.get(pk=thread.pk)
    assert not (fresh.is_locked or fresh.is_hidden or fresh.is_deleted)
    assert fresh.status == ThreadStatus.OPEN
    assert not ModerationAction.objects.exists()


def test_closing_and_reopening_go_through_the_forum_services(thread, answer, moderator):
    services.thread_close(thread=thread, moderator=moderator, reason="solved elsewhere")
    assert Thread.objects.get(pk=thread.pk).status == ThreadStatus.CLOSED
    services.thread_reopen(thread=thread, moderator=moderator)
    assert Thread.objects.get(pk=thread.pk).status == ThreadStatus.ANSWERED
    assert [r.action for r in ModerationAction.objects.order_by("id")] == [
        "thread_close", "thread_reopen",
    ]  # fmt: skip


def test_moving_a_thread_updates_both_categories_counts(thread, moderator, category):
    other = CategoryFactory(name="Scanners", slug="scanners")
    services.thread_move(thread=thread, moderator=moderator, category=other)
    assert Thread.objects.get(pk=thread.pk).category_id == other.pk
    assert Category.objects.get(pk=category.pk).thread_count == 0
    assert Category.objects.get(pk=other.pk).thread_count == 1
    assert _audit("thread_move").new == {"category": other.pk}


def test_merging_moves_the_answers_and_points_the_old_thread_at_the_new(
    thread, answer, moderator, customer, category, other_customer
):
    target = forum_services.thread_create(
        author=customer, category=category, title="Blank pages after updating the printer",
        body="Since the last firmware update all pages are blank.",
    )  # fmt: skip
    forum_services.answer_accept(thread=thread, post=answer, actor=customer)
    services.thread_merge(source=thread, target=target, moderator=moderator)
    source = Thread.objects.get(pk=thread.pk)
    target.refresh_from_db()
    assert source.merged_into_id == target.pk and source.is_hidden
    assert Post.objects.get(pk=answer.pk).thread_id == target.pk
    assert target.answer_count == 1 and source.answer_count == 0
    # The accepted mark does not travel: target decides its own solution.
    assert not Post.objects.get(pk=answer.pk).is_accepted
    assert _audit("thread_merge").new["answers_moved"] == [answer.pk]


def test_merging_a_thread_into_itself_is_refused_and_changes_nothing(thread, answer, moderator):
    with pytest.raises(ValidationError):
        services.thread_merge(source=thread, target=thread, moderator=moderator)
    assert Thread.objects.get(pk=thread.pk).merged_into_id is None
    assert not ModerationAction.objects.exists()


def test_marking_a_duplicate_points_at_the_original_and_closes(
    thread, moderator, customer, category
):
    original = forum_services.thread_create(
        author=customer, category=category, title="Printer prints empty pages",
        body="All pages come out of the printer empty.",
    )  # fmt: skip
    services.thread_mark_duplicate(thread=thread, original=original, moderator=moderator)
    fresh = Thread.objects.get(pk=thread.pk)
    assert fresh.duplicate_of_id == original.pk
    assert fresh.status == ThreadStatus.CLOSED


def test_deleting_an_answer_is_soft_and_fixes_the_counts(thread, answer, moderator):
    services.post_delete(post=answer, moderator=moderator, reason="spam")
    post = Post.objects.get(pk=answer.pk)
    assert post.is_deleted
    fresh = Thread.objects.get(pk=thread.pk)
    assert fresh.answer_count == 0 and fresh.status == ThreadStatus.OPEN
    with pytest.raises(Conflict):
        services.post_delete(post=post, moderator=moderator)


def test_hiding_and_restoring_a_question_updates_the_category_count(thread, moderator, category):
    services.thread_hide(thread=thread, moderator=moderator, hidden=True)
    assert Category.objects.get(pk=category.pk).thread_count == 0
    services.thread_hide(thread=thread, moderator=moderator, hidden=False)
    assert Category.objects.get(pk=category.pk).thread_count == 1


def test_a_moderators_edit_of_someone_elses_answer_is_audited(
    answer, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.answer_edit(
            post=answer, editor=moderator, body="Reinstall the driver (link removed)."
        )
    row = _audit("post_edit")
    assert row.actor == moderator and row.target_id == answer.pk
    assert row.new["revision"] == row.old["revision"] + 1
