from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import delivery
from notifications.kinds import Kind
from notifications.models import EmailState, Notification
from notifications.services import notification_send, thread_watch

pytestmark = pytest.mark.django_db

BELL = Template('{% include "notifications/_header_bell.html" %}')
WATCH = Template("{% load notifications_tags %}{% thread_watch_button thread %}")


def render(template: Template, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return template.render(RequestContext(request, context))


def test_the_header_bell_shows_the_unread_count_with_one_query(customer, expert):
    for n in range(3):
        notification_send(
            recipient_ids=[customer.pk],
            kind=Kind.MENTION,
            title=f"T{n}",
            url="/",
            actor_id=expert.pk,
        )
    with CaptureQueriesContext(connection) as ctx:
        html = render(BELL, customer)
    assert "/notifications/" in html
    assert ">3<" in html
    assert len(ctx.captured_queries) == 1


def test_the_header_bell_is_empty_and_free_for_anonymous_visitors():
    with CaptureQueriesContext(connection) as ctx:
        assert render(BELL, AnonymousUser()).strip() == ""
    assert ctx.captured_queries == []


def test_the_watch_button_shows_the_current_state(question, expert):
    assert 'value="watch"' in render(WATCH, expert, thread=question)
    thread_watch(user=expert, thread_id=question.pk)
    assert 'value="unwatch"' in render(WATCH, expert, thread=question)
    assert render(WATCH, AnonymousUser(), thread=question).strip() == ""


def test_the_daily_digest_and_the_e_mail_sweep_are_scheduled():
    from config.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.send_daily_digests" in tasks
    assert "notifications.tasks.send_stuck_emails" in tasks
    for name in tasks & {
        "notifications.tasks.send_daily_digests",
        "notifications.tasks.send_stuck_emails",
        "notifications.tasks.send_notification_emails",
        "notifications.tasks.send_digest",
    }:
        assert name in app.tasks


def test_the_sweep_sends_instant_e_mails_whose_task_was_lost(customer, expert):
    # No on-commit execution here: the task "was never queued".
    notification_send(
        recipient_ids=[customer.pk], kind=Kind.MENTION, title="T", url="/", actor_id=expert.pk
    )
    assert delivery.stuck_emails_send() == 0  # too young: its own task may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert delivery.stuck_emails_send() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_state == EmailState.SENT
