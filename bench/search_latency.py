"""Latency of the ask page's suggestions and of full search, through the real API.

Question titles (up to ``--n``), in a fixed shuffled order, are sent to
``/api/v1/search/similar/`` (suggestions) and their first three words to
``/api/v1/search/`` (full search) through Django's test client: URL routing, DRF, the
search and JSON included; no network. Prints p50/p95/p99/max in milliseconds.

The database is the configured one (``DATABASE_URL`` for PostgreSQL, else SQLite at
``SQLITE_PATH``). Titles come from the imported threads, or with ``--dump DIR`` from a
dump's Posts.xml (a deterministic sample, without loading every title of a large dump).
``--explain`` prints PostgreSQL's EXPLAIN ANALYZE of the search queries for one title, to
show the GIN index on the search vector is used.

    SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/search_latency.py
    DJANGO_ENV=test DATABASE_URL=postgres://…/community_synth \\
        .venv/bin/python bench/search_latency.py --n 500 --dump bench/out/synth1m… --explain
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from forum.importers.xmlrows import MalformedRow, iter_rows  # noqa: E402
from forum.models import Thread  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(client: Client, url: str, params: list[dict]) -> list[float]:
    timings = []
    for query in params:
        started = time.perf_counter()
        response = client.get(url, query)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    return timings


def report(label: str, timings: list[float]) -> None:
    print(
        f"{label:<28} n={len(timings):<5} p50={statistics.median(timings):6.1f} ms  "
        f"p95={percentile(timings, 95):6.1f} ms  p99={percentile(timings, 99):6.1f} ms  "
        f"max={max(timings):6.1f} ms",
        flush=True,
    )


def titles_from_dump(directory: Path, n: int) -> list[str]:
    """Reservoir sample of ``n`` question titles (seeded: the same titles every run)."""
    rnd = random.Random(42)
    sample: list[str] = []
    seen = 0
    for row in iter_rows(directory / "Posts.xml"):
        if isinstance(row, MalformedRow) or row.get("PostTypeId") != "1":
            continue
        title = " ".join((row.get("Title") or "").split())
        if not title:
            continue
        seen += 1
        if len(sample) < n:
            sample.append(title)
        elif (k := rnd.randrange(seen)) < n:
            sample[k] = title
    rnd.shuffle(sample)
    return sample


def titles_from_db(n: int) -> list[str]:
    ids = list(Thread.objects.order_by("id").values_list("id", flat=True))
    random.Random(42).shuffle(ids)
    chosen = ids[:n]
    by_id = dict(Thread.objects.filter(pk__in=chosen).values_list("id", "title"))
    return [by_id[pk] for pk in chosen if pk in by_id]


def explain(client: Client, title: str) -> None:
    """EXPLAIN ANALYZE the SQL that a suggestion and a search run (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        print("explain: PostgreSQL only")
        return
    for label, url, params in (
        ("similar", "/api/v1/search/similar/", {"title": title}),
        ("search", "/api/v1/search/", {"q": " ".join(title.split()[:3])}),
    ):
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        ranked = [q["sql"] for q in captured.captured_queries if "@@" in q["sql"]]
        for sql in ranked[:2]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            print(f"--- EXPLAIN ANALYZE ({label}: {params}) ---")
            for line in plan:
                print("   ", line)
            uses_gin = any("Bitmap Index Scan" in line and "search" in line for line in plan)
            print(f"    => GIN index on the search vector used: {'yes' if uses_gin else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description="search and suggestion latency")
    parser.add_argument("--n", type=int, default=1000, help="titles to send (default 1000)")
    parser.add_argument("--dump", type=Path, help="take titles from this dump's Posts.xml")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE (PostgreSQL)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    # The throttles would otherwise stop a benchmark at 120 requests a minute.
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    from rest_framework.settings import api_settings

    api_settings.reload()
    titles = titles_from_dump(args.dump, args.n) if args.dump else titles_from_db(args.n)
    if not titles:
        sys.exit("no threads: run bench/import_beer.py first")
    client = Client()
    measure(client, "/api/v1/search/similar/", [{"title": t} for t in titles[:20]])  # warm up
    measure(client, "/api/v1/search/", [{"q": " ".join(t.split()[:3])} for t in titles[:20]])
    print(f"database: {connection.vendor}; threads: {Thread.objects.count():,}")
    report(
        "similar (suggestions)",
        measure(client, "/api/v1/search/similar/", [{"title": t} for t in titles]),
    )
    report(
        "search (3 words)",
        measure(client, "/api/v1/search/", [{"q": " ".join(t.split()[:3])} for t in titles]),
    )
    if args.explain:
        explain(client, titles[0])


if __name__ == "__main__":
    main()
