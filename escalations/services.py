"""Every write of the escalations app.

Locking rules (PostgreSQL; SQLite serialises writers with IMMEDIATE transactions):
* The thread row is locked before the case row, always. Opening a case locks the thread
  (``forum.services.thread_mark_escalated``) and then inserts the case; transitions that
  touch the thread (resolve, reopen) lock the thread first too. One order, no deadlock.
* Case transitions are compare-and-set: read the state, ``UPDATE ... WHERE state = <read>``
  and check the row count. A lost race is a Conflict (409), never a silent overwrite.
* The SLA sweep claims each due clock with ``UPDATE ... WHERE state='running' AND
  next_due_at <= now``: of two sweeps racing on one clock exactly one gets rowcount 1.
  The partial unique constraint ``one_open_case_per_thread`` is the backstop.
* No network inside a transaction: notifications and webhooks are queued on commit.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from core.tasks_queue import enqueue_on_commit
from escalations import permissions
from escalations.business_hours import BusinessCalendar, CalendarError, add_business_time
from escalations.models import (
    OPEN_CASE_STATES,
    Case,
    CaseEvent,
    CaseNote,
    CaseSource,
    CaseState,
    ClockState,
    DeliveryState,
    InboundWebhookEvent,
    Resolution,
    SlaClock,
    SlaPolicy,
    StaffDuty,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from escalations.webhooks import TransientWebhookError, WebhookRefused, post_json, sign
from forum.models import Post, Thread, ThreadStatus

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "escalation_update"


# --- Policies and calendars -----------------------------------------------------------------


def sla_policy_for(*, category_id: int) -> SlaPolicy | None:
    """The category's own active policy, else the active default (category NULL)."""
    policies = SlaPolicy.objects.filter(
        Q(category_id=category_id) | Q(category__isnull=True), is_active=True
    )
    chosen = None
    for policy in policies:
        if policy.category_id == category_id:
            return policy
        chosen = policy
    return chosen


def _calendar(policy: SlaPolicy | None) -> BusinessCalendar | None:
    if policy is None:
        return None
    try:
        return policy.calendar()
    except CalendarError:
        # A broken calendar must not stop clocks: fall back to plain hours, loudly.
        logger.exception("SLA policy %s has an invalid calendar; using plain hours", policy.pk)
        return None


def _staff_due(*, policy: SlaPolicy | None, start: datetime) -> datetime:
    minutes = policy.staff_response_minutes if policy else 240
    return add_business_time(start, timedelta(minutes=minutes), _calendar(policy))


# --- SLA clocks -----------------------------------------------------------------------------


@transaction.atomic
def sla_clock_start(*, thread_id: int, started_at: datetime | None = None) -> SlaClock | None:
    """Start the thread's clock (idempotent: an existing clock is returned unchanged)."""
    existing = SlaClock.objects.filter(thread_id=thread_id).first()
    if existing is not None:
        return existing
    thread = Thread.objects.filter(pk=thread_id).only("category_id", "created_at").first()
    if thread is None:
        return None
    policy = sla_policy_for(category_id=thread.category_id)
    if policy is None:
        return None
    start = started_at or thread.created_at
    calendar = _calendar(policy)
    first_due = add_business_time(start, timedelta(minutes=policy.first_answer_minutes), calendar)
    accepted_due = add_business_time(
        start, timedelta(minutes=policy.accepted_answer_minutes), calendar
    )
    # Savepoint: a concurrent start of the same clock loses on the primary key and returns
    # the winner's row instead of failing the caller's transaction.
    try:
        with transaction.atomic():
            return SlaClock.objects.create(
                thread_id=thread_id,
                policy=policy,
                state=ClockState.RUNNING,
                started_at=start,
                first_answer_due_at=first_due,
                accepted_due_at=accepted_due,
                next_due_at=min(first_due, accepted_due),
            )
    except IntegrityError:
        return SlaClock.objects.get(thread_id=thread_id)


@transaction.atomic
def sla_clock_first_answer(*, thread_id: int, answered_at: datetime) -> bool:
    """The first-answer target is met: the clock now waits for an accepted answer."""
    return bool(
        SlaClock.objects.filter(
            thread_id=thread_id, state=ClockState.RUNNING, first_answered_at__isnull=True
        ).update(first_answered_at=answered_at, next_due_at=F("accepted_due_at"))
    )


@transaction.atomic
def sla_clock_stop(*, thread_id: int) -> bool:
    return bool(
        SlaClock.objects.filter(thread_id=thread_id, state=ClockState.RUNNING).update(
            state=ClockState.STOPPED, next_due_at=None
        )
    )


