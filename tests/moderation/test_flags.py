"""Flags: who may flag, once only, and the weighted auto-hide."""

from __future__ import annotations

import pytest

from core.exceptions import Conflict, PermissionDenied, ValidationError
from forum.models import Flag, FlagState, ModerationAction, Post, Thread
from forum.moderation import rules, services


def test_a_newcomer_weighs_one_half_and_a_good_record_weighs_more():
    assert rules.flagger_weight(upheld=0, dismissed=0) == 0.5
    assert rules.flagger_weight(upheld=10, dismissed=0) == pytest.approx(12 / 14)
    assert rules.flagger_weight(upheld=0, dismissed=10) == pytest.approx(2 / 14)


def test_flagging_an_answer_creates_an_open_flag(answer, customer):
    flag = services.flag_create(flagger=customer, thread=answer.thread, post=answer, reason="spam")
    assert flag.state == FlagState.OPEN
    assert flag.post_id == answer.pk


def test_flagging_your_own_post_is_refused_and_changes_nothing(answer, other_customer):
    with pytest.raises(PermissionDenied):
        services.flag_create(
            flagger=other_customer, thread=answer.thread, post=answer, reason="spam"
        )
    assert not Flag.objects.exists()


def test_flagging_the_same_answer_twice_is_a_conflict(answer, customer):
    services.flag_create(flagger=customer, thread=answer.thread, post=answer, reason="spam")
    with pytest.raises(Conflict):
        services.flag_create(
            flagger=customer, thread=answer.thread, post=answer, reason="offensive"
        )
    assert Flag.objects.count() == 1


def test_other_needs_a_text(thread, other_customer):
    with pytest.raises(ValidationError):
        services.flag_create(flagger=other_customer, thread=thread, reason="other", text=" ")
    assert not Flag.objects.exists()


def test_three_newcomers_hide_an_answer_automatically(answer, make_users):
    a, b, c = make_users(3)
    services.flag_create(flagger=a, thread=answer.thread, post=answer, reason="spam")
    services.flag_create(flagger=b, thread=answer.thread, post=answer, reason="spam")
    answer.refresh_from_db()
    assert not answer.is_hidden  # 0.5 + 0.5 < 1.5
    services.flag_create(flagger=c, thread=answer.thread, post=answer, reason="spam")
    answer.refresh_from_db()
    assert answer.is_hidden
    assert ModerationAction.objects.filter(action="post_hide", target_id=answer.pk).exists()
    # The flags stay open: a moderator still decides.
    assert Flag.objects.filter(state=FlagState.OPEN).count() == 3


def test_flaggers_with_a_record_of_dismissed_flags_cannot_hide_alone(
    answer, make_users, moderator, category
):
    from tests.factories import ThreadFactory

    a, b, c = make_users(3)
    # Give a, b, c a history of ten dismissed flags each.
    for user in (a, b, c):
        for _ in range(10):
            t = ThreadFactory(category=category)
            Flag.objects.create(thread=t, flagger=user, reason="spam", state=FlagState.DISMISSED)
    for user in (a, b, c):
        services.flag_create(flagger=user, thread=answer.thread, post=answer, reason="spam")
    answer.refresh_from_db()
    assert not answer.is_hidden  # 3 * 2/14 < 1.5


def test_a_moderators_flag_hides_a_question_at_once(thread, moderator):
    services.flag_create(flagger=moderator, thread=thread, reason="spam")
    thread.refresh_from_db()
    assert thread.is_hidden


def test_approving_dismisses_the_flags_and_shows_the_content_again(answer, make_users, moderator):
    for user in make_users(3):
        services.flag_create(flagger=user, thread=answer.thread, post=answer, reason="spam")
    services.flags_dismiss(moderator=moderator, thread=answer.thread, post=answer)
    answer.refresh_from_db()
    assert not answer.is_hidden
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.DISMISSED}
    assert Thread.objects.get(pk=answer.thread_id).answer_count == 1


def test_hiding_upholds_the_open_flags(answer, customer, moderator):
    services.flag_create(flagger=customer, thread=answer.thread, post=answer, reason="spam")
    services.post_hide(post=answer, moderator=moderator, hidden=True)
    assert Flag.objects.get().state == FlagState.UPHELD
    assert Post.objects.get(pk=answer.pk).is_hidden
