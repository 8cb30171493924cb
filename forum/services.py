"""Every write in the forum. Each function is one transaction that publishes its events
into the outbox before committing.

Locking rules (PostgreSQL; SQLite serialises writers with IMMEDIATE transactions):
* Accept/unaccept lock the thread row; the thread is the unit that owns "which answer is
  accepted", so two accepts on one thread run one after the other.
* Votes lock the post row; the post owns its score, so concurrent votes serialise per post
  and the score always equals the sum of vote rows.
* Where several rows are locked, the thread is locked before its posts.
``select_for_update(no_key=True)`` is used so inserts that reference the row (votes,
revisions) are not blocked by the lock.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.events import DomainEvent, publish
from core.exceptions import Conflict, NotFound, PermissionDenied
from core.markup import render_markdown, sanitize_html
from forum import events, permissions, validators
from forum.models import Category, Post, Revision, Tag, Thread, ThreadStatus, Vote
from forum.page_versions import thread_page_changed


def _iso(value: datetime) -> str:
    return value.isoformat()


def _publish(event: DomainEvent) -> None:
    """Publish a forum event; the thread's page changes with it."""
    publish(event)
    thread_page_changed(event.thread_id)  # type: ignore[attr-defined]


def _render_body(text: str, source_format: str) -> str:
    """Imported posts keep their (sanitized) HTML as source; ours are Markdown."""
    return sanitize_html(text) if source_format == "html" else render_markdown(text)


def _locked_thread(thread_id: int) -> Thread:
    thread = Thread.objects.select_for_update(no_key=True).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound(_("This question does not exist."))
    return thread


def _locked_post(post_id: int) -> Post:
    post = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("thread")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound(_("This answer does not exist."))
    return post


def _category_counts_add(thread: Thread, *, solved: int = 0, unanswered: int = 0) -> None:
    changes = {}
    if solved:
        changes["solved_count"] = F("solved_count") + solved
    if unanswered:
        changes["unanswered_count"] = F("unanswered_count") + unanswered
    if changes:
        Category.objects.filter(pk=thread.category_id).update(**changes)


# --- Questions ------------------------------------------------------------------------------


@transaction.atomic
def thread_create(
    *,
    author: User,
    category: Category | int,
    title: str,
    body: str,
    tags: list[str] | None = None,
) -> Thread:
    if not permissions.can_ask(author):
        raise PermissionDenied(_("Please sign in to ask a question."))
    errors: dict[str, list[validators.ValidationError]] = {}
    cleaned: dict[str, object] = {}
    for key, check, value in (
        ("title", validators.validate_title, title),
        ("body", validators.validate_question_body, body),
        (
            "category",
            validators.validate_category,
            category.pk if isinstance(category, Category) else category,
        ),
        ("tags", validators.validate_tags, tags or []),
    ):
        try:
            cleaned[key] = check(value)
        except validators.ValidationError as exc:
            # error_dict, not message_dict: keep each error's code for the API.
            errors.update(exc.error_dict)
    if errors:
        raise validators.ValidationError(errors)

    now = timezone.now()
    category_obj: Category = cleaned["category"]  # type: ignore[assignment]
    body_md: str = cleaned["body"]  # type: ignore[assignment]
    thread = Thread.objects.create(
        category=category_obj,
        author=author,
        title=cleaned["title"],
        body_md=body_md,
        body_html=render_markdown(body_md),
        created_at=now,
        last_activity_at=now,
    )
    thread.tags.set(cleaned["tags"])  # type: ignore[arg-type]
    Revision.objects.create(
        thread=thread, number=1, author=author, title=thread.title, body_md=body_md
    )
    Category.objects.filter(pk=category_obj.pk).update(
        thread_count=F("thread_count") + 1, unanswered_count=F("unanswered_count") + 1
    )
    _publish(
        events.ThreadCreated(
            thread_id=thread.pk,
            category_id=category_obj.pk,
            author_id=author.pk,
            created_at=_iso(now),
        )
    )
    return thread


