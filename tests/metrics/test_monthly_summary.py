"""The monthly summary e-mail to community managers: after commit, once, in their language."""

from __future__ import annotations

from datetime import date

import time_machine
from django.core import mail

from metrics import services
from metrics.models import SummaryDelivery
from metrics.tasks import queue_monthly_summaries
from tests.factories import UserFactory
from tests.metrics.conftest import BERLIN, TODAY


def _april_first():
    return TODAY.replace(month=4, day=1, hour=6, minute=30).astimezone(BERLIN)


def test_each_manager_gets_last_months_summary_once_in_their_language(
    history, django_capture_on_commit_callbacks
):
    english = UserFactory(
        email="mia@example.com", display_name="Mia", locale="en", roles=["community_manager"]
    )
    german = UserFactory(
        email="max@example.com", display_name="Max", locale="de", roles=["community_manager"]
    )
    UserFactory(email="sam2@example.com", roles=["support"])  # staff, but not a manager
    with time_machine.travel(_april_first(), tick=False):
        services.rollups_rebuild(since=date(2026, 3, 1))
        with django_capture_on_commit_callbacks(execute=True):
            queue_monthly_summaries()
        with django_capture_on_commit_callbacks(execute=True):
            queue_monthly_summaries()  # the beat fires twice: nothing more is sent

    assert sorted(m.to[0] for m in mail.outbox) == [german.email, english.email]
    by_to = {m.to[0]: m for m in mail.outbox}
    en, de = by_to[english.email], by_to[german.email]
    assert "March 2026" in en.subject
    assert "Questions asked: 4" in en.body
    assert "Hello Mia," in en.body
    assert "März 2026" in de.subject
    assert "Gestellte Fragen: 4" in de.body
    assert "Hallo Max," in de.body
    html, mimetype = de.alternatives[0]
    assert mimetype == "text/html"
    assert "Gestellte Fragen" in html
    assert (
        SummaryDelivery.objects.filter(month=date(2026, 3, 1), sent_at__isnull=False).count() == 2
    )


def test_no_mail_is_sent_before_the_transaction_commits(
    history, django_capture_on_commit_callbacks
):
    UserFactory(email="mia@example.com", roles=["community_manager"])
    with time_machine.travel(_april_first(), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.monthly_summaries_queue()
        assert mail.outbox == []
        for callback in callbacks:
            callback()
    assert len(mail.outbox) == 1


def test_a_redelivered_send_task_sends_nothing(history):
    manager = UserFactory(email="mia@example.com", roles=["community_manager"])
    delivery = SummaryDelivery.objects.create(user=manager, month=date(2026, 3, 1))
    assert services.monthly_summary_send(delivery_id=delivery.pk) is True
    assert services.monthly_summary_send(delivery_id=delivery.pk) is False
    assert len(mail.outbox) == 1
