"""Every moderation write. Each is one transaction that also appends its audit row
(ModerationAction: who, what, old and new values) so the log can never miss an action.

Locks: thread before posts, as in forum.services. Counters are recomputed with
forum.synchronize (which locks the rows it repairs) after structural changes such as
merge, move and delete, rather than patched by hand: those actions are rare and the
recompute is exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from forum import services as forum_services
from forum import synchronize
from forum.models import (
    Category,
    Flag,
    FlagReason,
    FlagState,
    ModerationAction,
    Post,
    Revision,
    SanctionKind,
    Thread,
    ThreadStatus,
    UserSanction,
)
from forum.moderation import permissions, rules
from forum.page_versions import thread_page_changed
from forum.permissions import SILENCED_GROUP, SUSPENDED_GROUP

SYSTEM_USERNAME = "moderation-bot"


# --- Audit log ------------------------------------------------------------------------------


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: Thread | Post | User | Flag,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> ModerationAction:
    """Append one audit row; call inside the transaction of the change it records."""
    target_type = {Thread: "thread", Post: "post", User: "user", Flag: "flag"}[type(target)]
    # Every moderation action on content changes what its thread page shows.
    if isinstance(target, Thread):
        thread_page_changed(target.pk)
    elif isinstance(target, Post | Flag):
        thread_page_changed(target.thread_id)
    return ModerationAction.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target.pk,
        old=old or {},
        new=new or {},
        reason=reason[:500],
    )


def _require_moderator(user: User) -> None:
    if not permissions.can_moderate(user):
        raise PermissionDenied(_("Only moderators can do this."))


def system_moderator() -> User:
    """The account automatic actions run as (auto-hide). Inactive, so nobody logs in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "Moderation bot", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name="moderator")[0])
    return user


# --- Flags ----------------------------------------------------------------------------------


def flagger_weights(flagger_ids: list[int]) -> dict[int, float]:
    """Beta-prior reliability of each flagger from their resolved flags (one query)."""
    rows = (
        Flag.objects.filter(flagger_id__in=flagger_ids)
        .exclude(state=FlagState.OPEN)
        .values("flagger_id")
        .annotate(
            up=Count("id", filter=Q(state=FlagState.UPHELD)),
            down=Count("id", filter=Q(state=FlagState.DISMISSED)),
        )
    )
    found = {r["flagger_id"]: (r["up"], r["down"]) for r in rows}
    return {
        fid: rules.flagger_weight(
            upheld=found.get(fid, (0, 0))[0], dismissed=found.get(fid, (0, 0))[1]
        )
        for fid in flagger_ids
    }


def _open_flags(thread: Thread, post: Post | None):  # type: ignore[no-untyped-def]
    qs = Flag.objects.filter(thread_id=thread.pk, state=FlagState.OPEN)
    return qs.filter(post_id=post.pk) if post else qs.filter(post__isnull=True)


def flag_weight_total(*, thread: Thread, post: Post | None) -> float:
    flags = list(_open_flags(thread, post).select_related("flagger"))
    people = [f.flagger_id for f in flags if f.flagger_id]
    weights = flagger_weights(people)
    total = 0.0
    for f in flags:
        if f.flagger_id is None:
            continue
        if permissions.can_moderate(f.flagger):
            total += rules.autohide_threshold()
        else:
            total += weights[f.flagger_id]
    return total


