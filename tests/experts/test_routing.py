from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from experts import routing, services
from experts.models import AcceptReminder, RoutingNotification
from forum import services as forum
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def experts(make_user, category):
    """Three users with standing in the category, the first the strongest."""
    TagFactory(name="toner")
    people = [make_user() for _ in range(3)]
    for strength, person in zip((4, 2, 1), people, strict=True):
        for n in range(strength):
            solved_question(
                asker=make_user(),
                answerer=person,
                category=category,
                title=f"Toner smears on paper {person.pk}-{n}",
                tags=["toner"],
            )
    dispatch_all()
    return people


def _ask(customer, category):
    return forum.thread_create(
        author=customer,
        category=category,
        title="Toner leaves smears on every page",
        body="The toner smears on the paper since yesterday.",
        tags=["toner"],
    )


def test_a_new_question_notifies_the_strongest_experts_by_email_after_commit(
    experts, customer, category, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EXPERTS_ROUTING_NOTIFY = 2
    thread = _ask(customer, category)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_all()  # ThreadCreated -> routing task queued on commit (eager)
    with django_capture_on_commit_callbacks(execute=True):
        pass
    notified = list(
        RoutingNotification.objects.filter(thread=thread)
        .order_by("expert_id")
        .values_list("expert_id", flat=True)
    )
    assert notified == sorted(p.pk for p in experts[:2])
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in experts[:2])
    assert thread.title in mailoutbox[0].subject


def test_an_opted_out_expert_is_never_notified(experts, customer, category, settings, mailoutbox):
    settings.EXPERTS_ROUTING_NOTIFY = 3
    services.availability_set(user_id=experts[0].pk, routing_opt_out=True)
    thread = _ask(customer, category)
    routing.question_route(thread_id=thread.pk, wave=0)
    notified = set(
        RoutingNotification.objects.filter(thread=thread).values_list("expert_id", flat=True)
    )
    assert experts[0].pk not in notified
    assert notified == {experts[1].pk, experts[2].pk}


def test_an_expert_limited_to_other_categories_is_not_notified(
    experts, customer, category, settings
):
    from tests.factories import CategoryFactory

    settings.EXPERTS_ROUTING_NOTIFY = 3
    other = CategoryFactory(slug="scanners")
    services.availability_set(user_id=experts[0].pk, routing_opt_out=False, category_ids=[other.pk])
    thread = _ask(customer, category)
    routing.question_route(thread_id=thread.pk, wave=0)
    assert not RoutingNotification.objects.filter(expert=experts[0]).exists()


def test_the_daily_cap_stops_notifications_until_a_day_has_passed(
    experts, customer, category, settings
):
    settings.EXPERTS_ROUTING_NOTIFY = 1
    settings.EXPERTS_ROUTING_DAILY_CAP = 2
    top = experts[0]
    for _ in range(3):
        routing.question_route(thread_id=_ask(customer, category).pk, wave=0)
    assert RoutingNotification.objects.filter(expert=top).count() == 2
    # The third question went to the next expert instead.
    assert RoutingNotification.objects.filter(expert=experts[1]).count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        routing.question_route(thread_id=_ask(customer, category).pk, wave=0)
    assert RoutingNotification.objects.filter(expert=top).count() == 3


def test_routing_the_same_question_twice_asks_nobody_twice(experts, customer, category):
    thread = _ask(customer, category)
    first = routing.question_route(thread_id=thread.pk, wave=0)
    assert first > 0
    assert routing.question_route(thread_id=thread.pk, wave=0) == 0
    assert RoutingNotification.objects.filter(thread=thread).count() == first


def test_an_unanswered_question_escalates_to_the_next_experts(
    experts, customer, category, settings
):
    settings.EXPERTS_ROUTING_NOTIFY = 1
    thread = _ask(customer, category)
    routing.question_route(thread_id=thread.pk, wave=0)
    assert routing.unanswered_escalate() == 0  # too early
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert routing.unanswered_escalate() == 1
    waves = list(
        RoutingNotification.objects.filter(thread=thread)
        .order_by("wave")
        .values_list("wave", "expert_id")
    )
    assert waves == [(0, experts[0].pk), (1, experts[1].pk)]


def test_the_asker_is_reminded_once_to_accept(customer, expert, category, mailoutbox):
    TagFactory(name="toner")
    thread = _ask(customer, category)
    forum.answer_create(thread=thread, author=expert, body="Clean the fuser unit.")
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert routing.askers_remind() == 1
        assert routing.askers_remind() == 0
    assert AcceptReminder.objects.filter(thread=thread).count() == 1
    assert mailoutbox[0].to == [customer.email]
