"""Time one SLA sweep over 1,000,000 threads of which 100 are due (PostgreSQL).

    createdb community_escalate_bench   # once
    DJANGO_ENV=test \
    DATABASE_URL=postgres://community:community@localhost:5432/community_escalate_bench \
        .venv/bin/python bench/escalations_sweep.py [--threads 1000000] [--due 100] [--reset]

Rows are bulk-inserted with INSERT ... SELECT generate_series (threads, then one clock per
thread: ``--due`` running and overdue, ``--running`` running and due tomorrow, the rest
stopped, which is what a long-lived forum looks like). Then it prints the plan of the
sweep's selection query (EXPLAIN ANALYZE), and times ``escalations.services.sla_sweep``:
the first run opens the due cases, the second finds nothing. Celery runs eagerly so the
cost of queued work (notifications) is included. Results go to bench/out/escalations_sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from escalations import services  # noqa: E402
from escalations.models import Case, ClockState, SlaClock  # noqa: E402
from forum.models import Category, Thread  # noqa: E402
from tests.escalations import pg_helpers  # noqa: E402
from tests.escalations.pg_helpers import insert_threads  # noqa: E402


def insert_clocks(*, category_id: int, due: int, running: int, now) -> None:
    # The newest threads are the due ones, as in a long-lived forum.
    pg_helpers.insert_clocks(
        category_id=category_id, due=due, running=running, now=now, newest_first=True
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE forum_thread")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--running", type=int, default=50_000)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep seeded threads, re-arm clocks")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (DATABASE_URL=postgres://...).")

    call_command("migrate", verbosity=0)
    from config.celery import app

    settings.ESCALATIONS_AUTO_ASSIGN = False
    author, _ = User.objects.get_or_create(
        username="bench-asker", defaults={"email": "bench-asker@example.com"}
    )
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    now = timezone.now()

    existing = Thread.objects.filter(category=category).count()
    if Thread.objects.exists() and not (args.reuse and existing >= args.threads):
        if not args.reset:
            sys.exit("The database has threads; pass --reset to wipe them (or --reuse).")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE forum_thread, escalations_slaclock, escalations_case CASCADE")
        existing = 0
    if existing < args.threads:
        started = time.perf_counter()
        insert_threads(author_id=author.pk, category_id=category.pk, count=args.threads, now=now)
        insert_clocks(category_id=category.pk, due=0, running=args.running, now=now)
        print(f"seeded {args.threads:,} threads and clocks in {time.perf_counter() - started:.1f}s")

    def arm(count: int) -> None:
        """Make ``count`` stopped clocks (of open threads) running and overdue."""
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE escalations_slaclock SET state = 'running',
                       next_due_at = %s - interval '1 second'
                   WHERE thread_id IN (SELECT thread_id FROM escalations_slaclock
                                       WHERE state = 'stopped' ORDER BY thread_id LIMIT %s)""",
                [now, count],
            )
            cursor.execute("ANALYZE escalations_slaclock")

    qs = (
        SlaClock.objects.filter(state=ClockState.RUNNING, next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("thread_id", "first_answered_at")[:1000]
    )

    def timed_sweep(label: str) -> dict:
        arm(args.due)
        plan = qs.explain(analyze=True, buffers=True)
        t0 = time.perf_counter()
        due_ids = services.sla_due_thread_ids(now=now, limit=1000)
        select_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        opened = services.sla_sweep(now=now)
        sweep_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        again = services.sla_sweep(now=now)
        empty_ms = (time.perf_counter() - t0) * 1000
        return {
            "mode": label,
            "due": len(due_ids),
            "select_due_ms": round(select_ms, 2),
            "sweep_ms": round(sweep_ms, 1),
            "sweep_per_case_ms": round(sweep_ms / max(len(opened), 1), 2),
            "cases_opened": len(opened),
            "second_sweep_ms": round(empty_ms, 2),
            "second_sweep_opened": len(again),
            "uses_partial_index": "slaclock_running_due_idx" in plan,
            "plan": plan,
        }

    # 1. The sweep itself: queued work goes to an in-memory broker (a publish, not run).
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    queued = timed_sweep("tasks queued to an in-memory broker")
    # 2. Everything inline: notifications (and their e-mail task) run eagerly.
    app.conf.task_always_eager = True
    eager = timed_sweep("tasks run eagerly (notifications included)")

    print(queued["plan"])
    results = {
        "threads": Thread.objects.count(),
        "running_not_due": args.running,
        "runs": [queued, eager],
        "cases_in_db": Case.objects.count(),
    }
    print(
        json.dumps(
            {
                **results,
                "runs": [{k: v for k, v in r.items() if k != "plan"} for r in results["runs"]],
            },
            indent=2,
        )
    )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "escalations_sweep.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
