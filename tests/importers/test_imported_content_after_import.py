"""Imported posts stay editable and keep their vote totals through repairs."""

from __future__ import annotations

from forum import services
from forum.synchronize import post_synchronize
from tests.factories import PostFactory, ThreadFactory


def _imported_answer(category):
    thread = ThreadFactory(category=category, external_ref="se:beer:1", source_format="html")
    return PostFactory(
        thread=thread,
        external_ref="se:beer:2",
        source_format="html",
        body_md="<p>Use a <strong>cold</strong> glass.</p>",
        body_html="<p>Use a <strong>cold</strong> glass.</p>",
        upvotes=7,
        downvotes=1,
        score=6,
    )


def test_a_moderator_editing_an_imported_answer_keeps_its_html_formatting(staff, category):
    post = _imported_answer(category)
    services.answer_edit(
        post=post, editor=staff, body="<p>Use a <em>chilled</em> glass.<script>x()</script></p>"
    )
    post.refresh_from_db()
    assert post.body_html == "<p>Use a <em>chilled</em> glass.x()</p>"


def test_repairing_counters_keeps_the_vote_totals_of_imported_answers(category):
    post = _imported_answer(category)
    assert post_synchronize(post.pk) is False
    post.refresh_from_db()
    assert (post.upvotes, post.downvotes, post.score) == (7, 1, 6)
