"""Moderation pages: flag, the queue, actions on threads/answers, sanctions, audit log.

Thin views: parse -> permission (accounts.permission_table via forum.moderation.
permissions) -> one service -> redirect with a message. Service errors: PermissionDenied
-> 403, NotFound -> 404, Conflict/ValidationError -> a message and 400/409 on the form page.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.models import User
from core import exceptions
from forum import selectors as forum_selectors
from forum.models import Category, FlagReason, Post, SanctionKind, Thread, UserSanction
from forum.moderation import permissions, selectors, services

_flags_limit = ratelimit(
    key="user_or_ip", rate=settings.MODERATION_RATE_FLAGS, method="POST", block=True
)
_acts_limit = ratelimit(key="user", rate="600/h", method="POST", block=True)

USER_FLAG_REASONS = [(v, label) for v, label in FlagReason.choices if v != FlagReason.REVIEW]


def _require(check: bool) -> None:
    if not check:
        raise DjangoPermissionDenied(_("You may not do this."))


def _service_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except exceptions.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except exceptions.NotFound as exc:
            raise Http404(exc.message) from exc

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _error_text(exc: ValidationError | exceptions.ServiceError) -> str:
    if isinstance(exc, exceptions.ServiceError):
        return exc.message
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _thread_for_staff(pk: int) -> Thread:
    # Moderators see hidden and deleted threads too.
    return get_object_or_404(Thread.objects.select_related("category"), pk=pk)


# --- Flagging -------------------------------------------------------------------------------


def _flag_page(
    request: HttpRequest, thread: Thread, post: Post | None, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "moderation/flag.html",
        {"thread": thread, "post": post, "reasons": USER_FLAG_REASONS, "error": error},
        status=status,
    )


def _flag(request: HttpRequest, thread: Thread, post: Post | None) -> HttpResponse:
    if not permissions.can_flag(request.user, thread=thread, post=post):
        raise DjangoPermissionDenied(_("You may not flag this."))
    if request.method == "GET":
        return _flag_page(request, thread, post)
    try:
        services.flag_create(
            flagger=request.user,  # type: ignore[arg-type]
            thread=thread,
            post=post,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except exceptions.Conflict as exc:
        return _flag_page(request, thread, post, error=exc.message, status=409)
    except ValidationError as exc:
        return _flag_page(request, thread, post, error=_error_text(exc), status=400)
    messages.success(request, _("Thank you. A moderator will look at it."))
    return redirect(post.get_absolute_url() if post else thread.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
@_flags_limit
@_service_errors
def flag_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = forum_selectors.thread_get(pk=pk, viewer=request.user)
    if thread is None:
        raise Http404(_("This question does not exist."))
    return _flag(request, thread, None)


@require_http_methods(["GET", "POST"])
@login_required
@_flags_limit
@_service_errors
def flag_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = forum_selectors.post_get(pk=pk, viewer=request.user)
    if post is None:
        raise Http404(_("This answer does not exist."))
    return _flag(request, post.thread, post)


# --- The queue ------------------------------------------------------------------------------


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_see_queue(request.user))
    return render(request, "moderation/queue.html", {"items": selectors.moderation_queue()})


# --- Actions --------------------------------------------------------------------------------

THREAD_ACTIONS = (
    "approve", "hide", "restore", "lock", "unlock", "close", "reopen", "delete",
    "move", "merge", "duplicate",
)  # fmt: skip
POST_ACTIONS = ("approve", "hide", "restore", "delete")


def thread_action_run(*, user: User, thread: Thread, action: str, data: Any) -> Thread:
    """Shared by the page and the API: one action name -> one service. ``data`` is the
    form or JSON body (reason, category, target, original)."""
    reason = str(data.get("reason", "") or "")[:500]
    if action == "approve":
        services.flags_dismiss(moderator=user, thread=thread)
    elif action in ("hide", "restore"):
        services.thread_hide(thread=thread, moderator=user, hidden=action == "hide", reason=reason)
    elif action in ("lock", "unlock"):
        services.thread_lock(thread=thread, moderator=user, locked=action == "lock", reason=reason)
    elif action == "close":
        services.thread_close(thread=thread, moderator=user, reason=reason)
    elif action == "reopen":
        services.thread_reopen(thread=thread, moderator=user, reason=reason)
    elif action == "delete":
        services.thread_delete(thread=thread, moderator=user, reason=reason)
    elif action == "move":
        category = Category.objects.filter(pk=str(data.get("category", "")) or 0).first()
        if category is None:
            raise ValidationError({"category": [_("Choose a category.")]})
        services.thread_move(thread=thread, moderator=user, category=category, reason=reason)
    elif action == "merge":
        return services.thread_merge(
            source=thread, target=_other_thread_from(data, "target"), moderator=user, reason=reason
        )
    elif action == "duplicate":
        services.thread_mark_duplicate(
            thread=thread, original=_other_thread_from(data, "original"), moderator=user,
            reason=reason,
        )  # fmt: skip
    else:
        raise exceptions.NotFound(_("Unknown action."))
    return thread


def _other_thread_from(data: Any, field: str) -> Thread:
    raw = str(data.get(field, "") or "").strip().rstrip("/").rsplit("/", 1)[-1]
    if not raw.isdigit():
        raise ValidationError({field: [_("Give the number of the other question.")]})
    other = Thread.objects.filter(pk=int(raw)).first()
    if other is None:
        raise ValidationError({field: [_("There is no question with this number.")]})
    return other


def post_action_run(*, user: User, post: Post, action: str, reason: str = "") -> Post:
    if action == "approve":
        services.flags_dismiss(moderator=user, thread=post.thread, post=post)
    elif action in ("hide", "restore"):
        services.post_hide(post=post, moderator=user, hidden=action == "hide", reason=reason)
    elif action == "delete":
        services.post_delete(post=post, moderator=user, reason=reason)
    else:
        raise exceptions.NotFound(_("Unknown action."))
    return post


def _back(request: HttpRequest, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@login_required
@_acts_limit
@_service_errors
def thread_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require(permissions.can_moderate(request.user))
    if action not in THREAD_ACTIONS:
        raise Http404(_("Unknown action."))
    thread = _thread_for_staff(pk)
    try:
        result = thread_action_run(
            user=request.user,  # type: ignore[arg-type]
            thread=thread,
            action=action,
            data=request.POST,
        )
    except (exceptions.Conflict, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        status = 409 if isinstance(exc, exceptions.Conflict) else 400
        return render(request, "moderation/manage.html", _manage_context(thread), status=status)
    messages.success(request, _("Done."))
    return redirect(_back(request, result.get_absolute_url()))


@require_POST
@login_required
@_acts_limit
@_service_errors
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require(permissions.can_moderate(request.user))
    if action not in POST_ACTIONS:
        raise Http404(_("Unknown action."))
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    try:
        post_action_run(
            user=request.user,  # type: ignore[arg-type]
            post=post,
            action=action,
            reason=request.POST.get("reason", "")[:500],
        )
    except exceptions.Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect(_back(request, post.thread.get_absolute_url()))


def _manage_context(thread: Thread) -> dict[str, Any]:
    return {
        "thread": thread,
        "categories": list(Category.objects.filter(is_active=True).order_by("position", "name")),
        "actions": THREAD_ACTIONS,
    }


@require_GET
@login_required
def thread_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move, merge, mark as duplicate: the actions that need a second input."""
    _require(permissions.can_moderate(request.user))
    return render(request, "moderation/manage.html", _manage_context(_thread_for_staff(pk)))


