"""The thread page offers staff help to the asker once the waiting time has passed."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from forum import services


def _question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Router drops Wi-Fi",
        body="It drops every hour or so.",
    )


def test_the_asker_is_told_when_staff_help_becomes_available(customer_client, customer, category):
    thread = _question(customer, category)
    page = customer_client.get(thread.get_absolute_url()).content.decode()
    assert "you can ask our support staff" in page
    assert "Ask staff for help" not in page


def test_after_the_waiting_time_the_asker_can_ask_staff_from_the_thread_page(
    customer_client, customer, category, settings
):
    thread = _question(customer, category)
    with time_machine.travel(
        timezone.now() + settings.ESCALATIONS_CUSTOMER_WAIT + timedelta(minutes=1)
    ):
        page = customer_client.get(thread.get_absolute_url()).content.decode()
    assert "Ask staff for help" in page


def test_other_customers_are_not_offered_staff_help_on_someone_elses_question(
    client, other_customer, customer, category, settings
):
    thread = _question(customer, category)
    client.force_login(other_customer)
    with time_machine.travel(
        timezone.now() + settings.ESCALATIONS_CUSTOMER_WAIT + timedelta(minutes=1)
    ):
        page = client.get(thread.get_absolute_url()).content.decode()
    assert "Ask staff for help" not in page
    assert "Escalate to support staff" not in page


def test_moderators_can_escalate_any_question_from_the_thread_page(
    staff_client, customer, category
):
    thread = _question(customer, category)
    page = staff_client.get(thread.get_absolute_url()).content.decode()
    assert "Escalate to support staff" in page
