"""PostgreSQL only: concurrent sweeps with real threads open one case per thread, and the
sweep reads due clocks through its partial index (EXPLAIN)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from escalations import services
from escalations.models import Case, ClockState, SlaClock
from forum.models import Thread, ThreadStatus
from tests.escalations.pg_helpers import insert_clocks, insert_threads
from tests.factories import ThreadFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and EXPLAIN need PostgreSQL"
    ),
]


def _run_concurrently(workers: list) -> list:
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)
    errors: list = []

    def run(index: int, fn) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_open_exactly_one_case_per_due_thread(
    customer, category, sla_policy, settings
):
    settings.ESCALATIONS_AUTO_ASSIGN = False
    threads = [ThreadFactory(author=customer, category=category) for _ in range(25)]
    for thread in threads:
        services.sla_clock_start(thread_id=thread.pk)
    later = timezone.now() + timedelta(hours=2)

    results = _run_concurrently([lambda: services.sla_sweep(now=later) for _ in range(4)])

    opened = [case_id for result in results for case_id in result]
    assert len(opened) == 25
    assert len(set(opened)) == 25
    assert Case.objects.count() == 25
    assert set(Case.objects.values_list("thread_id", flat=True)) == {t.pk for t in threads}
    assert not SlaClock.objects.filter(state=ClockState.RUNNING).exists()
    assert Thread.objects.filter(status=ThreadStatus.ESCALATED).count() == 25


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_customer_and_a_sweep_racing_on_one_thread_open_one_case(
    customer, category, sla_policy, settings
):
    settings.ESCALATIONS_AUTO_ASSIGN = False
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    settings.ESCALATIONS_CUSTOMER_DAILY_LIMIT = 100
    threads = [ThreadFactory(author=customer, category=category) for _ in range(8)]
    for thread in threads:
        services.sla_clock_start(thread_id=thread.pk)
    later = timezone.now() + timedelta(hours=2)

    def customer_asks_everywhere() -> int:
        opened = 0
        for thread in threads:
            try:
                services.escalation_request_by_customer(thread_id=thread.pk, customer=customer)
                opened += 1
            except services.Conflict:
                pass
        return opened

    results = _run_concurrently(
        [customer_asks_everywhere, lambda: len(services.sla_sweep(now=later))]
    )
    assert sum(results) == 8
    assert Case.objects.count() == 8
    assert sorted(Case.objects.values_list("thread_id", flat=True)) == sorted(t.pk for t in threads)


@pytest.mark.django_db
def test_the_sweep_reads_due_clocks_through_its_partial_index(customer, category):
    now = timezone.now()
    insert_threads(author_id=customer.pk, category_id=category.pk, count=50_000, now=now)
    insert_clocks(category_id=category.pk, due=20, running=5_000, now=now)

    qs = (
        SlaClock.objects.filter(state=ClockState.RUNNING, next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("thread_id", "first_answered_at")[:1000]
    )
    plan = qs.explain()
    assert "slaclock_running_due_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert len(services.sla_due_thread_ids(now=now, limit=1000)) == 20
