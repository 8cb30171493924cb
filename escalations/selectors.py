"""Reads for the staff desk: the queue, a case with its context, the customer's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from escalations.models import (
    OPEN_CASE_STATES,
    Case,
    CaseEvent,
    CaseNote,
    CaseState,
    StaffDuty,
    WebhookDelivery,
)
from forum.models import Post, Thread


def case_queue(
    *,
    state: str | None = None,
    category_id: int | None = None,
    assignee: str | int | None = None,
    viewer: User | None = None,
) -> QuerySet[Case]:
    """Unresolved cases (or those in ``state``), the most urgent first.

    ``assignee``: a user id, "me" (the viewer) or "none" (unassigned). Waiting cases have
    no due time and sort last.
    """
    qs = Case.objects.select_related("thread", "thread__category", "customer", "assignee")
    qs = qs.filter(state=state) if state else qs.filter(state__in=OPEN_CASE_STATES)
    if category_id:
        qs = qs.filter(thread__category_id=category_id)
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee == "me" and viewer is not None:
        qs = qs.filter(assignee=viewer)
    elif isinstance(assignee, int) or (isinstance(assignee, str) and assignee.isdigit()):
        qs = qs.filter(assignee_id=int(assignee))
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")


def case_counts() -> dict[str, int]:
    """Cases per state (resolved: the last 30 days) and how many are overdue, one query."""
    now = timezone.now()
    row = Case.objects.aggregate(
        open=Count("pk", filter=Q(state=CaseState.OPEN)),
        assigned=Count("pk", filter=Q(state=CaseState.ASSIGNED)),
        waiting_on_customer=Count("pk", filter=Q(state=CaseState.WAITING_ON_CUSTOMER)),
        resolved=Count(
            "pk",
            filter=Q(state=CaseState.RESOLVED, resolved_at__gte=now - timedelta(days=30)),
        ),
        breached=Count("pk", filter=Q(state__in=OPEN_CASE_STATES, due_at__lte=now)),
    )
    return {key: int(value or 0) for key, value in row.items()}


def case_get(*, pk: int) -> Case | None:
    return (
        Case.objects.select_related(
            "thread",
            "thread__category",
            "thread__author",
            "thread__accepted_answer",
            "customer",
            "assignee",
            "opened_by",
        )
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class CustomerHistory:
    customer: User
    joined_at: datetime
    thread_count: int
    solved_count: int
    earlier_threads: list[Thread]
    earlier_cases: list[Case]


def customer_history(*, case: Case, limit: int = 10) -> CustomerHistory:
    customer = case.customer
    threads = Thread.objects.filter(author=customer)
    stats = threads.aggregate(total=Count("pk"), solved=Count("pk", filter=Q(status="solved")))
    return CustomerHistory(
        customer=customer,
        joined_at=customer.date_joined,
        thread_count=stats["total"],
        solved_count=stats["solved"],
        earlier_threads=list(
            threads.exclude(pk=case.thread_id)
            .select_related("category")
            .order_by("-created_at")[:limit]
        ),
        earlier_cases=list(
            Case.objects.filter(customer=customer)
            .exclude(pk=case.pk)
            .select_related("thread")
            .order_by("-opened_at")[:limit]
        ),
    )


def case_posts(*, case: Case) -> list[Post]:
    """Every answer of the thread, hidden ones included (staff see everything)."""
    return list(
        Post.objects.filter(thread_id=case.thread_id)
        .select_related("author")
        .order_by("created_at", "id")
    )


def case_notes(*, case: Case) -> list[CaseNote]:
    return list(CaseNote.objects.filter(case=case).select_related("author"))


def case_events(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor"))


def desk_staff() -> list[User]:
    """People cases can be assigned to, for the assignee picker."""
    from accounts.roles import MODERATING_ROLES

    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=list(MODERATING_ROLES)) | Q(is_superuser=True))
        .distinct()
        .order_by("display_name", "username")[:200]
    )


def duty_of(*, user: User) -> StaffDuty | None:
    return StaffDuty.objects.filter(user=user).first()


def open_case_for_thread(*, thread_id: int) -> Case | None:
    return Case.objects.filter(thread_id=thread_id, state__in=OPEN_CASE_STATES).first()


def deliveries(*, case_id: int | None = None) -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.select_related("endpoint")
    if case_id:
        qs = qs.filter(case_id=case_id)
    return qs.order_by("-id")