# --- People ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@_acts_limit
@_service_errors
def sanction(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    _require(permissions.can_sanction(request.user, person))
    status, error = 200, ""
    if request.method == "POST":
        days = request.POST.get("days", "")
        try:
            services.user_sanction(
                moderator=request.user,  # type: ignore[arg-type]
                user=person,
                kind=request.POST.get("kind", ""),
                days=int(days) if days.isdigit() else 0,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            status, error = 400, _error_text(exc)
        else:
            messages.success(request, _("The sanction is in force."))
            return redirect("moderation:sanction", username=person.username)
    return render(
        request,
        "moderation/sanction.html",
        {
            "person": person,
            "kinds": SanctionKind.choices,
            "history": list(person.sanctions.select_related("created_by").order_by("-starts_at")),
            "error": error,
        },
        status=status,
    )


@require_POST
@login_required
@_acts_limit
@_service_errors
def sanction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(UserSanction.objects.select_related("user"), pk=pk)
    _require(permissions.can_sanction(request.user, item.user))
    try:
        services.user_sanction_lift(moderator=request.user, sanction=item)  # type: ignore[arg-type]
    except exceptions.Conflict as exc:
        messages.error(request, exc.message)
    return redirect("moderation:sanction", username=item.user.username)


@require_GET
@login_required
def my_status(request: HttpRequest) -> HttpResponse:
    """Why you cannot post right now (the reason a moderator gave, and until when)."""
    return render(
        request,
        "moderation/status.html",
        {"sanction": services.active_sanction(request.user)},  # type: ignore[arg-type]
    )


# --- Audit log ------------------------------------------------------------------------------


def _log_filters(request: HttpRequest) -> dict[str, Any]:
    actor = request.GET.get("actor", "")
    return {
        "action": request.GET.get("action", "")[:40],
        "target_type": request.GET.get("target_type", "")[:20],
        "actor_id": int(actor) if actor.isdigit() else None,
    }


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_see_audit_log(request.user))
    page = forum_selectors.paginate(
        selectors.audit_log(**_log_filters(request)), page=request.GET.get("page") or "1",
        per_page=50,
    )  # fmt: skip
    return render(request, "moderation/log.html", {"page_obj": page})


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: object) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ is run as a formula.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@login_required
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require(permissions.can_see_audit_log(request.user))
    rows = selectors.audit_log(**_log_filters(request))
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield writer.writerow(
            ["id", "when", "actor_id", "actor", "action", "target_type", "target_id",
             "old", "new", "reason"]
        )  # fmt: skip
        for row in rows.iterator(chunk_size=1000):
            yield writer.writerow(
                [_csv_cell(v) for v in (
                    row.pk, row.created_at.isoformat(), row.actor_id,
                    row.actor.username if row.actor else "", row.action, row.target_type,
                    row.target_id, row.old, row.new, row.reason,
                )]
            )  # fmt: skip

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    return response