@transaction.atomic
def sla_clock_restart(*, thread_id: int, now: datetime | None = None) -> bool:
    """A question that is open again (reopened by a moderator, or its accepted answer
    withdrawn) is owed an answer again: its stopped clock runs with fresh deadlines counted
    from ``now`` under the category's policy.

    Nothing changes while staff hold an open case (the case has its own deadlines), when
    the thread is solved, closed, hidden or deleted by the time this runs (events can
    arrive late), or when it never had a clock (imported, or no SLA for its category).
    ``started_at`` and an earlier ``breached_at`` stay: the dashboard counts the question on
    the day it was asked, and a breach that happened stays a breach.
    """
    now = now or timezone.now()
    _lock_thread(thread_id)
    clock = (
        SlaClock.objects.select_for_update()
        .filter(thread_id=thread_id)
        .exclude(state=ClockState.RUNNING)
        .first()
    )
    thread = (
        Thread.objects.filter(pk=thread_id)
        .only("category_id", "status", "accepted_answer_id", "is_hidden", "is_deleted")
        .first()
    )
    if clock is None or thread is None:
        return False
    if (
        thread.accepted_answer_id is not None
        or thread.status in (ThreadStatus.SOLVED, ThreadStatus.CLOSED)
        or thread.is_hidden
        or thread.is_deleted
    ):
        return False
    if Case.objects.filter(thread_id=thread_id, state__in=OPEN_CASE_STATES).exists():
        return False
    policy = sla_policy_for(category_id=thread.category_id)
    if policy is None:
        return False
    calendar = _calendar(policy)
    accepted_due = add_business_time(
        now, timedelta(minutes=policy.accepted_answer_minutes), calendar
    )
    changes: dict[str, Any] = {
        "state": ClockState.RUNNING,
        "policy": policy,
        "accepted_due_at": accepted_due,
        "next_due_at": accepted_due,
    }
    if clock.first_answered_at is None:
        first_due = add_business_time(now, timedelta(minutes=policy.first_answer_minutes), calendar)
        changes |= {"first_answer_due_at": first_due, "next_due_at": min(first_due, accepted_due)}
    return bool(SlaClock.objects.filter(pk=clock.pk, state=clock.state).update(**changes))


