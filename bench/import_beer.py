"""Import the beer.stackexchange.com dump into the configured database and time it.

    SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/import_beer.py
    DJANGO_ENV=test DATABASE_URL=postgres://… .venv/bin/python bench/import_beer.py

Migrates first. A second run shows the cost of an idempotent re-run (nothing new). Prints
the importer's summary (with its time per phase) and posts (questions + answers) per
second over the whole command, search indexing included. ``--workers N`` is passed on
(0: sanitize in the importing process).
"""

from __future__ import annotations

import os
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from forum.models import Post, Thread  # noqa: E402

DUMP = Path(os.environ.get("BEER_DUMP", "/work/shared/data/stackexchange/beer.stackexchange.com"))


def main() -> None:
    extra = []
    if "--workers" in sys.argv:
        extra = ["--workers", sys.argv[sys.argv.index("--workers") + 1]]
    call_command("migrate", verbosity=0)
    before = Thread.objects.count() + Post.objects.count()
    out = StringIO()
    started = time.perf_counter()
    call_command("import_stackexchange", str(DUMP), "--no-progress", *extra, stdout=out)
    elapsed = time.perf_counter() - started
    posts = Thread.objects.count() + Post.objects.count() - before
    print(out.getvalue().rstrip())
    print(
        f"{connection.vendor}: import took {elapsed:.1f}s; {posts:,} new posts "
        f"({posts / elapsed:,.0f} posts/s)"
    )


if __name__ == "__main__":
    main()
