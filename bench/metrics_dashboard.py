"""Benchmark of the metrics dashboard on a large history (PostgreSQL).

    .venv/bin/python bench/metrics_dashboard.py                 # 1,000,000 threads
    .venv/bin/python bench/metrics_dashboard.py --threads 100000

Drops and recreates the database ``community_bench_metrics`` (server from ``PG_URL``,
default postgres://community:community@localhost:5432), migrates it, and writes with
INSERT ... SELECT over generate_series (no Python per row): N threads over three years in
8 categories, an answer on 80 % of them (first-answer delays log-spread from a minute to
days), an accepted answer on 60 % (every 20th an official staff answer), an escalation case
on 5 % and an SLA clock on 20 %. Then it times ``metrics_rebuild`` over the whole history,
the beat refresh (yesterday + today), and the dashboard page and API for several periods
(median of repeated requests through Django's test client, with the query count).
Results go to stdout and ``bench/out/metrics_dashboard.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("PG_URL", "postgres://community:community@localhost:5432").rstrip("/")
DB_NAME = "community_bench_metrics"
os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def insert_select(model, overrides: dict[str, str], source: str, params: list) -> int:
    """INSERT INTO model's table SELECT <overrides or field defaults> FROM <source>."""
    from django.db import connection

    columns, exprs, values = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in overrides:
            continue
        columns.append(f'"{field.column}"')
        if field.column in overrides:
            # Modulo signs are literal SQL, not placeholders.
            exprs.append(overrides[field.column].replace("%", "%%"))
            continue
        default = field.get_default()
        if default is None and field.null:
            exprs.append("NULL")
        else:
            exprs.append("%s")
            values.append(field.get_db_prep_save(default, connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(exprs)} FROM {source if params else source.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values + params)
        return cursor.rowcount


def seed(n_threads: int) -> dict:
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from escalations.models import Case, SlaClock
    from forum.models import Category, Post, Thread

    start = timezone.now() - timedelta(days=3 * 365)
    span = int((timezone.now() - start).total_seconds())
    with transaction.atomic():
        categories = [
            Category.objects.create(name=f"Product {i}", slug=f"product-{i}") for i in range(8)
        ]
        password = make_password("bench-password-1")
        users = User.objects.bulk_create(
            User(username=f"bench{i}", email=f"bench{i}@example.com", password=password)
            for i in range(2000)
        )
        cat_ids = "ARRAY[" + ",".join(str(c.pk) for c in categories) + "]"
        user_ids = "ARRAY[" + ",".join(str(u.pk) for u in users) + "]"
        n_users = len(users)
        t0 = time.perf_counter()
        insert_select(
            Thread,
            {
                "category_id": f"({cat_ids})[1 + (g % 8)]",
                "author_id": f"({user_ids})[1 + (g % {n_users})]",
                "title": "'Bench question ' || g",
                "body_md": "'Bench body'",
                "body_html": "'<p>Bench body</p>'",
                "status": "CASE WHEN g % 10 < 6 THEN 'solved' WHEN g % 10 < 8 THEN 'answered'"
                " ELSE 'open' END",
                "created_at": "c",
                "last_activity_at": "c",
                "first_answer_at": "CASE WHEN g % 10 < 8 THEN c + fa * interval '1 second' END",
                "solved_at": "CASE WHEN g % 10 < 6 THEN c + (fa + sv) * interval '1 second' END",
                "view_count": "g % 500",
            },
            "(SELECT g, %s::timestamptz + (g::float8 * %s / %s) * interval '1 second' AS c,"
            " 60 * exp(random() * 9) AS fa, 3600 * exp(random() * 4) AS sv"
            " FROM generate_series(1, %s) AS g) AS s",
            [start, span, n_threads, n_threads],
        )
        t_threads = time.perf_counter() - t0
        insert_select(
            Post,
            {
                "thread_id": "t.id",
                "author_id": f"({user_ids})[1 + ((t.id + 7) % {n_users})]",
                "body_md": "'Bench answer'",
                "body_html": "'<p>Bench answer</p>'",
                "is_accepted": "t.status = 'solved'",
                "accepted_at": "t.solved_at",
                "is_official": "t.id % 20 = 0",
                "created_at": "t.first_answer_at",
            },
            f'"{Thread._meta.db_table}" AS t WHERE t.first_answer_at IS NOT NULL',
            [],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Thread._meta.db_table}" AS t '
                "SET accepted_answer_id = p.id, answer_count = 1 "
                f'FROM "{Post._meta.db_table}" AS p WHERE p.thread_id = t.id AND p.is_accepted'
            )
        insert_select(
            Case,
            {
                "thread_id": "t.id",
                "customer_id": "t.author_id",
                "source": "'sla_first_answer'",
                "state": "'resolved'",
                "resolution": "CASE WHEN t.id % 2 = 0 THEN 'by_staff' ELSE 'by_community' END",
                "opened_at": "t.created_at + interval '4 hours'",
                "updated_at": "t.created_at + interval '1 day'",
                "resolved_at": "t.created_at + interval '1 day'",
            },
            f'"{Thread._meta.db_table}" AS t WHERE t.id % 20 = 3',
            [],
        )
        insert_select(
            SlaClock,
            {
                "thread_id": "t.id",
                "state": "CASE WHEN t.id % 25 = 0 THEN 'breached' ELSE 'stopped' END",
                "started_at": "t.created_at",
                "first_answer_due_at": "t.created_at + interval '4 hours'",
                "accepted_due_at": "t.created_at + interval '2 days'",
                "breached_at": "CASE WHEN t.id % 25 = 0 THEN t.created_at + interval '4 hours' END",
            },
            f'"{Thread._meta.db_table}" AS t WHERE t.id % 5 = 0',
            [],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "cases": Case.objects.count(),
        "sla_clocks": SlaClock.objects.count(),
        "seed_threads_seconds": round(t_threads, 1),
    }