@transaction.atomic
def flag_create(
    *, flagger: User, thread: Thread, post: Post | None = None, reason: str, text: str = ""
) -> Flag:
    """Flag a question (``post`` None) or an answer. Refused for your own content and for
    a second flag on the same thing. May hide the content at once (see rules.py)."""
    if reason not in FlagReason.values or reason == FlagReason.REVIEW:
        raise ValidationError({"reason": [_("Choose a reason.")]}, code="invalid")
    text = (text or "").strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError({"text": [_("Please say what is wrong.")]}, code="required")
    if post is not None and post.thread_id != thread.pk:
        raise NotFound(_("This answer does not belong to this question."))
    target = post or thread
    if target.author_id == flagger.pk:
        raise PermissionDenied(_("You cannot flag your own post."))
    if not permissions.can_flag(flagger, thread=thread, post=post):
        raise PermissionDenied(_("You may not flag this."))
    try:
        # A savepoint: the unique constraint is the last word on "flagging twice".
        with transaction.atomic():
            flag = Flag.objects.create(
                thread=thread, post=post, flagger=flagger, reason=reason, text=text[:500]
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already flagged this.")) from exc
    if flag_weight_total(thread=thread, post=post) >= rules.autohide_threshold():
        bot = system_moderator()
        if post is not None:
            post_hide(post=post, moderator=bot, hidden=True, reason="auto: flags", resolve=False)
        else:
            thread_hide(
                thread=thread, moderator=bot, hidden=True, reason="auto: flags", resolve=False
            )
    return flag


def flag_for_review(*, thread: Thread, post: Post | None, text: str) -> Flag:
    """A system flag that puts content in the queue (new-account limits)."""
    return Flag.objects.create(
        thread=thread, post=post, flagger=None, reason=FlagReason.REVIEW, text=text[:500]
    )


def _resolve_flags(*, thread: Thread, post: Post | None, moderator: User, state: str) -> int:
    return _open_flags(thread, post).update(
        state=state, resolved_by=moderator, resolved_at=timezone.now()
    )


@transaction.atomic
def flags_dismiss(*, moderator: User, thread: Thread, post: Post | None = None) -> int:
    """Approve the content: the open flags on it were wrong. Content held for review
    (hidden by a flag or a new-account rule) is shown again."""
    _require_moderator(moderator)
    count = _resolve_flags(thread=thread, post=post, moderator=moderator, state=FlagState.DISMISSED)
    # Fresh from the database: the caller's object may predate an auto-hide.
    target = Post.objects.get(pk=post.pk) if post else Thread.objects.get(pk=thread.pk)
    if target.is_hidden:
        if post is not None:
            post_hide(post=post, moderator=moderator, hidden=False, resolve=False)
        else:
            thread_hide(thread=thread, moderator=moderator, hidden=False, resolve=False)
    audit_record(actor=moderator, action="flags_dismiss", target=target, new={"dismissed": count})
    return count


# --- Hiding ---------------------------------------------------------------------------------


@transaction.atomic
def post_hide(
    *, post: Post, moderator: User, hidden: bool, reason: str = "", resolve: bool = True
) -> Post:
    """Hide or restore an answer through forum.services.post_set_hidden (which publishes
    PostHidden and keeps the counters); hiding upholds the open flags on it."""
    _require_moderator(moderator)
    old = post.is_hidden
    post = forum_services.post_set_hidden(post=post, moderator=moderator, hidden=hidden)
    if old != hidden:
        audit_record(
            actor=moderator,
            action="post_hide" if hidden else "post_restore",
            target=post,
            old={"is_hidden": old},
            new={"is_hidden": hidden},
            reason=reason,
        )
    if hidden and resolve:
        _resolve_flags(thread=post.thread, post=post, moderator=moderator, state=FlagState.UPHELD)
    return post


def _locked_thread(thread_id: int) -> Thread:
    thread = Thread.objects.select_for_update(no_key=True).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound(_("This question does not exist."))
    return thread


def _set_thread_fields(
    *, thread: Thread, moderator: User, action: str, reason: str = "", **values: Any
) -> Thread:
    """Compare-and-set some thread fields under the row lock, with one audit row.
    Conflict if nothing would change (the page was stale or the click was doubled)."""
    thread = _locked_thread(thread.pk)
    old = {k: getattr(thread, k) for k in values}
    if old == values:
        raise Conflict(_("Nothing to change: someone may have done this already."))
    for k, v in values.items():
        setattr(thread, k, v)
    thread.save(update_fields=list(values))
    audit_record(
        actor=moderator,
        action=action,
        target=thread,
        old={k: _plain(v) for k, v in old.items()},
        new={k: _plain(v) for k, v in values.items()},
        reason=reason,
    )
    return thread


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def thread_hide(
    *, thread: Thread, moderator: User, hidden: bool, reason: str = "", resolve: bool = True
) -> Thread:
    _require_moderator(moderator)
    thread = _set_thread_fields(
        thread=thread,
        moderator=moderator,
        action="thread_hide" if hidden else "thread_restore",
        reason=reason,
        is_hidden=hidden,
    )
    synchronize.category_synchronize(thread.category_id)
    if hidden and resolve:
        _resolve_flags(thread=thread, post=None, moderator=moderator, state=FlagState.UPHELD)
    return thread


# --- Threads --------------------------------------------------------------------------------


@transaction.atomic
def thread_lock(*, thread: Thread, moderator: User, locked: bool, reason: str = "") -> Thread:
    _require_moderator(moderator)
    return _set_thread_fields(
        thread=thread,
        moderator=moderator,
        action="thread_lock" if locked else "thread_unlock",
        reason=reason,
        is_locked=locked,
    )


@transaction.atomic
def thread_close(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    """forum.services.thread_close (publishes ThreadClosed) plus the audit row."""
    _require_moderator(moderator)
    old = thread.status
    thread = forum_services.thread_close(thread=thread, moderator=moderator, reason=reason)
    audit_record(
        actor=moderator, action="thread_close", target=thread,
        old={"status": old}, new={"status": thread.status}, reason=reason,
    )  # fmt: skip
    _resolve_flags(thread=thread, post=None, moderator=moderator, state=FlagState.UPHELD)
    return thread


@transaction.atomic
def thread_reopen(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    _require_moderator(moderator)
    thread = forum_services.thread_reopen(thread=thread, moderator=moderator)
    audit_record(
        actor=moderator, action="thread_reopen", target=thread,
        old={"status": ThreadStatus.CLOSED.value}, new={"status": thread.status}, reason=reason,
    )  # fmt: skip
    return thread


@transaction.atomic
def thread_move(*, thread: Thread, moderator: User, category: Category, reason: str = "") -> Thread:
    _require_moderator(moderator)
    old_category_id = thread.category_id
    thread = _set_thread_fields(
        thread=thread, moderator=moderator, action="thread_move", reason=reason,
        category=category,
    )  # fmt: skip
    synchronize.category_synchronize(old_category_id)
    synchronize.category_synchronize(category.pk)
    return thread


@transaction.atomic
def thread_merge(*, source: Thread, target: Thread, moderator: User, reason: str = "") -> Thread:
    """Move every answer of ``source`` into ``target`` and leave ``source`` as a pointer
    (``merged_into``; its page redirects). An accepted answer in ``source`` is unaccepted
    first (publishing AnswerUnaccepted, so rewards are reversed consistently): ``target``
    keeps its own accepted answer, if any."""
    _require_moderator(moderator)
    if source.pk == target.pk:
        raise ValidationError(
            {"target": [_("A question cannot be merged into itself.")]}, code="same_thread"
        )
    # Both threads locked in id order, so two merges in opposite directions cannot deadlock.
    locked = {
        t.pk: t
        for t in Thread.objects.select_for_update(no_key=True)
        .filter(pk__in=[source.pk, target.pk])
        .order_by("id")
    }
    if len(locked) != 2:
        raise NotFound(_("This question does not exist."))
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id:
        raise Conflict(_("This question was already merged."))
    if target.merged_into_id or not target.is_visible:
        raise ValidationError(
            {"target": [_("Merge into a visible question that was not merged itself.")]},
            code="invalid_target",
        )
    if source.accepted_answer_id:
        forum_services.answer_unaccept(thread=source, actor=moderator)
    post_ids = list(Post.objects.filter(thread_id=source.pk).values_list("id", flat=True))
    Post.objects.filter(pk__in=post_ids).update(thread_id=target.pk)
    # Answer revisions follow their answers; the question's own history stays with source.
    Revision.objects.filter(post_id__in=post_ids).update(thread_id=target.pk)
    Flag.objects.filter(post_id__in=post_ids).update(thread_id=target.pk)
    source.merged_into = target
    source.is_hidden = True
    source.save(update_fields=["merged_into", "is_hidden"])
    audit_record(
        actor=moderator, action="thread_merge", target=source,
        old={"merged_into": None}, new={"merged_into": target.pk, "answers_moved": post_ids},
        reason=reason,
    )  # fmt: skip
    synchronize.thread_synchronize(source.pk)
    synchronize.thread_synchronize(target.pk)
    for category_id in {source.category_id, target.category_id}:
        synchronize.category_synchronize(category_id)
    target.refresh_from_db()
    return target


@transaction.atomic
def thread_mark_duplicate(
    *, thread: Thread, original: Thread, moderator: User, reason: str = ""
) -> Thread:
    """Point ``thread`` at the question that already answers it, and close it."""
    _require_moderator(moderator)
    if thread.pk == original.pk:
        raise ValidationError(
            {"original": [_("A question cannot be a duplicate of itself.")]}, code="same_thread"
        )
    if not original.is_visible:
        raise ValidationError({"original": [_("Choose a visible question.")]}, code="invalid")
    thread = _set_thread_fields(
        thread=thread, moderator=moderator, action="thread_duplicate", reason=reason,
        duplicate_of=original,
    )  # fmt: skip
    if thread.status != ThreadStatus.CLOSED:
        forum_services.thread_close(
            thread=thread, moderator=moderator, reason=reason or "duplicate"
        )
    return thread


@transaction.atomic
def thread_delete(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    """Soft delete: the row stays (rewards and history point at it), nobody but staff
    sees it."""
    _require_moderator(moderator)
    thread = _set_thread_fields(
        thread=thread, moderator=moderator, action="thread_delete", reason=reason,
        is_deleted=True,
    )  # fmt: skip
    _resolve_flags(thread=thread, post=None, moderator=moderator, state=FlagState.UPHELD)
    synchronize.category_synchronize(thread.category_id)
    return thread


@transaction.atomic
def post_delete(*, post: Post, moderator: User, reason: str = "") -> Post:
    """Soft delete an answer. A deleted accepted answer is unaccepted first, through the
    hide service, which publishes the events the rest of the system needs."""
    _require_moderator(moderator)
    if post.is_deleted:
        raise Conflict(_("This answer is already deleted."))
    if post.is_accepted:
        forum_services.post_set_hidden(post=post, moderator=moderator, hidden=True)
    Post.objects.filter(pk=post.pk).update(is_deleted=True)
    post.is_deleted = True
    audit_record(
        actor=moderator, action="post_delete", target=post,
        old={"is_deleted": False}, new={"is_deleted": True}, reason=reason,
    )  # fmt: skip
    _resolve_flags(thread=post.thread, post=post, moderator=moderator, state=FlagState.UPHELD)
    synchronize.thread_synchronize(post.thread_id)
    synchronize.category_synchronize(post.thread.category_id)
    return post


# --- People ---------------------------------------------------------------------------------

_GROUP_OF = {SanctionKind.SILENCE: SILENCED_GROUP, SanctionKind.SUSPEND: SUSPENDED_GROUP}


@transaction.atomic
def user_sanction(
    *, moderator: User, user: User, kind: str, days: int, reason: str
) -> UserSanction:
    """Silence or suspend ``user`` for ``days``; the reason is shown to them."""
    if not permissions.can_sanction(moderator, user):
        raise PermissionDenied(_("You may not sanction this person."))
    errors: dict[str, list[str]] = {}
    if kind not in _GROUP_OF:
        errors["kind"] = [_("Choose silence or suspension.")]
    if not 1 <= days <= 3650:
        errors["days"] = [_("Between 1 and 3650 days.")]
    if not reason.strip():
        errors["reason"] = [_("Tell the person why.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    sanction = UserSanction.objects.create(
        user=user, kind=kind, reason=reason.strip()[:500], starts_at=now,
        ends_at=now + timedelta(days=days), created_by=moderator,
    )  # fmt: skip
    user.groups.add(Group.objects.get_or_create(name=_GROUP_OF[kind])[0])
    user.__dict__.pop("_role_names", None)
    audit_record(
        actor=moderator, action=f"user_{kind}", target=user,
        new={"kind": kind, "ends_at": sanction.ends_at.isoformat()}, reason=reason,
    )  # fmt: skip
    return sanction


def _sync_sanction_groups(user: User, now: Any) -> None:
    active = set(
        UserSanction.objects.filter(
            user=user, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        ).values_list("kind", flat=True)
    )
    for kind, group_name in _GROUP_OF.items():
        group = Group.objects.get_or_create(name=group_name)[0]
        if kind in active:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    user.__dict__.pop("_role_names", None)


@transaction.atomic
def user_sanction_lift(*, moderator: User, sanction: UserSanction) -> UserSanction:
    if not permissions.can_sanction(moderator, sanction.user):
        raise PermissionDenied(_("You may not lift this sanction."))
    sanction = UserSanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.lifted_at is not None:
        raise Conflict(_("This sanction was already lifted."))
    now = timezone.now()
    sanction.lifted_at = now
    sanction.save(update_fields=["lifted_at"])
    _sync_sanction_groups(sanction.user, now)
    audit_record(
        actor=moderator, action=f"user_{sanction.kind}_lift", target=sanction.user,
        old={"ends_at": sanction.ends_at.isoformat()}, new={"lifted_at": now.isoformat()},
    )  # fmt: skip
    return sanction


def sanctions_expire() -> int:
    """Take people whose sanctions ran out out of the sanction groups (beat task)."""
    now = timezone.now()
    user_ids = set(
        User.objects.filter(groups__name__in=[SILENCED_GROUP, SUSPENDED_GROUP]).values_list(
            "id", flat=True
        )
    )
    still = set(
        UserSanction.objects.filter(
            user_id__in=user_ids, lifted_at__isnull=True, ends_at__gt=now
        ).values_list("user_id", flat=True)
    )
    done = 0
    for user in User.objects.filter(pk__in=user_ids - still):
        with transaction.atomic():
            _sync_sanction_groups(user, now)
        done += 1
    return done


def active_sanction(user: User) -> UserSanction | None:
    """The running sanction to show the person (one query; only called on pages that
    explain why posting is refused)."""
    now = timezone.now()
    return (
        UserSanction.objects.filter(
            user=user, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-kind", "-ends_at")  # "suspend" before "silence"
        .first()
    )


def staff_edit_record(
    *, editor_id: int, thread_id: int, post_id: int | None, revision: int
) -> ModerationAction | None:
    """Audit row for a moderator's edit of someone else's text (from PostEdited)."""
    editor = User.objects.filter(pk=editor_id).first()
    target: Thread | Post | None = (
        Post.objects.filter(pk=post_id).first()
        if post_id
        else Thread.objects.filter(pk=thread_id).first()
    )
    if editor is None or target is None or target.author_id == editor.pk:
        return None
    if not permissions.can_moderate(editor):
        return None
    return audit_record(
        actor=editor,
        action="post_edit" if post_id else "thread_edit",
        target=target,
        old={"revision": revision - 1},
        new={"revision": revision},
    )


# --- New accounts ---------------------------------------------------------------------------


def new_account_review(*, author_id: int, thread_id: int, post_id: int | None) -> bool:
    """After a new account posts: hold the post for review if it has too many links, the
    author posts faster than new accounts may, or first posts are pre-moderated.
    Returns True if the post was held. Idempotent (a held post is not held twice)."""
    from django.conf import settings

    author = User.objects.filter(pk=author_id).first()
    if author is None or permissions.can_moderate(author):
        return False
    age = timezone.now() - author.date_joined
    if settings.MODERATION_NEW_ACCOUNT_DAYS <= 0 or age > timedelta(
        days=settings.MODERATION_NEW_ACCOUNT_DAYS
    ):
        return False
    thread = Thread.objects.filter(pk=thread_id).first()
    post = Post.objects.filter(pk=post_id).first() if post_id else None
    if thread is None or (post_id and post is None):
        return False
    target = post or thread
    if (
        target.is_hidden
        or Flag.objects.filter(thread=thread, post=post, reason=FlagReason.REVIEW).exists()
    ):
        return False
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = (
        Thread.objects.filter(author_id=author_id, created_at__gte=hour_ago).count()
        + Post.objects.filter(author_id=author_id, created_at__gte=hour_ago).count()
    )
    links = rules.link_count(target.body_md)
    why = ""
    if links > settings.MODERATION_NEW_ACCOUNT_MAX_LINKS:
        why = f"new account: {links} links"
    elif recent > settings.MODERATION_NEW_ACCOUNT_POSTS_PER_HOUR:
        why = f"new account: {recent} posts in an hour"
    elif (
        settings.MODERATION_PREMODERATE_FIRST_POSTS
        and recent <= 1
        and (
            Thread.objects.filter(author_id=author_id).count()
            + Post.objects.filter(author_id=author_id).count()
            <= 1
        )
    ):
        why = "new account: first post"
    if not why:
        return False
    with transaction.atomic():
        bot = system_moderator()
        flag_for_review(thread=thread, post=post, text=why)
        if post is not None:
            post_hide(post=post, moderator=bot, hidden=True, reason=why, resolve=False)
        else:
            thread_hide(thread=thread, moderator=bot, hidden=True, reason=why, resolve=False)
    return True
