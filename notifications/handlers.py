"""Who to tell about what happened in the forum. Each handler runs inside the transaction
that records its delivery (core.dispatch) and is idempotent through dedupe keys."""

from __future__ import annotations

import re

from django.db.models import Q

from accounts.models import User
from core.events import subscribe
from forum import events
from forum.models import Post, Thread
from notifications.kinds import Kind
from notifications.models import Watch
from notifications.services import notification_send, thread_auto_watch

# @handle: a word boundary before the @, so e-mail addresses (a@b.c) are not mentions.
MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,149})")
MAX_MENTIONS = 20
# Fenced and inline code are not mentions (people paste "@Override" and decorators).
_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def mentioned_usernames(body_md: str) -> list[str]:
    text = _CODE_RE.sub(" ", body_md)
    names: list[str] = []
    for match in MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-")
        if name and name not in names:
            names.append(name)
        if len(names) >= MAX_MENTIONS:
            break
    return names


def _excerpt(post: Post, length: int = 300) -> str:
    text = " ".join(post.body_md.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _watchers(*, thread_id: int | None = None, category_id: int | None = None) -> set[int]:
    condition = Q()
    if thread_id is not None:
        condition |= Q(thread_id=thread_id)
    if category_id is not None:
        condition |= Q(category_id=category_id)
    # values_list over the (thread, user)/(category, user) indexes: one query however many.
    return set(Watch.objects.filter(condition).values_list("user_id", flat=True))


def on_post_created(event: events.PostCreated) -> None:
    if event.imported:
        return  # history brought in by an import is not news
    post = Post.objects.select_related("thread").filter(pk=event.post_id).first()
    if post is None or not post.is_visible or not post.thread.is_visible:
        return  # hidden content: nobody is told about what they may not see
    thread = post.thread
    author_id = event.author_id
    # One key per post for every kind: each person hears about one answer once, by the
    # most specific reason (asked > mentioned > watching).
    key = f"forum.post:{post.pk}"
    common = {
        "title": thread.title,
        "url": post.get_absolute_url(),
        "actor_id": author_id,
        "thread_id": thread.pk,
        "dedupe_key": key,
        "data": {"post_id": post.pk, "excerpt": _excerpt(post)},
    }
    notification_send(recipient_ids=[thread.author_id], kind=Kind.ANSWER_ON_MY_QUESTION, **common)
    names = mentioned_usernames(post.body_md)
    if names:
        mentioned = User.objects.filter(username__in=names, is_active=True).values_list(
            "pk", flat=True
        )
        notification_send(recipient_ids=mentioned, kind=Kind.MENTION, **common)
    watchers = _watchers(thread_id=thread.pk, category_id=thread.category_id)
    watchers.discard(thread.author_id)
    notification_send(recipient_ids=watchers, kind=Kind.WATCHED_THREAD_ANSWER, **common)
    # After the fan-out, so the answerer's own new watch cannot matter to this post.
    thread_auto_watch(user_id=author_id, thread_id=thread.pk)


def on_thread_created(event: events.ThreadCreated) -> None:
    if event.imported:
        return
    thread = Thread.objects.filter(pk=event.thread_id).first()
    if thread is None or not thread.is_visible:
        return
    thread_auto_watch(user_id=event.author_id, thread_id=thread.pk)
    watchers = _watchers(category_id=thread.category_id)
    notification_send(
        recipient_ids=watchers,
        kind=Kind.WATCHED_THREAD_ANSWER,
        title=thread.title,
        url=thread.get_absolute_url(),
        actor_id=event.author_id,
        thread_id=thread.pk,
        dedupe_key=f"forum.thread:{thread.pk}",
        data={"excerpt": " ".join(thread.body_md.split())[:300], "new_thread": True},
    )


def _visible_answer(post_id: int) -> Post | None:
    post = Post.objects.select_related("thread").filter(pk=post_id).first()
    if post is None or not post.is_visible or not post.thread.is_visible:
        return None
    return post


def on_answer_accepted(event: events.AnswerAccepted) -> None:
    if event.imported:
        return
    post = _visible_answer(event.post_id)
    if post is None:
        return
    notification_send(
        recipient_ids=[event.answer_author_id],
        kind=Kind.MY_ANSWER_ACCEPTED,
        title=post.thread.title,
        url=post.get_absolute_url(),
        actor_id=event.accepted_by_id,
        thread_id=post.thread_id,
        # Per event, not per post: accept, unaccept, accept again is news each time.
        dedupe_key=f"forum.event:{event.event_id}" if event.event_id else None,
        data={"post_id": post.pk},
    )


def on_answer_unaccepted(event: events.AnswerUnaccepted) -> None:
    post = _visible_answer(event.post_id)
    if post is None:
        return
    notification_send(
        recipient_ids=[event.answer_author_id],
        kind=Kind.MY_ANSWER_UNACCEPTED,
        title=post.thread.title,
        url=post.get_absolute_url(),
        actor_id=event.unaccepted_by_id,
        thread_id=post.thread_id,
        dedupe_key=f"forum.event:{event.event_id}" if event.event_id else None,
        data={"post_id": post.pk},
    )


def register() -> None:
    subscribe(events.PostCreated, "notifications.post_created", on_post_created)
    subscribe(events.ThreadCreated, "notifications.thread_created", on_thread_created)
    subscribe(events.AnswerAccepted, "notifications.answer_accepted", on_answer_accepted)
    subscribe(events.AnswerUnaccepted, "notifications.answer_unaccepted", on_answer_unaccepted)
