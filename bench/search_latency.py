"""Latency of the ask page's suggestions and of full search, through the real API.

Every question title of the imported dump (up to ``--n``) is sent, in a fixed shuffled
order, to ``/api/v1/search/similar/`` (and its first three words to ``/api/v1/search/``)
through Django's test client: URL routing, DRF, the search and JSON included; no network.
Prints p50/p95/p99/max in milliseconds.

    SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/search_latency.py
"""

from __future__ import annotations

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
        f"max={max(timings):6.1f} ms"
    )


def main() -> None:
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 1000
    settings.ALLOWED_HOSTS = ["testserver"]
    # The throttles would otherwise stop a benchmark at 120 requests a minute.
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    from rest_framework.settings import api_settings

    api_settings.reload()
    titles = list(Thread.objects.values_list("title", flat=True))
    if not titles:
        sys.exit("no threads: run bench/import_beer.py first")
    random.Random(42).shuffle(titles)
    titles = titles[:n]
    client = Client()
    measure(client, "/api/v1/search/similar/", [{"title": t} for t in titles[:20]])  # warm up
    print(f"database: {connection.vendor}; threads: {Thread.objects.count()}")
    report(
        "similar (suggestions)",
        measure(client, "/api/v1/search/similar/", [{"title": t} for t in titles]),
    )
    report(
        "search (3 words)",
        measure(client, "/api/v1/search/", [{"q": " ".join(t.split()[:3])} for t in titles]),
    )


if __name__ == "__main__":
    main()