@transaction.atomic
def thread_edit(
    *,
    thread: Thread,
    editor: User,
    title: str | None = None,
    body: str | None = None,
    tags: list[str] | None = None,
    reason: str = "",
) -> Thread:
    thread = _locked_thread(thread.pk)
    if not permissions.can_edit_thread(editor, thread):
        raise PermissionDenied(_("You may not edit this question."))
    new_title = validators.validate_title(title) if title is not None else thread.title
    new_body = validators.validate_question_body(body) if body is not None else thread.body_md
    new_tags = validators.validate_tags(tags) if tags is not None else None
    changed_text = new_title != thread.title or new_body != thread.body_md
    if not changed_text and new_tags is None:
        return thread
    now = timezone.now()
    fields = ["last_activity_at"]
    thread.last_activity_at = now
    revision = None
    if changed_text:
        thread.title = new_title
        thread.body_md = new_body
        thread.body_html = _render_body(new_body, thread.source_format)
        thread.edited_at = now
        fields += ["title", "body_md", "body_html", "edited_at"]
        revision = _next_revision(thread=thread, post=None, author=editor, reason=reason)
    thread.save(update_fields=fields)
    if new_tags is not None:
        thread.tags.set(new_tags)
    _publish(
        events.PostEdited(
            thread_id=thread.pk,
            post_id=None,
            editor_id=editor.pk,
            revision=revision.number if revision else 0,
        )
    )
    return thread


def _next_revision(*, thread: Thread, post: Post | None, author: User, reason: str) -> Revision:
    """Record the new text as the next revision. Caller holds the lock on the thread/post."""
    qs = Revision.objects.filter(thread=thread, post=post)
    last = qs.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        thread=thread,
        post=post,
        number=last + 1,
        author=author,
        title=thread.title if post is None else "",
        body_md=thread.body_md if post is None else post.body_md,
        reason=reason.strip()[:200],
    )


# --- Answers --------------------------------------------------------------------------------


@transaction.atomic
def answer_create(*, thread: Thread, author: User, body: str, official: bool = False) -> Post:
    body = validators.validate_answer_body(body)
    thread = _locked_thread(thread.pk)
    if not permissions.can_view_thread(author, thread):
        raise NotFound(_("This question does not exist."))
    if not permissions.can_answer(author, thread):
        raise PermissionDenied(_("This question is closed for new answers."))
    if official and not permissions.can_moderate(author):
        raise PermissionDenied(_("Only staff can post official answers."))
    now = timezone.now()
    post = Post.objects.create(
        thread=thread,
        author=author,
        body_md=body,
        body_html=render_markdown(body),
        is_official=official,
        created_at=now,
    )
    Revision.objects.create(thread=thread, post=post, number=1, author=author, body_md=body)
    is_first = thread.answer_count == 0
    thread.answer_count = F("answer_count") + 1
    thread.last_activity_at = now
    fields = ["answer_count", "last_activity_at"]
    if thread.first_answer_at is None:
        thread.first_answer_at = now
        fields.append("first_answer_at")
    if thread.status == ThreadStatus.OPEN:
        thread.status = ThreadStatus.ANSWERED
        fields.append("status")
    thread.save(update_fields=fields)
    # A closed question is not counted as unanswered (see category_synchronize), so staff
    # answering one must not take it off that count again.
    if is_first and thread.status != ThreadStatus.CLOSED:
        Category.objects.filter(pk=thread.category_id).update(
            unanswered_count=F("unanswered_count") - 1
        )
    _publish(
        events.PostCreated(
            post_id=post.pk,
            thread_id=thread.pk,
            category_id=thread.category_id,
            author_id=author.pk,
            asker_id=thread.author_id,
            is_first_answer=is_first,
            is_official=official,
            created_at=_iso(now),
        )
    )
    return post


@transaction.atomic
def answer_edit(*, post: Post, editor: User, body: str, reason: str = "") -> Post:
    body = validators.validate_answer_body(body)
    _locked_thread(post.thread_id)
    post = _locked_post(post.pk)
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied(_("You may not edit this answer."))
    if body == post.body_md:
        return post
    post.body_md = body
    post.body_html = _render_body(body, post.source_format)
    post.edited_at = timezone.now()
    post.save(update_fields=["body_md", "body_html", "edited_at"])
    revision = _next_revision(thread=post.thread, post=post, author=editor, reason=reason)
    _publish(
        events.PostEdited(
            thread_id=post.thread_id, post_id=post.pk, editor_id=editor.pk, revision=revision.number
        )
    )
    return post