def sla_due_thread_ids(*, now: datetime, limit: int) -> list[tuple[int, bool]]:
    """(thread id, first answer given?) of running clocks due by ``now``, oldest first.

    Served by the partial index ``slaclock_running_due_idx``: the cost is proportional to
    the number of due clocks, not to the number of threads.
    """
    rows = (
        SlaClock.objects.filter(state=ClockState.RUNNING, next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("thread_id", "first_answered_at")[:limit]
    )
    return [(thread_id, answered is not None) for thread_id, answered in rows]


def sla_sweep(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Open a case for every thread whose SLA passed; return the new cases' ids.

    Each clock is claimed in its own short transaction, so one failing thread does not
    hold back the others and no lock is held across the batch.
    """
    now = now or timezone.now()
    opened = []
    for thread_id, answered in sla_due_thread_ids(now=now, limit=limit):
        source = CaseSource.SLA_ACCEPTED_ANSWER if answered else CaseSource.SLA_FIRST_ANSWER
        try:
            case = _sla_breach_claim(thread_id=thread_id, now=now, source=source)
        except Exception:
            logger.exception("SLA sweep failed on thread %s", thread_id)
            continue
        if case is not None:
            opened.append(case.pk)
    return opened


@transaction.atomic
def _sla_breach_claim(*, thread_id: int, now: datetime, source: str) -> Case | None:
    # Thread first, then clock: a customer's request locks the thread and then stops the
    # clock, so taking them in the other order here could deadlock with it.
    _lock_thread(thread_id)
    # The claim: of two sweeps that both selected this clock, the second blocks on the
    # first's row lock, then re-checks the WHERE against the committed row (state is no
    # longer 'running') and updates nothing.
    claimed = SlaClock.objects.filter(
        thread_id=thread_id, state=ClockState.RUNNING, next_due_at__lte=now
    ).update(state=ClockState.BREACHED, breached_at=now, next_due_at=None)
    if not claimed:
        return None
    try:
        with transaction.atomic():
            return _case_open(
                thread_id=thread_id, source=source, opened_by=None, reason="", now=now
            )
    except (Conflict, NotFound):
        # Already escalated by a person, or closed/solved/hidden: nothing more to open.
        return None


# --- Opening cases --------------------------------------------------------------------------


def _case_open(
    *, thread_id: int, source: str, opened_by: User | None, reason: str, now: datetime
) -> Case:
    """Open a case. Caller is inside a transaction; locks the thread first."""
    from forum.services import thread_mark_escalated

    if not thread_mark_escalated(thread_id=thread_id):
        thread = Thread.objects.filter(pk=thread_id).first()
        if thread is None or not thread.is_visible:
            raise NotFound(_("This question does not exist."))
        if thread.status == ThreadStatus.ESCALATED:
            raise Conflict(_("This question is already with staff."), code="already_escalated")
        if thread.status == ThreadStatus.SOLVED:
            raise Conflict(_("This question is already solved."), code="already_solved")
        raise Conflict(_("This question is closed."), code="thread_closed")
    thread = Thread.objects.select_related("category").get(pk=thread_id)
    policy = sla_policy_for(category_id=thread.category_id)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                thread=thread,
                customer_id=thread.author_id,
                source=source,
                reason=reason,
                opened_by=opened_by,
                state=CaseState.OPEN,
                due_at=_staff_due(policy=policy, start=now),
                opened_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise Conflict(
            _("This question is already with staff."), code="already_escalated"
        ) from None
    # A person got there before the sweep: the clock has nothing left to do.
    SlaClock.objects.filter(thread_id=thread_id, state=ClockState.RUNNING).update(
        state=ClockState.ESCALATED, next_due_at=None
    )
    event = _record(
        case,
        kind="opened",
        actor=opened_by,
        old="",
        new=CaseState.OPEN,
        now=now,
        data={"source": source},
    )
    _webhooks_emit(case=case, event=WebhookEvent.CASE_OPENED, case_event=event)
    _notify(
        _on_duty_or_desk_ids(),
        title=_("New escalation: %(title)s") % {"title": thread.title},
        case=case,
        actor=opened_by,
        key=f"case-{case.pk}-opened-{event.pk}",
    )
    _notify(
        [case.customer_id],
        title=_("Our support staff are now looking at your question “%(title)s”.")
        % {"title": thread.title},
        case=case,
        actor=opened_by,
        key=f"case-{case.pk}-opened-{event.pk}-customer",
        customer_facing=True,
    )
    if settings.ESCALATIONS_AUTO_ASSIGN:
        _case_auto_assign(case=case, now=now)
    return case


@transaction.atomic
def escalation_request_by_customer(*, thread_id: int, customer: User, reason: str = "") -> Case:
    """The asker asks staff for help on their own question."""
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is None or not thread.is_visible:
        raise NotFound(_("This question does not exist."))
    if not permissions.can_ask_staff(customer, thread.author_id):
        raise PermissionDenied(_("Only the person who asked can ask staff for help."))
    now = timezone.now()
    wait = settings.ESCALATIONS_CUSTOMER_WAIT
    if now - thread.created_at < wait:
        raise Conflict(
            _("Please give the community until %(when)s before asking staff.")
            % {"when": timezone.localtime(thread.created_at + wait).strftime("%Y-%m-%d %H:%M")},
            code="too_early",
        )
    recent = Case.objects.filter(
        customer=customer,
        source=CaseSource.CUSTOMER,
        opened_at__gte=now - timedelta(days=1),
    ).count()
    if recent >= settings.ESCALATIONS_CUSTOMER_DAILY_LIMIT:
        raise Conflict(
            _("You have asked staff for help often today. Please try again tomorrow."),
            code="rate_limited",
        )
    return _case_open(
        thread_id=thread_id,
        source=CaseSource.CUSTOMER,
        opened_by=customer,
        reason=reason.strip()[:2000],
        now=now,
    )


@transaction.atomic
def escalation_open_by_moderator(*, thread_id: int, moderator: User, reason: str = "") -> Case:
    if not permissions.can_escalate_any(moderator):
        raise PermissionDenied(_("Only staff can escalate questions."))
    return _case_open(
        thread_id=thread_id,
        source=CaseSource.MODERATOR,
        opened_by=moderator,
        reason=reason.strip()[:2000],
        now=timezone.now(),
    )


# --- Transitions ----------------------------------------------------------------------------


def _record(
    case: Case,
    *,
    kind: str,
    actor: User | None,
    old: str,
    new: str,
    now: datetime,
    data: dict | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind=kind,
        from_state=old,
        to_state=new,
        data=data or {},
        created_at=now,
    )


def _case_cas(case: Case, **changes: Any) -> Case:
    """Compare-and-set ``case`` from the state and assignee it was read with."""
    updated = Case.objects.filter(
        pk=case.pk, state=case.state, assignee_id=case.assignee_id
    ).update(**changes)
    if not updated:
        raise Conflict(_("This case was changed meanwhile. Please reload."), code="stale")
    case.refresh_from_db()
    return case


def _get_case(case_id: int) -> Case:
    case = Case.objects.select_related("thread").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("This case does not exist."))
    return case


def _require_worker(actor: User | None) -> None:
    if actor is not None and not permissions.can_work_cases(actor):
        raise PermissionDenied(_("Only support staff can work on escalations."))


def _lock_thread(thread_id: int) -> None:
    """Lock order: thread before case (see the module docstring)."""
    list(Thread.objects.select_for_update(no_key=True).filter(pk=thread_id).values_list("pk"))


def _assign(case: Case, *, assignee: User, actor: User | None, now: datetime) -> Case:
    if not permissions.can_work_cases(assignee):
        raise ValidationError({"assignee": [_("Only support staff can be assigned.")]})
    if not case.is_open:
        raise Conflict(_("This case is resolved."), code="resolved")
    if case.assignee_id == assignee.pk:
        return case
    old_state, old_assignee = case.state, case.assignee_id
    new_state = CaseState.ASSIGNED if case.state == CaseState.OPEN else case.state
    case = _case_cas(case, assignee=assignee, state=new_state, updated_at=now)
    StaffDuty.objects.filter(user=assignee).update(last_assigned_at=now)
    event = _record(
        case,
        kind="assigned",
        actor=actor,
        old=old_state,
        new=new_state,
        now=now,
        data={"assignee_id": assignee.pk, "previous_assignee_id": old_assignee},
    )
    _webhooks_emit(case=case, event=WebhookEvent.CASE_UPDATED, case_event=event)
    _notify(
        [assignee.pk],
        title=_("Escalation assigned to you: %(title)s") % {"title": case.thread.title},
        case=case,
        actor=actor,
        key=f"case-{case.pk}-assigned-{event.pk}",
    )
    return case


@transaction.atomic
def case_claim(*, case_id: int, actor: User) -> Case:
    _require_worker(actor)
    case = _get_case(case_id)
    if case.state != CaseState.OPEN or case.assignee_id is not None:
        raise Conflict(_("This case is already taken."), code="already_assigned")
    return _assign(case, assignee=actor, actor=actor, now=timezone.now())


@transaction.atomic
def case_assign(*, case_id: int, actor: User, assignee: User) -> Case:
    """A lead assigns or reassigns; anyone on the desk may assign a case to themselves."""
    _require_worker(actor)
    if assignee.pk != actor.pk and not permissions.can_assign_cases(actor):
        raise PermissionDenied(_("Only leads can assign cases to others."))
    return _assign(_get_case(case_id), assignee=assignee, actor=actor, now=timezone.now())


@transaction.atomic
def case_unassign(*, case_id: int, actor: User) -> Case:
    _require_worker(actor)
    case = _get_case(case_id)
    if case.assignee_id != actor.pk and not permissions.can_assign_cases(actor):
        raise PermissionDenied(_("Only the assignee or a lead can unassign."))
    if case.state not in (CaseState.ASSIGNED, CaseState.WAITING_ON_CUSTOMER):
        raise Conflict(_("This case is not assigned."), code="not_assigned")
    now = timezone.now()
    old = case.state
    policy = sla_policy_for(category_id=case.thread.category_id)
    case = _case_cas(
        case,
        assignee=None,
        state=CaseState.OPEN,
        due_at=case.due_at or _staff_due(policy=policy, start=now),
        waiting_since=None,
        updated_at=now,
    )
    event = _record(case, kind="unassigned", actor=actor, old=old, new=case.state, now=now)
    _webhooks_emit(case=case, event=WebhookEvent.CASE_UPDATED, case_event=event)
    return case


def _case_auto_assign(*, case: Case, now: datetime) -> Case:
    """Round-robin among on-duty staff: the one whose last assignment is oldest.

    ``skip_locked`` lets two cases opened at once go to two different people instead of
    both queueing on the same duty row.
    """
    duty = (
        StaffDuty.objects.select_for_update(skip_locked=True)
        .filter(on_duty=True, user__is_active=True)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "user_id")
        .select_related("user")
        .first()
    )
    if duty is None or not permissions.can_work_cases(duty.user):
        return case
    return _assign(case, assignee=duty.user, actor=None, now=now)


@transaction.atomic
def case_auto_assign(*, case_id: int) -> Case:
    return _case_auto_assign(case=_get_case(case_id), now=timezone.now())


def _wait_on_customer(case: Case, *, actor: User | None, now: datetime) -> Case:
    if case.state not in (CaseState.OPEN, CaseState.ASSIGNED):
        raise Conflict(_("Only an open or assigned case can wait on the customer."))
    old = case.state
    case = _case_cas(
        case, state=CaseState.WAITING_ON_CUSTOMER, due_at=None, waiting_since=now, updated_at=now
    )
    event = _record(case, kind="waiting", actor=actor, old=old, new=case.state, now=now)
    _webhooks_emit(case=case, event=WebhookEvent.CASE_UPDATED, case_event=event)
    return case


@transaction.atomic
def case_wait_on_customer(*, case_id: int, actor: User) -> Case:
    _require_worker(actor)
    return _wait_on_customer(_get_case(case_id), actor=actor, now=timezone.now())


@transaction.atomic
def case_customer_replied(*, thread_id: int) -> Case | None:
    """The customer wrote in the thread while we waited on them: back to staff."""
    case = (
        Case.objects.select_related("thread")
        .filter(thread_id=thread_id, state=CaseState.WAITING_ON_CUSTOMER)
        .first()
    )
    if case is None:
        return None
    now = timezone.now()
    policy = sla_policy_for(category_id=case.thread.category_id)
    new = CaseState.ASSIGNED if case.assignee_id else CaseState.OPEN
    case = _case_cas(
        case,
        state=new,
        due_at=_staff_due(policy=policy, start=now),
        waiting_since=None,
        updated_at=now,
    )
    event = _record(
        case,
        kind="customer_replied",
        actor=None,
        old=CaseState.WAITING_ON_CUSTOMER,
        new=new,
        now=now,
    )
    _webhooks_emit(case=case, event=WebhookEvent.CASE_UPDATED, case_event=event)
    if case.assignee_id:
        _notify(
            [case.assignee_id],
            title=_("The customer replied: %(title)s") % {"title": case.thread.title},
            case=case,
            actor=None,
            key=f"case-{case.pk}-replied-{event.pk}",
        )
    return case


def _thread_status_after(thread: Thread) -> str:
    if thread.accepted_answer_id:
        return ThreadStatus.SOLVED
    return ThreadStatus.ANSWERED if thread.answer_count else ThreadStatus.OPEN


def _resolve(case: Case, *, resolution: str, actor: User | None, now: datetime) -> Case:
    """Caller holds the thread lock (or the thread was changed in this transaction)."""
    from forum.services import thread_mark_deescalated

    if resolution not in Resolution.values:
        raise ValidationError({"resolution": [_("Choose one of: %s.") % ", ".join(Resolution)]})
    if not case.is_open:
        raise Conflict(_("This case is already resolved."), code="resolved")
    old = case.state
    case = _case_cas(
        case,
        state=CaseState.RESOLVED,
        resolution=resolution,
        resolved_at=now,
        due_at=None,
        waiting_since=None,
        updated_at=now,
    )
    thread = Thread.objects.get(pk=case.thread_id)
    # False when an accept already made the thread solved: that is the right end state.
    thread_mark_deescalated(thread_id=thread.pk, status=_thread_status_after(thread))
    event = _record(
        case,
        kind="resolved",
        actor=actor,
        old=old,
        new=CaseState.RESOLVED,
        now=now,
        data={"resolution": resolution},
    )
    _webhooks_emit(case=case, event=WebhookEvent.CASE_RESOLVED, case_event=event)
    _notify(
        [case.customer_id],
        title=_("Your escalated question “%(title)s” was resolved.") % {"title": thread.title},
        case=case,
        actor=actor,
        key=f"case-{case.pk}-resolved-{event.pk}",
        customer_facing=True,
    )
    return case


@transaction.atomic
def case_resolve(*, case_id: int, actor: User, resolution: str = Resolution.BY_STAFF) -> Case:
    _require_worker(actor)
    case = _get_case(case_id)
    _lock_thread(case.thread_id)
    return _resolve(case, resolution=resolution, actor=actor, now=timezone.now())


@transaction.atomic
def case_resolve_by_accept(*, thread_id: int, post_id: int) -> Case | None:
    """An answer was accepted on an escalated thread. A staff (official) answer resolves
    the case "by staff", any other "by community". No open case: nothing to do."""
    _lock_thread(thread_id)
    case = (
        Case.objects.select_related("thread")
        .filter(thread_id=thread_id, state__in=OPEN_CASE_STATES)
        .first()
    )
    if case is None:
        return None
    post = Post.objects.filter(pk=post_id).only("is_official").first()
    resolution = (
        Resolution.BY_STAFF if post is not None and post.is_official else Resolution.BY_COMMUNITY
    )
    return _resolve(case, resolution=resolution, actor=None, now=timezone.now())


@transaction.atomic
def case_resolve_on_close(*, thread_id: int, moderator_id: int) -> Case | None:
    _lock_thread(thread_id)
    case = (
        Case.objects.select_related("thread")
        .filter(thread_id=thread_id, state__in=OPEN_CASE_STATES)
        .first()
    )
    if case is None:
        return None
    actor = User.objects.filter(pk=moderator_id).first()
    return _resolve(case, resolution=Resolution.BY_STAFF, actor=actor, now=timezone.now())


@transaction.atomic
def case_reopen(*, case_id: int, actor: User | None) -> Case:
    from forum.services import thread_mark_escalated

    _require_worker(actor)
    case = _get_case(case_id)
    _lock_thread(case.thread_id)
    if case.is_open:
        raise Conflict(_("This case is not resolved."), code="not_resolved")
    if not thread_mark_escalated(thread_id=case.thread_id):
        raise Conflict(
            _("The question is solved, closed or already with staff; it cannot be reopened."),
            code="thread_not_escalatable",
        )
    now = timezone.now()
    policy = sla_policy_for(category_id=case.thread.category_id)
    new = CaseState.ASSIGNED if case.assignee_id else CaseState.OPEN
    try:
        with transaction.atomic():
            case = _case_cas(
                case,
                state=new,
                resolution="",
                resolved_at=None,
                due_at=_staff_due(policy=policy, start=now),
                reopen_count=F("reopen_count") + 1,
                updated_at=now,
            )
    except IntegrityError:
        raise Conflict(
            _("Another case is open for this question."), code="already_escalated"
        ) from None
    event = _record(case, kind="reopened", actor=actor, old=CaseState.RESOLVED, new=new, now=now)
    _webhooks_emit(case=case, event=WebhookEvent.CASE_UPDATED, case_event=event)
    return case


@transaction.atomic
def case_note_add(*, case_id: int, author: User, body: str) -> CaseNote:
    _require_worker(author)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write a note.")]})
    if len(body) > 10_000:
        raise ValidationError({"body": [_("A note can have at most 10000 characters.")]})
    case = _get_case(case_id)
    return CaseNote.objects.create(case=case, author=author, body=body, created_at=timezone.now())


def _answer_post(
    case: Case, *, actor: User, body: str, accept: bool, now: datetime
) -> tuple[Case, Post]:
    from forum.services import answer_accept, answer_create

    if not case.is_open:
        raise Conflict(_("This case is resolved."), code="resolved")
    # answer_create locks the thread (thread before case).
    post = answer_create(thread=case.thread, author=actor, body=body, official=True)
    event = _record(
        case,
        kind="staff_answer",
        actor=actor,
        old=case.state,
        new=case.state,
        now=now,
        data={"post_id": post.pk},
    )
    if case.assignee_id is None:
        case = _assign(case, assignee=actor, actor=actor, now=now)
    if accept:
        answer_accept(thread=case.thread, post=post, actor=actor)
        case = _resolve(case, resolution=Resolution.BY_STAFF, actor=actor, now=now)
    else:
        case = _wait_on_customer(case, actor=actor, now=now)
        _notify(
            [case.customer_id],
            title=_("Our support team answered your question “%(title)s”.")
            % {"title": case.thread.title},
            case=case,
            actor=actor,
            key=f"case-{case.pk}-answer-{event.pk}",
            customer_facing=True,
            url=post.get_absolute_url(),
        )
    return case, post


@transaction.atomic
def case_answer_post(*, case_id: int, actor: User, body: str, accept: bool = False) -> Post:
    """An official staff answer in the thread (visible to all, marked as staff); with
    ``accept`` it is accepted at once and the case resolves "by staff"."""
    _require_worker(actor)
    _, post = _answer_post(
        _get_case(case_id), actor=actor, body=body, accept=accept, now=timezone.now()
    )
    return post


@transaction.atomic
def staff_duty_set(*, user: User, on_duty: bool) -> StaffDuty:
    _require_worker(user)
    duty, _created = StaffDuty.objects.get_or_create(user=user)
    if duty.on_duty != on_duty:
        duty.on_duty = on_duty
        duty.save(update_fields=["on_duty"])
    return duty


# --- Periodic work on cases -----------------------------------------------------------------


def case_breaches_notify(*, now: datetime | None = None, limit: int = 500) -> int:
    """Tell staff once about each unresolved case whose staff response is overdue."""
    now = now or timezone.now()
    ids = list(
        Case.objects.filter(
            ~Q(state=CaseState.RESOLVED), due_at__lte=now, breach_notified_at__isnull=True
        )
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for case_id in ids:
        with transaction.atomic():
            # Claim: the first sweep to set breach_notified_at notifies, any other skips.
            if not Case.objects.filter(pk=case_id, breach_notified_at__isnull=True).update(
                breach_notified_at=now
            ):
                continue
            case = Case.objects.select_related("thread").get(pk=case_id)
            _notify(
                [case.assignee_id] if case.assignee_id else _on_duty_or_desk_ids(),
                title=_("Escalation overdue: %(title)s") % {"title": case.thread.title},
                case=case,
                actor=None,
                key=f"case-{case.pk}-breach-{int(now.timestamp())}",
            )
            count += 1
    return count


def cases_without_response_resolve(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cases that waited on the customer for too long resolve as "no response"."""
    now = now or timezone.now()
    cutoff = now - settings.ESCALATIONS_NO_RESPONSE_AFTER
    ids = list(
        Case.objects.filter(state=CaseState.WAITING_ON_CUSTOMER, waiting_since__lte=cutoff)
        .order_by("waiting_since")
        .values_list("pk", "thread_id")[:limit]
    )
    count = 0
    for case_id, thread_id in ids:
        try:
            with transaction.atomic():
                _lock_thread(thread_id)
                case = _get_case(case_id)
                if case.state != CaseState.WAITING_ON_CUSTOMER:
                    continue
                _resolve(case, resolution=Resolution.NO_RESPONSE, actor=None, now=now)
                count += 1
        except Conflict:
            continue
    return count


# --- Notifications --------------------------------------------------------------------------


def _on_duty_or_desk_ids() -> list[int]:
    on_duty = list(
        StaffDuty.objects.filter(on_duty=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if on_duty:
        return on_duty
    from accounts.roles import MODERATING_ROLES

    return list(
        User.objects.filter(is_active=True, groups__name__in=list(MODERATING_ROLES))
        .distinct()
        .values_list("pk", flat=True)[:200]
    )


def _notify(
    recipient_ids: list[int | None],
    *,
    title: str,
    case: Case,
    actor: User | None,
    key: str,
    customer_facing: bool = False,
    url: str | None = None,
) -> None:
    ids = [pk for pk in recipient_ids if pk]
    if not ids:
        return
    if url is None:
        url = case.thread.get_absolute_url() if customer_facing else case.get_absolute_url()
    # After commit and through a task: a notification problem must never undo a case change.
    enqueue_on_commit(
        "escalations.tasks.notify",
        recipient_ids=ids,
        title=str(title),
        url=url,
        actor_id=actor.pk if actor else None,
        thread_id=case.thread_id,
        dedupe_key=key,
        data={"case_id": case.pk, "state": case.state},
    )


def notification_deliver(
    *,
    recipient_ids: list[int],
    title: str,
    url: str,
    actor_id: int | None,
    thread_id: int | None,
    dedupe_key: str,
    data: dict,
) -> int:
    try:
        from notifications.services import notification_send
    except ImportError:  # notifications not installed: escalations still work
        logger.warning("notifications.services.notification_send is not available")
        return 0
    return notification_send(
        recipient_ids=recipient_ids,
        kind=NOTIFICATION_KIND,
        title=title,
        url=url,
        actor_id=actor_id,
        thread_id=thread_id,
        dedupe_key=dedupe_key,
        data=data,
    )


# --- Outbound webhooks ----------------------------------------------------------------------


def webhook_payload(*, case: Case, event: str, event_key: str, now: datetime) -> dict:
    thread = case.thread
    customer = User.objects.get(pk=case.customer_id)
    assignee_email = (
        User.objects.filter(pk=case.assignee_id).values_list("email", flat=True).first()
        if case.assignee_id
        else None
    )
    site = settings.SITE_URL
    return {
        "event": event,
        "event_id": event_key,
        "occurred_at": now.isoformat(),
        "case": {
            "id": case.pk,
            "state": case.state,
            "resolution": case.resolution or None,
            "source": case.source,
            "reason": case.reason,
            "assignee_email": assignee_email,
            "opened_at": case.opened_at.isoformat(),
            "due_at": case.due_at.isoformat() if case.due_at else None,
            "url": site + case.get_absolute_url(),
        },
        "thread": {
            "id": thread.pk,
            "title": thread.title,
            "body": thread.body_md,
            "status": thread.status,
            "category_id": thread.category_id,
            "answer_count": thread.answer_count,
            "created_at": thread.created_at.isoformat(),
            "url": site + thread.get_absolute_url(),
        },
        "customer": {
            "id": customer.pk,
            "username": customer.username,
            "name": customer.public_name,
            "email": customer.email,
            "joined_at": customer.date_joined.isoformat(),
            "earlier_cases": Case.objects.filter(customer=customer).exclude(pk=case.pk).count(),
            "threads": Thread.objects.filter(author=customer).count(),
        },
    }


def _webhooks_emit(*, case: Case, event: str, case_event: CaseEvent) -> list[int]:
    """One delivery row per subscribed endpoint, written with the change; sent after
    commit. The idempotency key is the case event's id, stable across retries."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    if not endpoints:
        return []
    key = f"case-event-{case_event.pk}"
    payload = webhook_payload(case=case, event=event, event_key=key, now=case_event.created_at)
    ids = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            case=case,
            event=event,
            idempotency_key=key,
            payload=payload,
            created_at=case_event.created_at,
        )
        enqueue_on_commit("escalations.tasks.deliver_webhook", delivery.pk)
        ids.append(delivery.pk)
    return ids


def webhook_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_deliver(*, delivery_id: int, final_attempt: bool = False) -> str:
    """Send one delivery (outside any transaction: this is network I/O).

    Returns the resulting state. Raises TransientWebhookError when a retry may help
    (connection trouble, timeout, 408/429/5xx); the Celery task retries with backoff.
    A refused target (SSRF) or another 4xx fails at once, without retries.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state == DeliveryState.SUCCEEDED:
        return delivery.state if delivery else "missing"
    endpoint = delivery.endpoint
    body = webhook_body(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "X-Timestamp": str(timestamp),
        "X-Signature": sign(endpoint.secret, timestamp, body),
        "X-Idempotency-Key": delivery.idempotency_key,
        "X-Event": delivery.event,
    }
    allow_private = endpoint.allow_private or settings.ESCALATIONS_WEBHOOK_ALLOW_PRIVATE
    now = timezone.now

    def record(state: str, *, status: int | None, error: str) -> None:
        changes: dict[str, Any] = {
            "attempts": F("attempts") + 1,
            "last_attempt_at": now(),
            "last_status_code": status,
            "last_error": error[:2000],
            "state": state,
        }
        if state == DeliveryState.SUCCEEDED:
            changes["delivered_at"] = now()
        # A success recorded by a concurrent redelivery is never downgraded.
        WebhookDelivery.objects.filter(pk=delivery_id).exclude(
            state=DeliveryState.SUCCEEDED
        ).update(**changes)

    failed_state = DeliveryState.FAILED if final_attempt else DeliveryState.PENDING
    if not endpoint.active:
        record(DeliveryState.FAILED, status=None, error="endpoint is inactive")
        return DeliveryState.FAILED
    try:
        result = post_json(
            endpoint.url,
            body,
            headers,
            timeout=settings.ESCALATIONS_WEBHOOK_TIMEOUT,
            allow_private=allow_private,
        )
    except WebhookRefused as exc:
        record(DeliveryState.FAILED, status=None, error=f"refused: {exc}")
        return DeliveryState.FAILED
    except TransientWebhookError as exc:
        record(failed_state, status=None, error=str(exc))
        raise
    if 200 <= result.status < 300:
        record(DeliveryState.SUCCEEDED, status=result.status, error="")
        return DeliveryState.SUCCEEDED
    if result.status in (408, 425, 429) or result.status >= 500:
        record(failed_state, status=result.status, error=result.body[:500])
        raise TransientWebhookError(f"HTTP {result.status}")
    record(DeliveryState.FAILED, status=result.status, error=result.body[:500])
    return DeliveryState.FAILED


@transaction.atomic
def webhook_redeliver(*, delivery_id: int, actor: User | None) -> WebhookDelivery:
    """Send a delivery again with the same payload and idempotency key."""
    if actor is not None and not permissions.can_assign_cases(actor):
        raise PermissionDenied(_("Only leads can redeliver webhooks."))
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("This delivery does not exist."))
    WebhookDelivery.objects.filter(pk=delivery_id).update(state=DeliveryState.PENDING)
    enqueue_on_commit("escalations.tasks.deliver_webhook", delivery_id)
    delivery.refresh_from_db()
    return delivery


# --- Inbound webhook ------------------------------------------------------------------------


def _staff_by_email(email: str, *, field: str) -> User:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not permissions.can_work_cases(user):
        raise ValidationError({field: [_("No support staff member has this e-mail address.")]})
    return user


@transaction.atomic(durable=True)
def inbound_event_apply(
    *,
    event_id: str,
    case_id: int,
    state: str | None = None,
    resolution: str | None = None,
    assignee_email: str | None = None,
    unassign: bool = False,
    reply_body: str | None = None,
    reply_author_email: str | None = None,
    reply_accept: bool = False,
) -> tuple[bool, Case]:
    """Apply a helpdesk update. Returns (applied, case); applied is False for a replay of
    an event id already seen. All or nothing: any error rolls back every change and the
    record of the event, so the helpdesk can fix and resend."""
    now = timezone.now()
    case = _get_case(case_id)
    try:
        with transaction.atomic():
            InboundWebhookEvent.objects.create(event_id=event_id, case=case, received_at=now)
    except IntegrityError:
        return False, case
    _lock_thread(case.thread_id)
    case = _get_case(case_id)
    # Validate every reference before the first write.
    assignee = _staff_by_email(assignee_email, field="assignee_email") if assignee_email else None
    agent = None
    if reply_body is not None:
        if reply_author_email:
            agent = _staff_by_email(reply_author_email, field="reply.author_email")
        else:
            agent = assignee or (User.objects.filter(pk=case.assignee_id).first())
        if agent is None:
            raise ValidationError({"reply": [_("Say which staff member wrote the reply.")]})
    if state == CaseState.RESOLVED and not resolution:
        resolution = Resolution.BY_STAFF

    if case.state == CaseState.RESOLVED and state and state != CaseState.RESOLVED:
        case = case_reopen(case_id=case.pk, actor=None)
    if unassign and case.assignee_id and case.state != CaseState.RESOLVED:
        old = case.state
        case = _case_cas(case, assignee=None, state=CaseState.OPEN, updated_at=now)
        _record(
            case,
            kind="unassigned",
            actor=None,
            old=old,
            new=case.state,
            now=now,
            data={"origin": "helpdesk"},
        )
    if assignee is not None:
        case = _assign(case, assignee=assignee, actor=None, now=now)
    if reply_body is not None and agent is not None:
        case, _post = _answer_post(case, actor=agent, body=reply_body, accept=reply_accept, now=now)
    if state and state != case.state:
        if state == CaseState.RESOLVED:
            case = _resolve(case, resolution=resolution or Resolution.BY_STAFF, actor=None, now=now)
        elif state == CaseState.WAITING_ON_CUSTOMER:
            case = _wait_on_customer(case, actor=None, now=now)
        elif state == CaseState.OPEN and case.assignee_id:
            old = case.state
            case = _case_cas(case, assignee=None, state=CaseState.OPEN, updated_at=now)
            _record(case, kind="unassigned", actor=None, old=old, new=case.state, now=now)
        elif state == CaseState.ASSIGNED and case.assignee_id:
            old = case.state
            case = _case_cas(case, state=CaseState.ASSIGNED, waiting_since=None, updated_at=now)
            _record(case, kind="state", actor=None, old=old, new=case.state, now=now)
        elif state == CaseState.ASSIGNED:
            raise ValidationError({"state": [_("An assigned case needs an assignee_email.")]})
    return True, case
