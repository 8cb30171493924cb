"""Server-rendered forum pages.

Every view: parse -> check ``forum.permissions`` -> one selector or service -> render, or
redirect with a message. Service errors map to HTTP: ``PermissionDenied`` -> 403,
``NotFound`` -> 404, ``Conflict`` -> a message and a redirect, ``ValidationError`` -> the
form again with per-field errors and status 400.

Write views are POST-only, need a signed-in user and are rate-limited per user (or IP).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.models import User
from core import exceptions
from core.markup import render_markdown
from core.page_cache import anonymous_page
from forum import permissions, selectors, services
from forum.forms import (
    AnswerEditForm,
    AnswerForm,
    AskForm,
    ThreadEditForm,
    VoteForm,
    add_service_errors,
)
from forum.models import Category, Post, Revision, Tag, Thread
from forum.page_versions import thread_page_version

View = Callable[..., HttpResponse]

_posts_limit = ratelimit(
    key="user_or_ip", rate=settings.FORUM_RATE_POSTS, method="POST", block=True
)
_votes_limit = ratelimit(
    key="user_or_ip", rate=settings.FORUM_RATE_VOTES, method="POST", block=True
)
_accepts_limit = ratelimit(
    key="user_or_ip", rate=settings.FORUM_RATE_ACCEPTS, method="POST", block=True
)


def _service_errors(view: View) -> View:
    """Turn the service layer's 403/404 errors into Django's, so the error pages render."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except exceptions.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except exceptions.NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


def _page_number(request: HttpRequest) -> str:
    return request.GET.get("page") or "1"