@transaction.atomic
def post_set_hidden(*, post: Post, moderator: User, hidden: bool) -> Post:
    """Hide (or restore) an answer. Hiding the accepted answer unaccepts it first."""
    if not permissions.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can hide answers."))
    thread = _locked_thread(post.thread_id)
    post = _locked_post(post.pk)
    if post.is_hidden == hidden:
        return post
    thread_fields: list[str] = []
    if hidden and post.is_accepted:
        # The thread stops pointing at the answer and stops being solved, as in unaccept.
        _unaccept_locked(thread=thread, post=post, actor=moderator, replaced_by=None)
        thread.accepted_answer = None
        thread.solved_at = None
        thread_fields += ["accepted_answer", "solved_at"]
        if thread.status == ThreadStatus.SOLVED:
            thread.status = ThreadStatus.ANSWERED
            thread_fields.append("status")
            _category_counts_add(thread, solved=-1)
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    if not post.is_deleted:
        delta = -1 if hidden else 1
        Thread.objects.filter(pk=thread.pk).update(answer_count=F("answer_count") + delta)
        # Open <-> answered follows the visible answer count (as thread_synchronize says).
        if thread.status in (ThreadStatus.OPEN, ThreadStatus.ANSWERED):
            status = ThreadStatus.ANSWERED if thread.answer_count + delta else ThreadStatus.OPEN
            if status != thread.status:
                thread.status = status
                thread_fields.append("status")
        # The thread becomes (or stops being) unanswered when its only answer is hidden.
        if thread.status != ThreadStatus.CLOSED and thread.answer_count + delta == 0:
            _category_counts_add(thread, unanswered=1)
        elif thread.status != ThreadStatus.CLOSED and thread.answer_count == 0:
            _category_counts_add(thread, unanswered=-1)
    if thread_fields:
        # answer_count is not in update_fields: the F() update above stays authoritative.
        thread.save(update_fields=thread_fields)
    _publish(
        events.PostHidden(
            thread_id=thread.pk,
            post_id=post.pk,
            author_id=post.author_id,
            moderator_id=moderator.pk,
            hidden=hidden,
        )
    )
    return post


# --- Votes ----------------------------------------------------------------------------------


@transaction.atomic
def vote_cast(*, post: Post, user: User, value: int) -> Post:
    """Set the user's vote on an answer to +1/-1 (0 retracts). The same vote twice is a
    no-op that publishes nothing."""
    if value != 0:
        value = validators.validate_vote_value(value)
    post = _locked_post(post.pk)
    if not permissions.can_view_post(user, post) or not permissions.can_view_thread(
        user, post.thread
    ):
        raise NotFound(_("This answer does not exist."))
    if post.author_id == user.pk:
        raise PermissionDenied(_("You cannot vote on your own answer."))
    if not permissions.can_vote(user, post):
        raise PermissionDenied(_("You may not vote on this answer."))
    existing = Vote.objects.filter(post=post, user=user).first()
    old = existing.value if existing else 0
    if old == value:
        return post
    if value == 0:
        existing.delete()  # type: ignore[union-attr]
    elif existing:
        existing.value = value
        existing.save(update_fields=["value", "updated_at"])
    else:
        Vote.objects.create(post=post, user=user, value=value)
    up_delta = (value == 1) - (old == 1)
    down_delta = (value == -1) - (old == -1)
    Post.objects.filter(pk=post.pk).update(
        score=F("score") + (value - old),
        upvotes=F("upvotes") + up_delta,
        downvotes=F("downvotes") + down_delta,
    )
    _publish(
        events.VoteCast(
            post_id=post.pk,
            thread_id=post.thread_id,
            voter_id=user.pk,
            post_author_id=post.author_id,
            old_value=old,
            value=value,
        )
    )
    post.refresh_from_db(fields=["score", "upvotes", "downvotes"])
    return post


# --- Acceptance -----------------------------------------------------------------------------


