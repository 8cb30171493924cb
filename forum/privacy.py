"""Forum's part of a data export / erasure (registered in forum.apps, see accounts.privacy).

Erasure keeps questions and answers (others' answers and accepted solutions refer to
them); they show the pseudonym accounts.privacy gives the author. What identifies the
person beyond the account is removed.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from accounts.privacy import pseudonym
from forum.models import DeflectionEvent, Flag, Post, PostComment, Thread, UserSanction, Vote


def export_user(user: User) -> dict[str, Any]:
    return {
        "questions": [
            {"id": t.pk, "title": t.title, "body": t.body_md, "category": t.category.slug,
             "status": t.status, "created_at": t.created_at}
            for t in Thread.objects.filter(author=user).select_related("category").order_by("id")
        ],
        "answers": [
            {"id": p.pk, "question_id": p.thread_id, "body": p.body_md,
             "is_accepted": p.is_accepted, "created_at": p.created_at}
            for p in Post.objects.filter(author=user).order_by("id")
        ],
        "comments": [
            {"id": c.pk, "question_id": c.thread_id, "answer_id": c.post_id, "text": c.text,
             "created_at": c.created_at, "source_url": c.source_url}
            for c in PostComment.objects.filter(author=user).order_by("id")
        ],
        "votes": list(
            Vote.objects.filter(user=user).order_by("id").values("post_id", "value", "created_at")
        ),
        "flags": list(
            Flag.objects.filter(flagger=user)
            .order_by("id")
            .values("thread_id", "post_id", "reason", "text", "state", "created_at")
        ),
        "sanctions": list(
            UserSanction.objects.filter(user=user)
            .order_by("id")
            .values("kind", "reason", "starts_at", "ends_at", "lifted_at")
        ),
    }  # fmt: skip


def erase_user(user: User) -> None:
    # Flag texts are the person's words about others; the flag itself (and its weight in
    # the flag statistics) stays.
    Flag.objects.filter(flagger=user).update(text="")
    DeflectionEvent.objects.filter(user=user).update(user=None)
    # Imported comments stay, like posts (replies below them refer to them); the name kept
    # for the attribution becomes the pseudonym the account gets.
    # Imported questions and answers carry the original author's name for the licence
    # attribution: it becomes the pseudonym too (the source link stays; the licence asks
    # for attribution "as the author requests", and this author requested erasure).
    name = pseudonym(user)
    PostComment.objects.filter(author=user).update(source_author=name)
    Thread.objects.filter(author=user).exclude(source_author="").update(source_author=name)
    Post.objects.filter(author=user).exclude(source_author="").update(source_author=name)