def _safe_next(request: HttpRequest, default: str) -> str:
    """Where to go after a POST: the form's ``next`` if it is one of ours."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _thread_or_404(request: HttpRequest, pk: int) -> Thread:
    thread = selectors.thread_get(pk=pk, viewer=request.user)
    if thread is None:
        raise Http404(_("This question does not exist."))
    return thread


def _post_or_404(request: HttpRequest, pk: int) -> Post:
    post = selectors.post_get(pk=pk, viewer=request.user)
    if post is None:
        raise Http404(_("This answer does not exist."))
    return post


def _answer_url(post: Post, *, page: int = 1) -> str:
    url = reverse("forum:thread", kwargs={"pk": post.thread_id})
    if page > 1:
        url += f"?page={page}"
    return f"{url}#answer-{post.pk}"


# --- Lists ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    def page() -> HttpResponse:
        recent, unanswered = selectors.home_threads(viewer=request.user, limit=8)
        return render(
            request,
            "forum/home.html",
            {
                "categories": list(selectors.category_list()),
                "recent": recent,
                "unanswered": unanswered,
            },
        )

    # Anonymous visitors may see the home page up to 15 seconds old.
    return anonymous_page(request, key="home", timeout=15, render=page)


def _choice(request: HttpRequest, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in choices else default


@require_GET
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_get(slug=slug)
    if category is None:
        raise Http404(_("This category does not exist."))
    current_filter = _choice(
        request, "filter", selectors.ThreadFilter.CHOICES, selectors.ThreadFilter.ALL
    )
    sort = _choice(request, "sort", selectors.ThreadSort.CHOICES, selectors.ThreadSort.NEWEST)
    # The denormalised counters move with every new, answered or solved thread, so they
    # version the anonymous page cache; re-sorting by activity may lag up to 15 seconds.
    version = (
        f"category:{category.pk}:{category.thread_count}:{category.solved_count}:"
        f"{category.unanswered_count}"
    )
    return anonymous_page(
        request,
        key=version,
        timeout=15,
        render=lambda: _category_page(request, category, current_filter, sort),
    )


def _category_page(
    request: HttpRequest, category: Category, current_filter: str, sort: str
) -> HttpResponse:
    page = selectors.paginate(
        selectors.thread_list(
            viewer=request.user, category=category, filter=current_filter, sort=sort
        ),
        page=_page_number(request),
        per_page=settings.FORUM_THREADS_PER_PAGE,
    )
    return render(
        request,
        "forum/category.html",
        {
            "category": category,
            "page_obj": page,
            "current_filter": current_filter,
            "sort": sort,
            "filters": [
                (selectors.ThreadFilter.ALL, _("All")),
                (selectors.ThreadFilter.UNANSWERED, _("Unanswered")),
                (selectors.ThreadFilter.UNSOLVED, _("Unsolved")),
                (selectors.ThreadFilter.SOLVED, _("Solved")),
            ],
            "sorts": [
                (selectors.ThreadSort.NEWEST, _("Newest")),
                (selectors.ThreadSort.ACTIVE, _("Recently active")),
                (selectors.ThreadSort.VOTES, _("Most votes")),
            ],
        },
    )


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    page = selectors.paginate(
        selectors.thread_list(viewer=request.user, tag=tag, sort=selectors.ThreadSort.NEWEST),
        page=_page_number(request),
        per_page=settings.FORUM_THREADS_PER_PAGE,
    )
    return render(request, "forum/tag.html", {"tag": tag, "page_obj": page})


# --- Asking ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@_posts_limit
@_service_errors
def ask(request: HttpRequest) -> HttpResponse:
    if not permissions.can_ask(request.user):
        raise DjangoPermissionDenied(_("Please sign in to ask a question."))
    status = 200
    if request.method == "POST":
        form = AskForm(request.POST)
        if form.is_valid():
            try:
                thread = services.thread_create(
                    author=request.user,  # type: ignore[arg-type]
                    category=form.cleaned_data["category"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your question is posted."))
                return redirect(thread)
        status = 400
    else:
        initial = {}
        slug = request.GET.get("category")
        if slug:
            initial["category"] = selectors.category_get(slug=slug)
        if request.GET.get("title"):
            # Invitations (e.g. from the listening inbox) prefill the customer's words.
            initial["title"] = request.GET["title"][: settings.FORUM_TITLE_MAX_LENGTH]
        form = AskForm(initial=initial)
    return render(request, "forum/ask.html", {"form": form}, status=status)


# --- A thread -------------------------------------------------------------------------------


def _thread_context(request: HttpRequest, thread: Thread, **extra: object) -> dict[str, Any]:
    """Everything the thread page shows; the per-answer flags are computed here so the
    template asks no questions that cost queries."""
    user = request.user
    data = selectors.thread_page(thread=thread, viewer=user, page=_page_number(request))
    answers = list(data.answers.object_list)
    accepted = thread.accepted_answer
    shown = [*answers, accepted] if accepted else answers
    for post in shown:
        # The thread is already loaded: reuse it instead of a query per answer.
        post.thread = thread
        post.my_vote = data.my_votes.get(post.pk, 0)
        post.can_edit = permissions.can_edit_post(user, post)
        post.can_vote = permissions.can_vote(user, post)
    comments = selectors.imported_comments(thread=thread, post_ids=[p.pk for p in shown])
    for post in shown:
        post.imported_comments = comments.get(post.pk, [])
    can_answer = permissions.can_answer(user, thread)
    context: dict[str, Any] = {
        "thread": thread,
        "accepted": accepted,
        "answers": answers,
        "page_obj": data.answers,
        "can_accept": permissions.can_accept(user, thread),
        "can_edit_thread": permissions.can_edit_thread(user, thread),
        "can_answer": can_answer,
        "answer_form": AnswerForm() if can_answer else None,
        "tags": list(thread.tags.all()),
        "question_comments": comments.get(None, []),
    }
    context.update(extra)
    return context


@require_GET
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = (
        f"u{request.user.pk}"
        if request.user.is_authenticated
        else request.META.get("REMOTE_ADDR", "")
    )

    def page() -> HttpResponse:
        thread = _thread_or_404(request, pk)
        if thread.merged_into_id and not permissions.can_moderate(request.user):
            return redirect("forum:thread", pk=thread.merged_into_id)
        services.thread_view_record(thread_id=thread.pk, viewer_key=viewer)
        return render(request, "forum/thread.html", _thread_context(request, thread))

    # Anonymous visitors of a busy thread are served from the cache without a database
    # query: every write that changes the page bumps its version (forum.page_versions);
    # anything that does not is at most 30 seconds old. Only 200 pages are cached, so a
    # thread that was hidden or merged stops being served from the cache at once.
    version = thread_page_version(pk)
    response = anonymous_page(request, key=f"thread:{pk}:v{version}", timeout=30, render=page)
    if getattr(response, "from_page_cache", False):
        services.thread_view_record(thread_id=pk, viewer_key=viewer)
    return response


@require_POST
@login_required
@_posts_limit
@_service_errors
def answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if not permissions.can_answer(request.user, thread):
        raise DjangoPermissionDenied(_("This question is closed for new answers."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            post = services.answer_create(
                thread=thread,
                author=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you! Your answer is posted."))
            return redirect("forum:post", pk=post.pk)
    context = _thread_context(request, thread, answer_form=form)
    return render(request, "forum/thread.html", context, status=400)


@require_POST
@login_required
@_accepts_limit
@_service_errors
def accept(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if not permissions.can_accept(request.user, thread):
        raise DjangoPermissionDenied(_("Only the person who asked or staff can accept an answer."))
    post = get_object_or_404(Post, pk=post_pk, thread_id=thread.pk)
    if not permissions.can_view_post(request.user, post):
        raise Http404(_("This answer does not exist."))
    try:
        services.answer_accept(thread=thread, post=post, actor=request.user)  # type: ignore[arg-type]
    except exceptions.Conflict as exc:
        messages.error(request, exc.message)
        return redirect(thread)
    messages.success(request, _("Marked as the accepted answer. Thank you for closing the loop!"))
    return redirect(thread)


@require_POST
@login_required
@_accepts_limit
@_service_errors
def unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if not permissions.can_accept(request.user, thread):
        raise DjangoPermissionDenied(
            _("Only the person who asked or staff can unaccept an answer.")
        )
    try:
        services.answer_unaccept(thread=thread, actor=request.user)  # type: ignore[arg-type]
    except exceptions.Conflict as exc:
        messages.error(request, exc.message)
        return redirect(thread)
    messages.success(request, _("The answer is no longer marked as accepted."))
    return redirect(thread)


def _edit(
    request: HttpRequest,
    form_class: type[forms.Form],
    *,
    initial: Callable[[], dict[str, object]],
    save: Callable[[dict[str, Any]], object],
) -> tuple[forms.Form, bool]:
    """The edit pages' form cycle: GET shows ``initial``; a valid POST goes to ``save``
    (service errors land on the form) and says "saved". ``initial`` is only read for a
    GET. Returns (form, saved)."""
    if request.method != "POST":
        return form_class(initial=initial()), False
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return form, True
    return form, False


@require_http_methods(["GET", "POST"])
@login_required
@_posts_limit
@_service_errors
def thread_edit(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if not permissions.can_edit_thread(request.user, thread):
        raise DjangoPermissionDenied(_("You may not edit this question."))
    form, saved = _edit(
        request,
        ThreadEditForm,
        initial=lambda: {
            "title": thread.title,
            "body": thread.body_md,
            "tags": ", ".join(t.slug for t in thread.tags.all()),
        },
        save=lambda data: services.thread_edit(
            thread=thread,
            editor=request.user,  # type: ignore[arg-type]
            title=data["title"],
            body=data["body"],
            tags=data["tags"],
            reason=data["reason"],
        ),
    )
    if saved:
        return redirect(thread)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "forum/thread_edit.html", {"thread": thread, "form": form}, status=status
    )


@require_GET
def thread_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    revisions = Revision.objects.filter(thread=thread).select_related("author", "post")
    if not permissions.can_moderate(request.user):
        # Revisions of hidden answers stay as hidden as the answers.
        revisions = revisions.filter(
            Q(post__isnull=True) | Q(post__is_hidden=False, post__is_deleted=False)
        )
    question: list[Revision] = []
    answers: dict[int, list[Revision]] = {}
    for revision in revisions.order_by("post_id", "number"):
        # Revisions are stored as Markdown source; they are shown rendered and sanitized.
        revision.rendered_html = render_markdown(revision.body_md)
        if revision.post_id is None:
            question.append(revision)
        else:
            answers.setdefault(revision.post_id, []).append(revision)
    return render(
        request,
        "forum/thread_revisions.html",
        {
            "thread": thread,
            "question_revisions": list(reversed(question)),
            "answer_revisions": [
                (post_id, list(reversed(revs))) for post_id, revs in answers.items()
            ],
        },
    )


# --- A single answer ------------------------------------------------------------------------


@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Permalink of an answer: the thread page it is on, scrolled to it."""
    post = _post_or_404(request, pk)
    thread = post.thread
    if thread.accepted_answer_id == post.pk:
        return redirect(_answer_url(post))
    before = (
        selectors.thread_answers(thread=thread, viewer=request.user)
        .filter(Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, id__lt=post.id))
        .count()
    )
    return redirect(_answer_url(post, page=before // settings.FORUM_ANSWERS_PER_PAGE + 1))


@require_http_methods(["GET", "POST"])
@login_required
@_posts_limit
@_service_errors
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not permissions.can_edit_post(request.user, post):
        raise DjangoPermissionDenied(_("You may not edit this answer."))
    form, saved = _edit(
        request,
        AnswerEditForm,
        initial=lambda: {"body": post.body_md},
        save=lambda data: services.answer_edit(
            post=post,
            editor=request.user,  # type: ignore[arg-type]
            body=data["body"],
            reason=data["reason"],
        ),
    )
    if saved:
        return redirect("forum:post", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "forum/post_edit.html", {"post": post, "form": form}, status=status)


@require_POST
@login_required
@_votes_limit
@_service_errors
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("A vote is 1 (up), -1 (down) or 0 (none)."), status=400)
    value = form.cleaned_data["value"]
    services.vote_cast(post=post, user=request.user, value=value)  # type: ignore[arg-type]
    if value == 0:
        messages.success(request, _("Your vote is withdrawn."))
    else:
        messages.success(request, _("Thanks, your vote is counted."))
    return redirect(_safe_next(request, reverse("forum:post", kwargs={"pk": post.pk})))


# --- People ---------------------------------------------------------------------------------


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username, is_active=True)
    show = "accepted" if request.GET.get("show") == "accepted" else "answers"
    page = selectors.paginate(
        selectors.user_answers(user=person, viewer=request.user, accepted_only=show == "accepted"),
        page=_page_number(request),
        per_page=settings.FORUM_THREADS_PER_PAGE,
    )
    stats = selectors.user_category_stats(user=person)
    return render(
        request,
        "forum/profile.html",
        {
            "person": person,
            "page_obj": page,
            "show": show,
            "stats": stats,
            "answer_total": sum(row["answers"] for row in stats),
            "accepted_total": sum(row["accepted"] for row in stats),
        },
    )
