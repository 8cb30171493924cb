"""``manage.py search_reindex`` — rebuild the full-text index of every thread."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from forum.search import REINDEX_BATCH, search_backend, search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the search index of all threads (safe to run at any time)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(batches: Any, total: int) -> Any:
            if options["no_progress"]:
                return batches
            return tqdm(
                batches,
                total=total,
                desc=f"reindex ({REINDEX_BATCH}/batch)",
                unit=" batches",
                file=self.stderr._out,
            )

        count = search_reindex_all(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"indexed {count:,} threads ({search_backend().vendor})")
        )
