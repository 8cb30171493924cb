"""Staff listening inbox pages (namespace "listening"). Thin: parse, check, one call."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import Conflict, NotFound, PermissionDenied
from core.tasks_queue import enqueue_on_commit
from listening import forms, permissions, selectors, services
from listening.models import ItemState, Source

PER_PAGE = 25
STATES = [*ItemState.values, "all"]


def _staff_only(request: HttpRequest) -> None:
    if not permissions.can_work_inbox(request.user):
        raise DjangoPermissionDenied


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", exc))


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    state = request.GET.get("state", ItemState.OPEN)
    if state not in STATES:
        state = ItemState.OPEN
    paginator = Paginator(selectors.inbox_items(state=None if state == "all" else state), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "listening/inbox.html",
        {
            "page": page,
            "state": state,
            "states": [(value, label) for value, label in ItemState.choices],
            "counts": selectors.inbox_counts(),
            "actions": selectors.action_counts(since=now - timedelta(days=30), until=now),
        },
    )


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    item = selectors.item_get(item_id=pk)
    if item is None:
        raise Http404
    form = forms.ActionForm(
        initial={"category": item.category_id, "title": (item.title or item.text)[:150]}
    )
    return render(
        request,
        "listening/item.html",
        {
            "item": item,
            "matches": selectors.item_matches(item=item, viewer=request.user),
            "history": selectors.item_actions(item=item),
            "form": form,
            "is_open": item.state in (ItemState.OPEN, ItemState.FILTERED),
        },
    )


@login_required
@require_POST
def item_act(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the form."))
        return redirect("listening:item", pk=pk)
    data = form.cleaned_data
    try:
        services.item_act(
            item_id=pk,
            actor=request.user,  # type: ignore[arg-type]
            action=data["action"],
            thread_id=data.get("thread_id"),
            category_id=data["category"].pk if data.get("category") else None,
            title=data.get("title") or "",
            body=data.get("body") or "",
        )
    except NotFound as exc:
        raise Http404 from exc
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Done. Copy the reply below to where the customer asked."))
    return redirect("listening:item", pk=pk)


@login_required
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return render(
        request, "listening/sources.html", {"sources": list(selectors.sources_with_health())}
    )


@login_required
@require_POST
def source_poll(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    if not Source.objects.filter(pk=pk).exists():
        raise Http404
    enqueue_on_commit("listening.tasks.poll_source", pk)
    messages.success(request, _("The source will be polled in a moment."))
    return redirect("listening:sources")
