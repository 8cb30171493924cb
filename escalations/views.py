"""Staff desk pages and the customer's "ask staff for help" button target.

Thin: parse → check permission → one service or selector → render or redirect. Service
errors become a message on the page they came from.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.models import User
from core.exceptions import Conflict, NotFound, PermissionDenied
from escalations import forms, permissions, selectors, services
from escalations.models import Resolution


def _desk_only(request: HttpRequest) -> None:
    if not permissions.can_work_cases(request.user):
        raise DjangoPermissionDenied


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", exc))


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    form = forms.QueueFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "state": data.get("state") or None,
            "category_id": data["category"].pk if data.get("category") else None,
            "assignee": data.get("assignee") or None,
        }
    cases = list(selectors.case_queue(viewer=request.user, **filters)[:200])
    now = timezone.now()
    for case in cases:
        case.breached = bool(case.due_at and case.due_at <= now)
    return render(
        request,
        "escalations/queue.html",
        {
            "cases": cases,
            "counts": selectors.case_counts(),
            "form": form,
            "now": now,
            "duty": selectors.duty_of(user=request.user),
        },
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_only(request)
    case = selectors.case_get(pk=pk)
    if case is None:
        raise Http404
    now = timezone.now()
    staff = selectors.desk_staff()
    return render(
        request,
        "escalations/case.html",
        {
            "case": case,
            "thread": case.thread,
            "posts": selectors.case_posts(case=case),
            "notes": selectors.case_notes(case=case),
            "events": selectors.case_events(case=case),
            "history": selectors.customer_history(case=case),
            "deliveries": list(selectors.deliveries(case_id=case.pk)[:20]),
            "breached": bool(case.is_open and case.due_at and case.due_at <= now),
            "now": now,
            "can_assign": permissions.can_assign_cases(request.user),
            "assign_form": forms.AssignForm(staff=staff, initial={"assignee": case.assignee_id}),
            "resolve_form": forms.ResolveForm(),
            "note_form": forms.NoteForm(),
            "answer_form": forms.AnswerForm(),
        },
    )


def _act_assign(request: HttpRequest, pk: int) -> None:
    form = forms.AssignForm(request.POST, staff=selectors.desk_staff())
    if not form.is_valid():
        raise ValidationError(_("Choose a staff member."))
    assignee = User.objects.filter(pk=form.cleaned_data["assignee"], is_active=True).first()
    if assignee is None:
        raise ValidationError(_("Choose a staff member."))
    services.case_assign(case_id=pk, actor=request.user, assignee=assignee)  # type: ignore[arg-type]


def _act_resolve(request: HttpRequest, pk: int) -> None:
    form = forms.ResolveForm(request.POST)
    resolution = form.cleaned_data["resolution"] if form.is_valid() else Resolution.BY_STAFF
    services.case_resolve(case_id=pk, actor=request.user, resolution=resolution)  # type: ignore[arg-type]


def _act_note(request: HttpRequest, pk: int) -> None:
    form = forms.NoteForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Write a note."))
    services.case_note_add(case_id=pk, author=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]


def _act_answer(request: HttpRequest, pk: int) -> None:
    form = forms.AnswerForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Write an answer."))
    services.case_answer_post(
        case_id=pk,
        actor=request.user,  # type: ignore[arg-type]
        body=form.cleaned_data["body"],
        accept=form.cleaned_data["accept"],
    )


_ACTIONS: dict[str, tuple[Callable[[HttpRequest, int], None], str]] = {
    "claim": (lambda r, pk: services.case_claim(case_id=pk, actor=r.user), _("Case claimed.")),  # type: ignore[dict-item]
    "assign": (_act_assign, _("Case assigned.")),
    "unassign": (
        lambda r, pk: services.case_unassign(case_id=pk, actor=r.user),  # type: ignore[dict-item]
        _("Case is back in the queue."),
    ),
    "wait": (
        lambda r, pk: services.case_wait_on_customer(case_id=pk, actor=r.user),  # type: ignore[dict-item]
        _("Waiting on the customer."),
    ),
    "resolve": (_act_resolve, _("Case resolved.")),
    "reopen": (
        lambda r, pk: services.case_reopen(case_id=pk, actor=r.user),  # type: ignore[dict-item]
        _("Case reopened."),
    ),
    "note": (_act_note, _("Note added.")),
    "answer": (_act_answer, _("Official answer posted.")),
}


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _desk_only(request)
    if action not in _ACTIONS:
        raise Http404
    handler, success = _ACTIONS[action]
    try:
        handler(request, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except (Conflict, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)
    return redirect("escalations:case", pk=pk)


@login_required
@require_POST
def duty(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    on_duty = request.POST.get("on_duty") == "1"
    services.staff_duty_set(user=request.user, on_duty=on_duty)  # type: ignore[arg-type]
    messages.success(request, _("You are on duty.") if on_duty else _("You are off duty."))
    return redirect("escalations:queue")


@login_required
@require_POST
def escalate(request: HttpRequest, thread_pk: int) -> HttpResponse:
    """A moderator escalates any thread (form field: reason)."""
    _desk_only(request)
    form = forms.AskStaffForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        case = services.escalation_open_by_moderator(
            thread_id=thread_pk,
            moderator=request.user,  # type: ignore[arg-type]
            reason=reason,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("forum:thread", kwargs={"pk": thread_pk}))
    messages.success(request, _("The question was escalated to staff."))
    return redirect("escalations:case", pk=case.pk)


@login_required
@require_POST
@ratelimit(key="user", rate="10/h", method="POST", block=True)
def ask_staff(request: HttpRequest, thread_pk: int) -> HttpResponse:
    """The asker's "ask staff for help" button (form field: reason, optional)."""
    form = forms.AskStaffForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.escalation_request_by_customer(
            thread_id=thread_pk,
            customer=request.user,  # type: ignore[arg-type]
            reason=reason,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Thanks. Our support staff will look at your question and answer here.")
        )
    return HttpResponseRedirect(reverse("forum:thread", kwargs={"pk": thread_pk}))
