"""SLA clocks follow the forum's events; the sweep opens one case per breached thread."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from core.dispatch import event_dispatch
from core.models import OutboxEvent
from escalations import services
from escalations.models import Case, CaseSource, CaseState, ClockState, SlaClock, SlaPolicy
from forum import services as forum_services
from forum.models import Thread, ThreadStatus

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_new_question_starts_its_clock_with_both_deadlines(ask, customer, sla_policy):
    thread = ask(customer)
    clock = SlaClock.objects.get(thread=thread)
    assert clock.state == ClockState.RUNNING
    assert clock.first_answer_due_at == thread.created_at + timedelta(minutes=60)
    assert clock.accepted_due_at == thread.created_at + timedelta(minutes=240)
    assert clock.next_due_at == clock.first_answer_due_at


def test_the_first_community_answer_moves_the_clock_to_the_accepted_deadline(
    ask, committed, customer, expert
):
    thread = ask(customer)
    committed(forum_services.answer_create, thread=thread, author=expert, body="Try a new cable.")
    clock = SlaClock.objects.get(thread=thread)
    assert clock.first_answered_at is not None
    assert clock.next_due_at == clock.accepted_due_at


def test_the_askers_own_reply_is_not_a_first_answer(ask, committed, customer):
    thread = ask(customer)
    committed(forum_services.answer_create, thread=thread, author=customer, body="Still broken.")
    clock = SlaClock.objects.get(thread=thread)
    assert clock.first_answered_at is None


def test_an_accepted_answer_stops_the_clock(ask, committed, customer, expert):
    thread = ask(customer)
    post = committed(forum_services.answer_create, thread=thread, author=expert, body="Cable!")
    committed(forum_services.answer_accept, thread=thread, post=post, actor=customer)
    clock = SlaClock.objects.get(thread=thread)
    assert clock.state == ClockState.STOPPED
    assert clock.next_due_at is None


def test_closing_the_thread_stops_the_clock(ask, committed, customer, staff):
    thread = ask(customer)
    committed(forum_services.thread_close, thread=thread, moderator=staff, reason="duplicate")
    assert SlaClock.objects.get(thread=thread).state == ClockState.STOPPED


def test_handling_the_same_event_twice_has_one_effect(ask, customer):
    thread = ask(customer)
    clock = SlaClock.objects.get(thread=thread)
    event = OutboxEvent.objects.filter(name="forum.ThreadCreated").latest("id")
    from escalations import handlers
    from forum.events import ThreadCreated

    handlers.start_clock(ThreadCreated.from_payload(event.payload, event_id=event.pk))
    event_dispatch(event_id=event.pk)
    assert SlaClock.objects.filter(thread=thread).count() == 1
    assert SlaClock.objects.get(thread=thread).first_answer_due_at == clock.first_answer_due_at


def test_the_sweep_opens_a_case_for_a_thread_without_a_first_answer(ask, customer):
    thread = ask(customer)
    assert services.sla_sweep(now=thread.created_at + timedelta(minutes=59)) == []
    opened = services.sla_sweep(now=thread.created_at + timedelta(minutes=61))
    case = Case.objects.get(pk=opened[0])
    assert case.thread_id == thread.pk
    assert case.source == CaseSource.SLA_FIRST_ANSWER
    assert case.state in (CaseState.OPEN, CaseState.ASSIGNED)
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.ESCALATED
    assert SlaClock.objects.get(thread=thread).state == ClockState.BREACHED


def test_the_sweep_opens_an_accepted_answer_case_after_the_first_answer(
    ask, committed, customer, expert
):
    thread = ask(customer)
    committed(forum_services.answer_create, thread=thread, author=expert, body="Try a new cable.")
    assert services.sla_sweep(now=thread.created_at + timedelta(minutes=120)) == []
    opened = services.sla_sweep(now=thread.created_at + timedelta(minutes=241))
    assert Case.objects.get(pk=opened[0]).source == CaseSource.SLA_ACCEPTED_ANSWER


def test_sweeping_twice_opens_one_case(ask, customer):
    thread = ask(customer)
    later = thread.created_at + timedelta(hours=5)
    assert len(services.sla_sweep(now=later)) == 1
    assert services.sla_sweep(now=later) == []
    assert Case.objects.filter(thread=thread).count() == 1


def test_a_thread_the_customer_escalated_is_not_opened_again_by_the_sweep(ask, customer, settings):
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    thread = ask(customer)
    services.escalation_request_by_customer(thread_id=thread.pk, customer=customer)
    assert services.sla_sweep(now=thread.created_at + timedelta(hours=5)) == []
    assert Case.objects.filter(thread=thread).count() == 1


def test_business_hours_clock_skips_the_weekend_then_breaches_on_monday(
    committed, customer, category
):
    SlaPolicy.objects.create(
        name="Printers, business hours",
        category=category,
        business_hours=True,
        first_answer_minutes=120,
        accepted_answer_minutes=600,
        holiday_country="DE",
        holiday_subdiv="BY",
    )
    # Asked on Friday 9 January 2026 at 16:30: 30 minutes left on Friday, 90 on Monday.
    with time_machine.travel(datetime(2026, 1, 9, 16, 30, tzinfo=BERLIN), tick=False):
        thread = committed(
            forum_services.thread_create,
            author=customer,
            category=category,
            title="Scanner does not turn on",
            body="The scanner stays dark since Friday, lights are off, cable is fine.",
        )
    clock = SlaClock.objects.get(thread=thread)
    assert clock.first_answer_due_at == datetime(2026, 1, 12, 10, 30, tzinfo=BERLIN)
    with time_machine.travel(datetime(2026, 1, 11, 23, 0, tzinfo=BERLIN), tick=False):
        assert services.sla_sweep() == []
    with time_machine.travel(datetime(2026, 1, 12, 10, 31, tzinfo=BERLIN), tick=False):
        assert len(services.sla_sweep()) == 1


def test_imported_threads_get_no_clock(customer, category, sla_policy):
    from forum.events import ThreadCreated
    from tests.factories import ThreadFactory

    thread = ThreadFactory(author=customer, category=category)
    from escalations import handlers

    handlers.start_clock(
        ThreadCreated(
            thread_id=thread.pk,
            category_id=category.pk,
            author_id=customer.pk,
            created_at=timezone.now().isoformat(),
            imported=True,
        )
    )
    assert not SlaClock.objects.filter(thread=thread).exists()


def test_a_category_without_any_policy_gets_no_clock(committed, customer, other_category):
    SlaPolicy.objects.filter(category__isnull=True).delete()
    thread = committed(
        forum_services.thread_create,
        author=customer,
        category=other_category,
        title="Scanner makes a loud noise",
        body="When I start a scan it makes a grinding noise and stops halfway.",
    )
    assert not SlaClock.objects.filter(thread=thread).exists()


def test_the_sweep_skips_a_due_thread_that_was_closed_meanwhile(ask, customer):
    thread = ask(customer)
    Thread.objects.filter(pk=thread.pk).update(status=ThreadStatus.CLOSED)
    assert services.sla_sweep(now=thread.created_at + timedelta(hours=5)) == []
    assert SlaClock.objects.get(thread=thread).state == ClockState.BREACHED
    assert not Case.objects.filter(thread=thread).exists()


def test_reopening_a_closed_question_restarts_its_clock_from_the_reopening(
    ask, committed, customer, staff
):
    thread = ask(customer)
    committed(forum_services.thread_close, thread=thread, moderator=staff, reason="off topic")
    reopened_at = timezone.now() + timedelta(days=3)
    with time_machine.travel(reopened_at, tick=False):
        committed(
            forum_services.thread_reopen, thread=Thread.objects.get(pk=thread.pk), moderator=staff
        )
    clock = SlaClock.objects.get(thread=thread)
    assert clock.state == ClockState.RUNNING
    assert clock.first_answer_due_at == reopened_at + timedelta(minutes=60)
    assert clock.accepted_due_at == reopened_at + timedelta(minutes=240)
    assert clock.next_due_at == clock.first_answer_due_at
    assert clock.started_at == thread.created_at  # still counted on the day it was asked
    # ...and the sweep escalates it once the fresh deadline passes, not before.
    assert services.sla_sweep(now=reopened_at + timedelta(minutes=59)) == []
    assert len(services.sla_sweep(now=reopened_at + timedelta(minutes=61))) == 1


def test_withdrawing_the_only_accept_restarts_the_clock_at_the_accepted_deadline(
    ask, committed, customer, expert
):
    thread = ask(customer)
    post = committed(forum_services.answer_create, thread=thread, author=expert, body="Cable!")
    committed(forum_services.answer_accept, thread=thread, post=post, actor=customer)
    assert SlaClock.objects.get(thread=thread).state == ClockState.STOPPED
    committed(
        forum_services.answer_unaccept, thread=Thread.objects.get(pk=thread.pk), actor=customer
    )
    clock = SlaClock.objects.get(thread=thread)
    assert clock.state == ClockState.RUNNING
    assert clock.first_answered_at is not None  # the first answer was given: only one target
    assert clock.next_due_at == clock.accepted_due_at > timezone.now()


def test_accepting_another_answer_instead_keeps_the_clock_stopped(
    ask, committed, customer, expert, other_customer
):
    thread = ask(customer)
    first = committed(forum_services.answer_create, thread=thread, author=expert, body="Cable!")
    second = committed(
        forum_services.answer_create, thread=thread, author=other_customer, body="Driver!"
    )
    committed(forum_services.answer_accept, thread=thread, post=first, actor=customer)
    committed(
        forum_services.answer_accept, thread=Thread.objects.get(pk=thread.pk), post=second,
        actor=customer,
    )  # fmt: skip
    assert SlaClock.objects.get(thread=thread).state == ClockState.STOPPED


def test_a_reopened_question_that_staff_already_hold_keeps_the_cases_deadlines(
    ask, committed, customer, staff
):
    thread = ask(customer)
    services.escalation_open_by_moderator(thread_id=thread.pk, moderator=staff, reason="VIP")
    case = Case.objects.get(thread=thread)
    before = SlaClock.objects.get(thread=thread)
    assert services.sla_clock_restart(thread_id=thread.pk) is False
    after = SlaClock.objects.get(thread=thread)
    assert (after.state, after.next_due_at) == (before.state, before.next_due_at)
    assert Case.objects.get(pk=case.pk).state in (CaseState.OPEN, CaseState.ASSIGNED)


def test_restarting_a_running_or_missing_clock_changes_nothing(ask, customer, category):
    thread = ask(customer)
    assert services.sla_clock_restart(thread_id=thread.pk) is False  # already running
    assert services.sla_clock_restart(thread_id=10**9) is False