def _unaccept_locked(*, thread: Thread, post: Post, actor: User, replaced_by: Post | None) -> None:
    """Clear the acceptance of ``post``. Caller holds the thread lock."""
    Post.objects.filter(pk=post.pk).update(is_accepted=False, accepted_at=None, accepted_by=None)
    post.is_accepted = False
    _publish(
        events.AnswerUnaccepted(
            thread_id=thread.pk,
            post_id=post.pk,
            category_id=thread.category_id,
            answer_author_id=post.author_id,
            unaccepted_by_id=actor.pk,
            replaced_by_post_id=replaced_by.pk if replaced_by else None,
        )
    )


@transaction.atomic
def answer_accept(*, thread: Thread, post: Post, actor: User) -> Thread:
    """Mark ``post`` as the answer that solved ``thread``, replacing any earlier one.

    Locks the thread first: two accepts racing on one thread serialise here, and the
    second sees the first one's result (the partial unique index is the backstop).
    """
    thread = _locked_thread(thread.pk)
    if not permissions.can_view_thread(actor, thread):
        raise NotFound(_("This question does not exist."))
    if not permissions.can_accept(actor, thread):
        raise PermissionDenied(_("Only the person who asked or staff can accept an answer."))
    post = Post.objects.filter(pk=post.pk, thread_id=thread.pk).first()  # type: ignore[assignment]
    if post is None:
        raise NotFound(_("This answer does not belong to this question."))
    if not post.is_visible:
        raise Conflict(_("A hidden answer cannot be accepted."))
    if thread.accepted_answer_id == post.pk:
        return thread  # already accepted: nothing changes, nothing is published
    now = timezone.now()
    was_solved = thread.status == ThreadStatus.SOLVED
    if thread.accepted_answer_id is not None:
        previous = Post.objects.get(pk=thread.accepted_answer_id)
        _unaccept_locked(thread=thread, post=previous, actor=actor, replaced_by=post)
    Post.objects.filter(pk=post.pk).update(is_accepted=True, accepted_at=now, accepted_by=actor)
    thread.accepted_answer = post
    thread.status = ThreadStatus.SOLVED
    thread.solved_at = now
    thread.last_activity_at = now
    thread.save(update_fields=["accepted_answer", "status", "solved_at", "last_activity_at"])
    if not was_solved:
        Category.objects.filter(pk=thread.category_id).update(solved_count=F("solved_count") + 1)
    _publish(
        events.AnswerAccepted(
            thread_id=thread.pk,
            post_id=post.pk,
            category_id=thread.category_id,
            answer_author_id=post.author_id,
            asker_id=thread.author_id,
            accepted_by_id=actor.pk,
            accepted_at=_iso(now),
            is_self_accept=post.author_id == thread.author_id,
        )
    )
    return thread


@transaction.atomic
def answer_unaccept(*, thread: Thread, actor: User) -> Thread:
    thread = _locked_thread(thread.pk)
    if not permissions.can_view_thread(actor, thread):
        raise NotFound(_("This question does not exist."))
    if not permissions.can_accept(actor, thread):
        raise PermissionDenied(_("Only the person who asked or staff can unaccept an answer."))
    if thread.accepted_answer_id is None:
        raise Conflict(_("No answer is accepted on this question."))
    previous = Post.objects.get(pk=thread.accepted_answer_id)
    _unaccept_locked(thread=thread, post=previous, actor=actor, replaced_by=None)
    thread.accepted_answer = None
    thread.solved_at = None
    fields = ["accepted_answer", "solved_at"]
    if thread.status == ThreadStatus.SOLVED:
        thread.status = ThreadStatus.ANSWERED if thread.answer_count else ThreadStatus.OPEN
        fields.append("status")
        Category.objects.filter(pk=thread.category_id).update(solved_count=F("solved_count") - 1)
    thread.save(update_fields=fields)
    return thread


# --- Moderation of threads ------------------------------------------------------------------


