"""SQL queries per anonymous page view, for the pages the benchmark loads.

    .venv/bin/python bench/count_queries.py bench/out/urls.txt

Reads "label path" lines; prints status, bytes and query count for each (second request,
so per-process caches are warm as they are under wrk).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    for line in Path(sys.argv[1]).read_text().splitlines():
        label, path = line.split()
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        print(
            f"  {label:<18} {path:<26} HTTP {response.status_code} "
            f"{len(response.content):>7} bytes {len(ctx.captured_queries):>3} queries"
        )


if __name__ == "__main__":
    main()
