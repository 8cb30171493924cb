"""The outbox's promises (core/events.py, core/dispatch.py, core/tasks.py):

* an event is delivered to each subscriber exactly once, however often it is dispatched;
* a failing subscriber does not block the others and is retried by the periodic sweep;
* an event survives a broker that is down at commit time;
* an event of a transaction that rolls back is never delivered;
* a real Celery worker delivers what a service publishes.

Effects are counted as LogEntry rows written by the handler (see tests/core/conftest.py).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.dispatch import delivered_events_prune, event_dispatch, pending_events_dispatch
from core.events import publish
from core.models import EventDelivery, OutboxEvent
from forum import events as forum_events
from forum import services
from tests.core.conftest import ProbeHappened, celery_broker
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _publish_probe(label: str = "probe") -> int:
    with transaction.atomic():
        return publish(ProbeHappened(label=label))


def _later() -> time_machine.travel:
    """A moment past the sweep's grace period."""
    return time_machine.travel(
        timezone.now() + settings.OUTBOX_REDISPATCH_AFTER + timedelta(seconds=1), tick=False
    )


def _dispatch_task():
    from config.celery import app

    return app.tasks["core.tasks.dispatch_event"]


# --- Exactly once -------------------------------------------------------------------------


def test_an_event_is_delivered_once_however_often_it_is_dispatched(
    recorder, django_capture_on_commit_callbacks
):
    recorder.add("tests.one")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event_id = _publish_probe()
    assert len(callbacks) == 1  # the on-commit enqueue, run eagerly through Celery
    assert recorder.effects("tests.one", event_id) == 1

    event_dispatch(event_id=event_id)
    event_dispatch(event_id=event_id)
    _dispatch_task().delay(event_id)
    _dispatch_task().apply(args=[event_id])

    assert recorder.effects("tests.one", event_id) == 1
    assert recorder.calls["tests.one"] == 1
    assert EventDelivery.objects.filter(event_id=event_id).count() == 1
    assert OutboxEvent.objects.get(pk=event_id).dispatched_at is not None


def test_a_lost_dispatch_mark_does_not_run_a_delivered_subscriber_again(recorder):
    """A dispatcher that crashed after the deliveries but before marking the event leaves
    it pending; the sweep must then skip every subscriber that already has a delivery."""
    recorder.add("tests.one")
    event_id = _publish_probe()  # no commit callbacks in this test: nothing dispatched yet
    assert recorder.effects("tests.one") == 0
    assert event_dispatch(event_id=event_id) is True
    OutboxEvent.objects.filter(pk=event_id).update(dispatched_at=None)

    with _later():
        assert pending_events_dispatch() == 1

    assert recorder.effects("tests.one", event_id) == 1
    assert recorder.calls["tests.one"] == 1
    assert OutboxEvent.objects.get(pk=event_id).dispatched_at is not None


def test_two_subscribers_each_get_the_event_once(recorder, django_capture_on_commit_callbacks):
    recorder.add("tests.one")
    recorder.add("tests.two")
    with django_capture_on_commit_callbacks(execute=True):
        event_id = _publish_probe()
    event_dispatch(event_id=event_id)

    assert recorder.effects("tests.one", event_id) == 1
    assert recorder.effects("tests.two", event_id) == 1
    assert set(
        EventDelivery.objects.filter(event_id=event_id).values_list("subscriber", flat=True)
    ) == {"tests.one", "tests.two"}


def test_a_failing_subscriber_does_not_block_the_other_and_is_retried_by_the_sweep(
    recorder, django_capture_on_commit_callbacks
):
    broken = {"flaky": True}
    recorder.add("tests.steady")
    recorder.add("tests.flaky", fail=lambda: broken["flaky"])
    with django_capture_on_commit_callbacks(execute=True):
        event_id = _publish_probe()

    event = OutboxEvent.objects.get(pk=event_id)
    assert recorder.effects("tests.steady", event_id) == 1
    # The failed handler's own write rolled back with its delivery row.
    assert recorder.calls["tests.flaky"] == 1
    assert recorder.effects("tests.flaky", event_id) == 0
    assert not EventDelivery.objects.filter(event=event, subscriber="tests.flaky").exists()
    assert event.dispatched_at is None
    assert "tests.flaky" in event.last_error

    # Still broken: the sweep tries again, counts the attempt, still does not mark it done.
    with _later():
        assert pending_events_dispatch() == 1
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert event.attempts == 1

    broken["flaky"] = False
    with _later():
        assert pending_events_dispatch() == 1
    with _later():
        assert pending_events_dispatch() == 0  # nothing left to do

    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.attempts == 2
    assert recorder.effects("tests.flaky", event_id) == 1
    assert recorder.effects("tests.steady", event_id) == 1
    assert recorder.calls["tests.steady"] == 1


def test_the_sweep_leaves_young_events_to_their_own_dispatch(recorder):
    recorder.add("tests.one")
    event_id = _publish_probe()
    assert pending_events_dispatch() == 0
    assert recorder.effects("tests.one") == 0
    with _later():
        assert pending_events_dispatch() == 1
    assert recorder.effects("tests.one", event_id) == 1


def test_the_periodic_task_runs_the_sweep(recorder):
    recorder.add("tests.one")
    event_id = _publish_probe()
    from config.celery import app

    with _later():
        app.tasks["core.tasks.redispatch_pending_events"].delay()
    assert recorder.effects("tests.one", event_id) == 1
    assert settings.CELERY_BEAT_SCHEDULE["redispatch-missed-events"]["task"] == (
        "core.tasks.redispatch_pending_events"
    )