def time_pages(runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tests.factories import UserFactory

    manager = User.objects.filter(email="bench-manager@example.com").first() or UserFactory(
        email="bench-manager@example.com", roles=["community_manager"]
    )
    client = Client()
    client.force_login(manager)
    results = {}
    for label, url in [
        ("page 30d", "/staff/dashboard/?period=30d"),
        ("page 365d", "/staff/dashboard/?period=365d"),
        ("page all (3 years)", "/staff/dashboard/?period=all"),
        ("page all, one category", "/staff/dashboard/?period=all&category=product-3"),
        ("api all", "/api/v1/metrics/?period=all"),
        ("csv all", "/staff/dashboard/export.csv?period=all"),
    ]:
        client.get(url)  # warm up
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        results[label] = {
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "queries": len(ctx.captured_queries),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chunk-days", type=int, default=366)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded database of an earlier run"
    )
    args = parser.parse_args()

    if not args.reuse:
        recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    from forum.models import Thread

    call_command("migrate", verbosity=0)
    if args.reuse:
        counts = {"threads": Thread.objects.count(), "reused": True}
    else:
        t0 = time.perf_counter()
        counts = seed(args.threads)
        counts["seed_seconds"] = round(time.perf_counter() - t0, 1)
    print("seeded:", counts, flush=True)

    from metrics import services
    from metrics.models import DailyRollup, ExpertDailyRollup

    t0 = time.perf_counter()
    rows = services.rollups_rebuild(chunk_days=args.chunk_days)
    rebuild_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    services.rollups_refresh_recent()
    refresh_s = time.perf_counter() - t0
    rollups = {
        "rebuild_seconds": round(rebuild_s, 1),
        "chunk_days": args.chunk_days,
        "rollup_rows": rows,
        "expert_rollup_rows": ExpertDailyRollup.objects.count(),
        "days": DailyRollup.objects.filter(category__isnull=True).count(),
        "refresh_recent_seconds": round(refresh_s, 2),
    }
    print("rollups:", rollups, flush=True)
    pages = time_pages(args.runs)
    for label, result in pages.items():
        print(f"{label:28s} {result}", flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "metrics_dashboard.json").write_text(
        json.dumps({"seed": counts, "rollups": rollups, "pages": pages}, indent=2)
    )


if __name__ == "__main__":
    main()
