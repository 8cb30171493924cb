from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.dispatch import event_dispatch
from core.models import OutboxEvent
from forum import services as forum_services
from notifications import handlers
from notifications.kinds import Kind
from notifications.models import EmailFrequency, Notification, Watch
from notifications.services import (
    category_watch,
    notification_send,
    notification_settings_set,
    preference_set,
    thread_watch,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_asker_is_notified_of_an_answer(question, customer, expert, answer_on):
    answer = answer_on(question, expert)
    notification = Notification.objects.get(recipient=customer)
    assert notification.kind == Kind.ANSWER_ON_MY_QUESTION
    assert notification.actor == expert
    assert notification.url == answer.get_absolute_url()
    assert notification.thread_id == question.pk


def test_nobody_is_notified_of_their_own_answer(question, customer, answer_on):
    answer_on(question, customer, body="I found it myself: replace the cartridge.")
    assert not Notification.objects.filter(recipient=customer).exists()


def test_nobody_is_notified_of_their_own_action_even_when_passed_as_recipient(customer):
    created = notification_send(
        recipient_ids=[customer.pk],
        kind=Kind.REWARD_UPDATE,
        title="x",
        url="/",
        actor_id=customer.pk,
    )
    assert created == 0


def test_watchers_are_notified_and_the_asker_only_once(
    question, customer, expert, other_customer, category, answer_on
):
    thread_watch(user=other_customer, thread_id=question.pk)
    category_fan = UserFactory()
    category_watch(user=category_fan, category_id=category.pk)
    answer_on(question, expert)
    assert kinds_of(customer) == [Kind.ANSWER_ON_MY_QUESTION]  # asker also auto-watches
    assert kinds_of(other_customer) == [Kind.WATCHED_THREAD_ANSWER]
    assert kinds_of(category_fan) == [Kind.WATCHED_THREAD_ANSWER]


def test_askers_and_answerers_watch_automatically(question, customer, expert, answer_on):
    answer_on(question, expert)
    assert Watch.objects.filter(user=customer, thread=question).exists()
    assert Watch.objects.filter(user=expert, thread=question).exists()


def test_auto_watch_can_be_switched_off(question, expert, answer_on):
    notification_settings_set(user=expert, auto_watch=False)
    answer_on(question, expert)
    assert not Watch.objects.filter(user=expert, thread=question).exists()


def test_a_mentioned_user_is_notified_once_even_when_also_watching(
    question, expert, other_customer, answer_on
):
    thread_watch(user=other_customer, thread_id=question.pk)
    answer_on(question, expert, body=f"I think @{other_customer.username} knows this, see above.")
    assert kinds_of(other_customer) == [Kind.MENTION]


def test_mentions_in_code_and_e_mail_addresses_are_not_mentions():
    body = "Mail me at ann@example.com or ask @bob. `@carl` and\n```\n@dora\n```"
    assert handlers.mentioned_usernames(body) == ["bob"]


def test_nobody_is_notified_about_a_hidden_answer(question, customer, expert, staff):
    # Hidden before its event is dispatched (no on-commit delivery in this test).
    answer = forum_services.answer_create(thread=question, author=expert, body="Spam spam spam")
    forum_services.post_set_hidden(post=answer, moderator=staff, hidden=True)
    event = OutboxEvent.objects.get(name="forum.PostCreated", payload__post_id=answer.pk)
    event_dispatch(event_id=event.pk)
    assert not Notification.objects.exists()


def test_nobody_is_notified_about_a_hidden_thread(question, customer, expert, other_customer):
    thread_watch(user=other_customer, thread_id=question.pk)
    answer = forum_services.answer_create(thread=question, author=expert, body="A useful answer.")
    type(question).objects.filter(pk=question.pk).update(is_hidden=True)
    event = OutboxEvent.objects.get(name="forum.PostCreated", payload__post_id=answer.pk)
    event_dispatch(event_id=event.pk)
    assert not Notification.objects.exists()


def test_a_user_who_opted_out_is_not_notified(question, customer, expert, answer_on):
    preference_set(
        user=customer, kind=Kind.ANSWER_ON_MY_QUESTION, in_app=False, email=EmailFrequency.NEVER
    )
    answer_on(question, expert)
    assert not Notification.objects.filter(recipient=customer).exists()


def test_the_same_event_twice_notifies_once(question, customer, expert, answer_on):
    answer = answer_on(question, expert)
    event = OutboxEvent.objects.get(name="forum.PostCreated", payload__post_id=answer.pk)
    # Redelivery past the delivery record (e.g. a restored backup): the handler itself
    # must still be idempotent.
    from forum.events import PostCreated

    handlers.on_post_created(PostCreated.from_payload(event.payload, event_id=event.pk))
    handlers.on_post_created(PostCreated.from_payload(event.payload, event_id=event.pk))
    event_dispatch(event_id=event.pk)
    assert Notification.objects.filter(recipient=customer).count() == 1


def test_accept_and_unaccept_notify_the_answer_author(
    question, customer, expert, answer_on, django_capture_on_commit_callbacks
):
    answer = answer_on(question, expert)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.answer_accept(thread=question, post=answer, actor=customer)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.answer_unaccept(thread=question, actor=customer)
    assert sorted(kinds_of(expert)) == sorted([Kind.MY_ANSWER_ACCEPTED, Kind.MY_ANSWER_UNACCEPTED])


def test_a_new_question_notifies_the_category_watchers(
    category, customer, other_customer, django_capture_on_commit_callbacks
):
    category_watch(user=other_customer, category_id=category.pk)
    category_watch(user=customer, category_id=category.pk)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.thread_create(
            author=customer,
            category=category,
            title="Scanner makes a grinding noise",
            body="Since yesterday the scanner makes a grinding noise.",
        )
    assert kinds_of(other_customer) == [Kind.WATCHED_THREAD_ANSWER]
    assert kinds_of(customer) == []


def test_fan_out_to_many_watchers_costs_queries_per_batch_not_per_watcher(settings, customer):
    settings.NOTIFICATIONS_BATCH_SIZE = 100
    users = UserFactory.create_batch(250)
    with CaptureQueriesContext(connection) as ctx:
        created = notification_send(
            recipient_ids=[u.pk for u in users],
            kind=Kind.WATCHED_THREAD_ANSWER,
            title="A thread",
            url="/t/1/",
            actor_id=customer.pk,
            dedupe_key="fanout-test",
        )
    assert created == 250
    # 3 batches x (1 read of users+preferences+dedupe, 1 bulk insert) + savepoints.
    data_queries = [q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(data_queries) <= 3 * 2
    again = notification_send(
        recipient_ids=[u.pk for u in users],
        kind=Kind.WATCHED_THREAD_ANSWER,
        title="A thread",
        url="/t/1/",
        actor_id=customer.pk,
        dedupe_key="fanout-test",
    )
    assert again == 0