@transaction.atomic
def thread_close(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    if not permissions.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can close questions."))
    thread = _locked_thread(thread.pk)
    if thread.status == ThreadStatus.CLOSED:
        raise Conflict(_("This question is already closed."))
    _category_counts_add(
        thread,
        solved=-(thread.status == ThreadStatus.SOLVED),
        unanswered=-(thread.answer_count == 0),
    )
    thread.status = ThreadStatus.CLOSED
    thread.save(update_fields=["status"])
    _publish(
        events.ThreadClosed(thread_id=thread.pk, moderator_id=moderator.pk, reason=reason[:200])
    )
    return thread


@transaction.atomic
def thread_reopen(*, thread: Thread, moderator: User) -> Thread:
    if not permissions.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can reopen questions."))
    thread = _locked_thread(thread.pk)
    if thread.status != ThreadStatus.CLOSED:
        raise Conflict(_("This question is not closed."))
    if thread.accepted_answer_id:
        thread.status = ThreadStatus.SOLVED
    else:
        thread.status = ThreadStatus.ANSWERED if thread.answer_count else ThreadStatus.OPEN
    _category_counts_add(
        thread,
        solved=int(thread.status == ThreadStatus.SOLVED),
        unanswered=int(thread.answer_count == 0),
    )
    thread.save(update_fields=["status"])
    _publish(events.ThreadReopened(thread_id=thread.pk, moderator_id=moderator.pk))
    return thread


@transaction.atomic
def thread_view_count_add(*, thread_id: int, views: int = 1) -> None:
    Thread.objects.filter(pk=thread_id).update(view_count=F("view_count") + views)


THREAD_VIEW_DEDUPE_SECONDS = 15 * 60


def thread_view_record(*, thread_id: int, viewer_key: str) -> bool:
    """Count a view once per viewer per thread every 15 minutes; True if it counted.

    The cache ``add`` is atomic (Redis SETNX), so reloads and a busy page cost one cache
    round trip instead of a write on a hot row; the view count is a unique-viewer count,
    which is also the more honest figure.
    """
    key = f"forum:viewed:{thread_id}:{viewer_key}"
    if not cache.add(key, 1, timeout=THREAD_VIEW_DEDUPE_SECONDS):
        return False
    thread_view_count_add(thread_id=thread_id)
    return True


# --- Categories and tags (staff configuration) ----------------------------------------------


@transaction.atomic
def tag_get_or_create(*, name: str) -> Tag:
    from django.utils.text import slugify

    slug = slugify(name)[:40]
    tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name.strip().lower()[:40]})
    return tag


# --- Escalation status (called by escalations; forum does not import it) --------------------

ESCALATABLE_STATUSES = (ThreadStatus.OPEN, ThreadStatus.ANSWERED)


@transaction.atomic
def thread_mark_escalated(*, thread_id: int) -> bool:
    """Compare-and-set: an open or answered thread becomes "escalated". False when the
    thread is in any other state (already escalated, solved, closed) or hidden/deleted.

    Locks the thread row like every other thread write, so it serialises with accepts and
    closes; neither open nor answered counts as solved, and "unanswered" depends on the
    answer count, not the status, so no category counter changes.
    """
    thread = _locked_thread(thread_id)
    if thread.status not in ESCALATABLE_STATUSES or not thread.is_visible:
        return False
    thread.status = ThreadStatus.ESCALATED
    thread.save(update_fields=["status"])
    thread_page_changed(thread_id)
    return True


@transaction.atomic
def thread_mark_deescalated(*, thread_id: int, status: str) -> bool:
    """Compare-and-set: an escalated thread goes back to ``status`` (open, answered, solved
    or closed). False when the thread is not escalated (e.g. an accept already made it
    solved). Keeps the category counters consistent with thread_close/answer_accept."""
    if status not in (
        ThreadStatus.OPEN,
        ThreadStatus.ANSWERED,
        ThreadStatus.SOLVED,
        ThreadStatus.CLOSED,
    ):
        raise ValueError(f"cannot de-escalate to {status!r}")
    thread = _locked_thread(thread_id)
    if thread.status != ThreadStatus.ESCALATED:
        return False
    if status == ThreadStatus.SOLVED and thread.accepted_answer_id is None:
        raise Conflict(_("A question without an accepted answer cannot be solved."))
    _category_counts_add(
        thread,
        solved=int(status == ThreadStatus.SOLVED),
        unanswered=-(status == ThreadStatus.CLOSED and thread.answer_count == 0),
    )
    thread.status = status
    thread.save(update_fields=["status"])
    thread_page_changed(thread_id)
    return True
