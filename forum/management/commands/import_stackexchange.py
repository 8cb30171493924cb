"""``manage.py import_stackexchange DIR [--category SLUG | --tag-map FILE]``

Imports (or resumes importing) a Stack Exchange site dump. Safe to run again: what is
already imported is skipped. See forum/importers/stackexchange.py for the mapping.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from forum.importers.stackexchange import DumpError, stackexchange_import

REINDEX_CHUNK = 5_000


class Command(BaseCommand):
    help = "Import a Stack Exchange site dump (Users/Posts/Tags/Votes.xml, optional PostLinks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="folder with the dump's XML files")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--category", help="slug of the category all questions go to")
        group.add_argument(
            "--tag-map",
            type=Path,
            help='JSON {"se-tag": "category-slug", "*": "default-slug"}: first matching tag wins',
        )
        parser.add_argument(
            "--site", help="site host for references and links (default: the folder's name)"
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes sanitizing bodies (default: one per CPU for dumps of 1,000+ "
            "posts; 0: sanitize in this process)",
        )
        parser.add_argument("--no-index", action="store_true", help="skip the search reindex")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["no_progress"]

        def progress(rows: Iterable[Any], desc: str, total: int | None) -> Iterable[Any]:
            if not show:
                return rows
            return tqdm(rows, desc=desc, total=total, unit=" rows", file=self.stderr._out)

        if connection.vendor == "postgresql":
            # A bulk load: a batch lost to a crash is re-imported by the next run, so
            # waiting for each commit's WAL flush buys nothing (this session only).
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        started = time.monotonic()
        try:
            report = stackexchange_import(
                directory=options["directory"],
                site=options["site"],
                category_slug=options["category"],
                tag_map_path=options["tag_map"],
                progress=progress,
                batch_size=max(1, options["batch_size"]),
                workers=options["workers"],
            )
        except DumpError as exc:
            raise CommandError(str(exc)) from exc
        ids = report.index_thread_ids or report.thread_ids
        if ids and not options["no_index"]:
            from forum.search import search_reindex_threads

            indexing = time.monotonic()
            chunks = range(0, len(ids), REINDEX_CHUNK)
            bar = (
                tqdm(total=len(ids), desc="search index", unit=" threads", file=self.stderr._out)
                if show
                else None
            )
            for start in chunks:
                search_reindex_threads(thread_ids=ids[start : start + REINDEX_CHUNK])
                if bar is not None:
                    bar.update(len(ids[start : start + REINDEX_CHUNK]))
            if bar is not None:
                bar.close()
            report.timings["search index"] = time.monotonic() - indexing
            report.notes.append(f"search index updated for {len(ids):,} threads")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - started:.1f}s"))
