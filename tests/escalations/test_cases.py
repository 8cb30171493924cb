"""Opening, working and resolving cases; what customers, staff and others may do."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from escalations import services
from escalations.models import (
    Case,
    CaseEvent,
    CaseNote,
    CaseSource,
    CaseState,
    Resolution,
    StaffDuty,
)
from forum import services as forum_services
from forum.models import Category, Post, Thread, ThreadStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_wait(settings):
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    settings.ESCALATIONS_AUTO_ASSIGN = False


@pytest.fixture
def lead(db):
    return UserFactory(display_name="Lea Lead", roles=["moderator"])


@pytest.fixture
def agent(db):
    return UserFactory(display_name="Anton Agent", roles=["support"])


@pytest.fixture
def case(ask, committed, customer, staff):
    thread = ask(customer)
    return committed(
        services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff, reason="VIP"
    )


def _counts(category: Category) -> tuple[int, int, int]:
    category.refresh_from_db()
    return category.thread_count, category.solved_count, category.unanswered_count


# --- Opening --------------------------------------------------------------------------------


def test_a_customer_can_ask_staff_for_help_on_their_own_question(ask, committed, customer):
    thread = ask(customer)
    case = committed(
        services.escalation_request_by_customer,
        thread_id=thread.pk,
        customer=customer,
        reason="Nobody knows",
    )
    assert case.source == CaseSource.CUSTOMER
    assert case.customer_id == customer.pk
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.ESCALATED


def test_a_customer_cannot_escalate_someone_elses_question(ask, customer, other_customer):
    thread = ask(customer)
    with pytest.raises(PermissionDenied):
        services.escalation_request_by_customer(thread_id=thread.pk, customer=other_customer)
    assert not Case.objects.exists()
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN


def test_a_customer_must_give_the_community_time_first(ask, customer, settings):
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(hours=24)
    thread = ask(customer)
    with pytest.raises(Conflict) as info:
        services.escalation_request_by_customer(thread_id=thread.pk, customer=customer)
    assert info.value.code == "too_early"
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        services.escalation_request_by_customer(thread_id=thread.pk, customer=customer)
    assert Case.objects.count() == 1


def test_a_customer_asking_staff_too_often_is_rate_limited(ask, customer, settings):
    settings.ESCALATIONS_CUSTOMER_DAILY_LIMIT = 2
    threads = [ask(customer, title=f"Printer problem number {n} here") for n in range(3)]
    for thread in threads[:2]:
        services.escalation_request_by_customer(thread_id=thread.pk, customer=customer)
    with pytest.raises(Conflict) as info:
        services.escalation_request_by_customer(thread_id=threads[2].pk, customer=customer)
    assert info.value.code == "rate_limited"
    assert Case.objects.count() == 2


def test_escalating_twice_is_a_conflict_and_opens_one_case(case, customer, staff):
    with pytest.raises(Conflict) as info:
        services.escalation_open_by_moderator(thread_id=case.thread_id, moderator=staff)
    assert info.value.code == "already_escalated"
    with pytest.raises(Conflict):
        services.escalation_request_by_customer(thread_id=case.thread_id, customer=customer)
    assert Case.objects.count() == 1


def test_the_database_refuses_a_second_open_case_for_a_thread(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            thread_id=case.thread_id,
            customer_id=case.customer_id,
            source=CaseSource.MODERATOR,
            opened_at=timezone.now(),
            updated_at=timezone.now(),
        )


def test_unknown_threads_are_not_found(customer, staff):
    with pytest.raises(NotFound):
        services.escalation_open_by_moderator(thread_id=999_999, moderator=staff)
    with pytest.raises(NotFound):
        services.escalation_request_by_customer(thread_id=999_999, customer=customer)


def test_closed_and_solved_threads_cannot_be_escalated(ask, committed, customer, expert, staff):
    closed = ask(customer, title="Closed printer question here")
    committed(forum_services.thread_close, thread=closed, moderator=staff)
    with pytest.raises(Conflict) as info:
        services.escalation_open_by_moderator(thread_id=closed.pk, moderator=staff)
    assert info.value.code == "thread_closed"
    solved = ask(customer, title="Solved printer question here")
    post = committed(forum_services.answer_create, thread=solved, author=expert, body="Reboot.")
    committed(forum_services.answer_accept, thread=solved, post=post, actor=customer)
    with pytest.raises(Conflict) as info:
        services.escalation_request_by_customer(thread_id=solved.pk, customer=customer)
    assert info.value.code == "already_solved"
    assert not Case.objects.exists()


def test_only_staff_can_escalate_any_question(ask, customer, other_customer):
    thread = ask(customer)
    with pytest.raises(PermissionDenied):
        services.escalation_open_by_moderator(thread_id=thread.pk, moderator=other_customer)
    assert not Case.objects.exists()


def test_escalation_keeps_the_category_counters_consistent(ask, committed, customer, staff):
    thread = ask(customer)
    before = _counts(thread.category)
    case = committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff)
    assert _counts(thread.category) == before
    committed(services.case_resolve, case_id=case.pk, actor=staff)
    assert _counts(thread.category) == before
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN


# --- Working a case -------------------------------------------------------------------------


def test_claim_then_a_second_claim_is_a_conflict(case, staff, agent):
    services.case_claim(case_id=case.pk, actor=agent)
    with pytest.raises(Conflict):
        services.case_claim(case_id=case.pk, actor=staff)
    case.refresh_from_db()
    assert (case.state, case.assignee_id) == (CaseState.ASSIGNED, agent.pk)


def test_a_lead_assigns_and_reassigns_support_staff_cannot(case, lead, agent, staff):
    services.case_assign(case_id=case.pk, actor=lead, assignee=agent)
    other_agent = UserFactory(roles=["support"])
    with pytest.raises(PermissionDenied):
        services.case_assign(case_id=case.pk, actor=agent, assignee=other_agent)
    services.case_assign(case_id=case.pk, actor=lead, assignee=other_agent)
    case.refresh_from_db()
    assert case.assignee_id == other_agent.pk
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["opened", "assigned", "assigned"]


def test_cases_can_only_be_assigned_to_staff(case, lead, customer):
    with pytest.raises(ValidationError):
        services.case_assign(case_id=case.pk, actor=lead, assignee=customer)


def test_unassign_puts_the_case_back_in_the_open_queue(case, agent):
    services.case_claim(case_id=case.pk, actor=agent)
    services.case_unassign(case_id=case.pk, actor=agent)
    case.refresh_from_db()
    assert (case.state, case.assignee_id) == (CaseState.OPEN, None)


def test_auto_assignment_goes_round_robin_among_staff_on_duty(
    ask, committed, customer, agent, lead, settings
):
    settings.ESCALATIONS_AUTO_ASSIGN = True
    off_duty = UserFactory(roles=["support"])
    services.staff_duty_set(user=agent, on_duty=True)
    services.staff_duty_set(user=lead, on_duty=True)
    services.staff_duty_set(user=off_duty, on_duty=False)
    assignees = []
    for n in range(4):
        thread = ask(customer, title=f"Round robin printer question {n}")
        case = committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=lead)
        case.refresh_from_db()
        assignees.append(case.assignee_id)
    assert sorted(assignees[:2]) == sorted([agent.pk, lead.pk])
    assert assignees[2:] == assignees[:2]
    assert off_duty.pk not in assignees
    assert StaffDuty.objects.get(user=agent).last_assigned_at is not None


def test_non_staff_cannot_work_cases(case, customer):
    for action in (
        lambda: services.case_claim(case_id=case.pk, actor=customer),
        lambda: services.case_resolve(case_id=case.pk, actor=customer),
        lambda: services.case_note_add(case_id=case.pk, author=customer, body="hi"),
        lambda: services.case_answer_post(case_id=case.pk, actor=customer, body="Do this."),
        lambda: services.case_wait_on_customer(case_id=case.pk, actor=customer),
    ):
        with pytest.raises(PermissionDenied):
            action()
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert not CaseNote.objects.exists()


def test_internal_notes_are_recorded_and_must_not_be_empty(case, agent):
    services.case_note_add(case_id=case.pk, author=agent, body="Customer is on firmware 1.2")
    with pytest.raises(ValidationError):
        services.case_note_add(case_id=case.pk, author=agent, body="   ")
    assert list(CaseNote.objects.values_list("body", flat=True)) == ["Customer is on firmware 1.2"]


def test_an_official_answer_is_posted_and_the_case_waits_on_the_customer(
    case, committed, agent, customer
):
    post = committed(
        services.case_answer_post, case_id=case.pk, actor=agent, body="Update the firmware to 2.0."
    )
    assert post.is_official
    assert post.thread_id == case.thread_id
    case.refresh_from_db()
    assert case.state == CaseState.WAITING_ON_CUSTOMER
    assert case.assignee_id == agent.pk
    # The customer writes back: the case is with staff again.
    committed(
        forum_services.answer_create,
        thread=case.thread,
        author=customer,
        body="Still blank pages after the update.",
    )
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED
    assert case.due_at is not None


def test_an_accepted_official_answer_resolves_the_case_by_staff(case, committed, agent):
    post = committed(
        services.case_answer_post,
        case_id=case.pk,
        actor=agent,
        body="Update the firmware to 2.0.",
        accept=True,
    )
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.RESOLVED, Resolution.BY_STAFF)
    thread = Thread.objects.get(pk=case.thread_id)
    assert thread.status == ThreadStatus.SOLVED
    assert thread.accepted_answer_id == post.pk


def test_a_community_answer_accepted_on_an_escalated_thread_resolves_the_case(
    case, committed, customer, expert
):
    post = committed(
        forum_services.answer_create, thread=case.thread, author=expert, body="Clean the head."
    )
    committed(forum_services.answer_accept, thread=case.thread, post=post, actor=customer)
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.RESOLVED, Resolution.BY_COMMUNITY)
    thread = Thread.objects.get(pk=case.thread_id)
    assert thread.status == ThreadStatus.SOLVED
    assert _counts(thread.category)[1] == 1  # solved_count


def test_a_customer_accepting_the_staff_answer_later_resolves_by_staff(
    case, committed, agent, customer
):
    post = committed(
        services.case_answer_post, case_id=case.pk, actor=agent, body="Update the firmware."
    )
    committed(forum_services.answer_accept, thread=case.thread, post=post, actor=customer)
    case.refresh_from_db()
    assert case.resolution == Resolution.BY_STAFF


def test_closing_an_escalated_thread_resolves_its_case(case, committed, staff):
    committed(forum_services.thread_close, thread=case.thread, moderator=staff, reason="spam")
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    assert Thread.objects.get(pk=case.thread_id).status == ThreadStatus.CLOSED


def test_resolve_then_reopen_then_resolve_again(case, committed, agent):
    committed(services.case_resolve, case_id=case.pk, actor=agent)
    with pytest.raises(Conflict):
        services.case_resolve(case_id=case.pk, actor=agent)
    committed(services.case_reopen, case_id=case.pk, actor=agent)
    case.refresh_from_db()
    assert (case.state, case.resolution, case.reopen_count) == (CaseState.OPEN, "", 1)
    assert Thread.objects.get(pk=case.thread_id).status == ThreadStatus.ESCALATED
    committed(
        services.case_resolve, case_id=case.pk, actor=agent, resolution=Resolution.NO_RESPONSE
    )
    case.refresh_from_db()
    assert case.resolution == Resolution.NO_RESPONSE


def test_an_unknown_resolution_changes_nothing(case, agent):
    with pytest.raises(ValidationError):
        services.case_resolve(case_id=case.pk, actor=agent, resolution="by_magic")
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_unknown_cases_are_not_found(agent):
    with pytest.raises(NotFound):
        services.case_claim(case_id=424242, actor=agent)


def test_a_case_waiting_too_long_resolves_as_no_response(case, agent, settings):
    services.case_wait_on_customer(case_id=case.pk, actor=agent)
    later = timezone.now() + settings.ESCALATIONS_NO_RESPONSE_AFTER + timedelta(minutes=1)
    assert services.cases_without_response_resolve(now=later) == 1
    case.refresh_from_db()
    assert (case.state, case.resolution) == (CaseState.RESOLVED, Resolution.NO_RESPONSE)
    assert services.cases_without_response_resolve(now=later) == 0


def test_an_overdue_case_notifies_staff_once(case, committed, agent):
    from notifications.models import Notification

    services.case_claim(case_id=case.pk, actor=agent)
    later = case.due_at + timedelta(minutes=1)
    assert committed(services.case_breaches_notify, now=later) == 1
    assert committed(services.case_breaches_notify, now=later) == 0
    titles = list(Notification.objects.filter(recipient=agent).values_list("title", flat=True))
    assert sum("overdue" in t for t in titles) == 1


def test_staff_and_the_customer_are_notified(ask, committed, customer, agent, lead):
    from notifications.models import Notification

    services.staff_duty_set(user=agent, on_duty=True)
    thread = ask(customer)
    case = committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=lead)
    assert Notification.objects.filter(recipient=agent, kind="escalation_update").exists()
    assert Notification.objects.filter(recipient=customer, kind="escalation_update").exists()
    committed(services.case_resolve, case_id=case.pk, actor=agent)
    assert Notification.objects.filter(recipient=customer, title__contains="resolved").exists()


def test_hidden_posts_are_included_for_staff(case, expert):
    from escalations import selectors

    Post.objects.create(
        thread=case.thread,
        author=expert,
        body_md="x",
        body_html="x",
        created_at=timezone.now(),
        is_hidden=True,
    )
    assert len(selectors.case_posts(case=case)) == 1