def test_pruning_removes_only_old_delivered_events(recorder):
    recorder.add("tests.one")
    delivered = _publish_probe("delivered")
    pending = _publish_probe("pending")
    event_dispatch(event_id=delivered)
    recorder.close()  # "pending" now has no subscriber, but it was never dispatched
    with time_machine.travel(timezone.now() + settings.OUTBOX_RETENTION + timedelta(days=1)):
        delivered_events_prune()
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [pending]
    assert not EventDelivery.objects.exists()


# --- Transactions -------------------------------------------------------------------------


def test_an_event_published_in_a_rolled_back_transaction_is_never_delivered(
    recorder, django_capture_on_commit_callbacks
):
    recorder.add("tests.one")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        publish(ProbeHappened(label="doomed"))
        1 / 0  # noqa: B018 - the change fails after its event was written

    assert callbacks == []
    assert not OutboxEvent.objects.exists()
    with _later():
        assert pending_events_dispatch() == 0
    assert recorder.effects("tests.one") == 0


def test_a_service_that_fails_after_publishing_delivers_nothing(
    recorder, customer, category, django_capture_on_commit_callbacks
):
    """thread_create publishes ThreadCreated; a failure later in the same transaction (here
    the caller's) must take the event with it."""
    recorder.add("tests.threads", forum_events.ThreadCreated)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.thread_create(
            author=customer,
            category=category,
            title="Printer prints blank pages",
            body="Every page comes out blank since today.",
        )
        raise RuntimeError("the request failed after the service returned")
    assert not OutboxEvent.objects.exists()
    assert recorder.effects("tests.threads") == 0


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_raises(transactional_recorder):
    transactional_recorder.add("tests.one")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        publish(ProbeHappened(label="loose"))
    assert not OutboxEvent.objects.exists()


# --- The broker -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_event_is_not_lost_when_the_broker_is_down_at_commit(
    transactional_recorder, closed_port, caplog
):
    """Nothing listens on the broker's port: the publish after commit fails for real, the
    write stays committed, the event stays pending, and the periodic sweep delivers it."""
    transactional_recorder.add("tests.threads", forum_events.ThreadCreated)
    author = UserFactory()
    category = CategoryFactory()
    with celery_broker(
        broker_url=f"redis://127.0.0.1:{closed_port}/0",
        task_always_eager=False,
        task_publish_retry=False,
        broker_connection_retry=False,
        broker_transport_options={"max_retries": 0},
    ):
        started = time.monotonic()
        thread = services.thread_create(
            author=author,
            category=category,
            title="Router drops Wi-Fi every hour",
            body="The router drops every device once an hour.",
        )
        # Failed within bounded time (every on-commit task tries once), no endless retries.
        assert time.monotonic() - started < 30
    assert "could not queue core.tasks.dispatch_event" in caplog.text

    event = OutboxEvent.objects.get(name="forum.ThreadCreated")
    assert event.payload["thread_id"] == thread.pk
    assert event.dispatched_at is None
    assert transactional_recorder.effects("tests.threads") == 0

    with _later():
        assert pending_events_dispatch() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None, event.last_error  # every subscriber delivered
    assert transactional_recorder.effects("tests.threads", event.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_delivers_the_event_of_a_new_answer(transactional_recorder):
    """answer_create -> commit -> enqueue on the in-memory broker -> a worker thread runs
    core.tasks.dispatch_event -> the subscriber runs, once."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    transactional_recorder.add("tests.answers", forum_events.PostCreated)
    asker, helper = UserFactory(), UserFactory()
    category = CategoryFactory()
    question = services.thread_create(
        author=asker,
        category=category,
        title="Laptop battery drains overnight",
        body="It loses half of its charge while closed.",
    )

    def close_worker_connection(**kwargs: object) -> None:
        # The worker thread opened its own database connection; close it so the test
        # database can be flushed and dropped.
        connection.close()

    task_postrun.connect(close_worker_connection, weak=False)
    try:
        with (
            celery_broker(broker_url="memory://", task_always_eager=False) as app,
            start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20),
        ):
            answer = services.answer_create(
                thread=question, author=helper, body="Turn off 'wake on lid' in the BIOS."
            )
            event = OutboxEvent.objects.get(name="forum.PostCreated")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                event.refresh_from_db()
                if event.dispatched_at is not None:
                    break
                time.sleep(0.05)
    finally:
        task_postrun.disconnect(close_worker_connection)

    assert event.payload["post_id"] == answer.pk
    assert event.dispatched_at is not None, f"not fully dispatched: {event.last_error!r}"
    assert transactional_recorder.effects("tests.answers", event.pk) == 1
    assert transactional_recorder.calls["tests.answers"] == 1


# --- Racing dispatchers (PostgreSQL) ----------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_on_one_event_deliver_it_once(transactional_recorder):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and concurrent writers")

    def slow() -> bool:
        time.sleep(0.2)  # keep the first delivery's transaction open while the other races
        return False

    transactional_recorder.add("tests.slow", fail=slow)
    event_id = _publish_probe()  # transactional test: committed, dispatch was queued eagerly
    OutboxEvent.objects.filter(pk=event_id).update(dispatched_at=None)
    EventDelivery.objects.filter(event_id=event_id).delete()
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.all().delete()
    transactional_recorder.calls.clear()

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            event_dispatch(event_id=event_id)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)

    assert errors == []
    assert transactional_recorder.effects("tests.slow", event_id) == 1
    assert EventDelivery.objects.filter(event_id=event_id).count() == 1
