"""Import the beer.stackexchange.com dump into the configured database and time it.

    SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/import_beer.py
    DJANGO_ENV=test DATABASE_URL=postgres://… .venv/bin/python bench/import_beer.py

Migrates first. A second run shows the cost of an idempotent re-run (nothing new).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

DUMP = Path(os.environ.get("BEER_DUMP", "/work/shared/data/stackexchange/beer.stackexchange.com"))


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("import_stackexchange", str(DUMP), "--no-progress")
    print(f"{connection.vendor}: import took {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
