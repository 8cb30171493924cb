"""Stack Exchange ``Comments.xml`` -> ``forum.PostComment`` (read-only imported comments).

* A comment on a question belongs to its thread (``post`` NULL), one on an answer to that
  answer. Comments on questions or answers that were not imported are skipped.
* The author is the imported user when the commenter wrote a question or answer (only
  those are imported as users), else the site's placeholder user; ``source_author``
  keeps the name SE shows, looked up in ``Users.xml`` for commenters who were not
  imported, so the attribution CC BY-SA asks for is complete.
* ``Text`` is SE's comment mini-Markdown (links, code, bold, italic). It is kept as the
  source and rendered once, here, with ``core.markup`` (escaped, sanitized, links get
  ``rel=nofollow``); the thread page outputs the stored HTML.
* Streaming and bulk: ``batch_size`` rows per ``bulk_create``, one transaction per batch,
  two lookups per batch (which exist, which answers they belong to).
* Idempotent and resumable: ``external_ref`` is ``se:<site>:c<id>`` (unique); what exists
  is skipped, so a re-run creates nothing and an interrupted run is finished by the next.
"""

from __future__ import annotations

import contextlib
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from core.markup import render_markdown
from forum.importers.se_history import resolve_targets
from forum.importers.xmlrows import MalformedRow, batched, parse_date, parse_int
from forum.models import PostComment

if TYPE_CHECKING:
    from forum.importers.stackexchange import StackExchangeImporter

KIND = "comments"
DEFAULT_LICENCE = "CC BY-SA 3.0"

# Text in which neither Markdown nor the sanitizer's linkifier would find anything: no
# Markdown punctuation, no entity, no line break, no "x.y" that could be a domain, no
# leading list/heading marker. For such text the output of render_markdown is known
# without running it (tests check both agree): four in five beer.stackexchange comments,
# and rendering (~0.25 ms each through markdown-it and bleach) is most of the import time.
# Everything else goes through render_markdown; the fast path escapes, so it is never
# less safe, at worst a bare link would stay unlinked.
_NEEDS_MARKDOWN = re.compile(r"[\\`*_\[\]<>&~\r\n\t]|\.[^\W\d_]|://|^(?:[\s#+-]|\d+[.)])|\s$|^$")


def render_comment(text: str) -> str:
    """SE comment source -> sanitized HTML (the same as ``render_markdown``)."""
    if _NEEDS_MARKDOWN.search(text):
        return render_markdown(text)
    # The sanitizer writes &, <, > and " as entities in text, and only those.
    return f"<p>{html.escape(text, quote=False).replace('"', '&quot;')}</p>\n"


_USER_ID = re.compile(rb'\sUserId="(\d{1,18})"')
_CHUNK = 1 << 20


def _user_ids_in(path: Path) -> set[int]:
    """Every ``UserId="n"`` attribute in the file, by a byte scan: several times faster
    than parsing the XML a second time, and safe on any input (nothing is expanded; a
    quote inside an attribute value is always escaped, so the pattern cannot occur
    there). The XML itself is parsed, with all checks, by the import pass."""
    found: set[int] = set()
    tail = b""
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            data = tail + chunk
            last_end = 0
            for match in _USER_ID.finditer(data):
                found.add(int(match.group(1)))
                last_end = match.end()
            # Keep the end of the chunk (after the last match) for a match cut in two.
            tail = data[max(last_end, len(data) - 40) :]
    return found


class CommentImport:
    def __init__(self, importer: StackExchangeImporter) -> None:
        self.importer = importer
        self.report = importer.report
        self.path = importer.directory / "Comments.xml"

    def run(self) -> None:
        # The importer's per-phase timing (in the summary), when it has one.
        timed = getattr(self.importer, "_timed", None)
        with timed("comments") if timed is not None else contextlib.nullcontext():
            self._run()

    def _run(self) -> None:
        if not self.path.is_file():
            return
        self.names = self._commenter_names()
        rows = self.importer.progress(
            self.importer._good_rows("Comments.xml", KIND), "Comments.xml", None
        )
        for batch in batched(iter(rows), self.importer.batch_size):
            self._write(batch)

    def _commenter_names(self) -> dict[int, str]:
        """Display names of commenters who are not imported users: their ids from a quick
        scan of Comments.xml, then their names from one pass over Users.xml."""
        known = self.importer.user_ids
        wanted = {user_id for user_id in _user_ids_in(self.path) if user_id not in known}
        names: dict[int, str] = {}
        if not wanted:
            return names
        for row in self.importer._rows("Users.xml"):
            if isinstance(row, MalformedRow):
                continue
            user_id = parse_int(row.get("Id"))
            if user_id is not None and user_id in wanted:
                names[user_id] = (row.get("DisplayName") or "").strip()[:200]
        return names

    def _author(self, row: dict[str, str]) -> tuple[int, str]:
        importer = self.importer
        user_id = parse_int(row.get("UserId"))
        if user_id is not None and user_id in importer.user_ids:
            imported_names = getattr(importer, "user_names", {})
            name = imported_names.get(user_id) or self.names.get(user_id)
            return importer.user_ids[user_id], name or f"user {user_id}"
        name = (row.get("UserDisplayName") or "").strip()[:200]
        if not name and user_id is not None:
            name = self.names.get(user_id, "")
        return importer.placeholder.pk, name or "anonymous"

    def _write(self, rows: list[dict[str, str]]) -> None:
        importer = self.importer
        parsed = []
        for row in rows:
            comment_id, post_id = parse_int(row.get("Id")), parse_int(row.get("PostId"))
            if comment_id is None or post_id is None:
                self.report.skip(KIND, "missing or non-numeric Id or PostId")
                continue
            parsed.append((importer.ref(f"c{comment_id}"), comment_id, post_id, row))
        existing = set(
            PostComment.objects.filter(external_ref__in=[p[0] for p in parsed])
            .order_by()
            .values_list("external_ref", flat=True)
        )
        self.report.existing[KIND] += len(existing)
        parsed = [p for p in parsed if p[0] not in existing]
        if not parsed:
            return
        targets = resolve_targets(importer, (p[2] for p in parsed))
        comments = []
        for ref, comment_id, post_id, row in parsed:
            target = targets.get(post_id)
            text = (row.get("Text") or "").strip()
            created = parse_date(row.get("CreationDate"))
            if target is None:
                self.report.skip(KIND, "question or answer not imported")
                continue
            if not text:
                self.report.skip(KIND, "empty Text")
                continue
            if created is None:
                self.report.skip(KIND, "missing or bad CreationDate")
                continue
            author_id, author_name = self._author(row)
            comments.append(
                PostComment(
                    thread_id=target[0],
                    post_id=target[1],
                    author_id=author_id,
                    text=text,
                    text_html=render_comment(text),
                    created_at=created,
                    score=parse_int(row.get("Score")) or 0,
                    external_ref=ref,
                    source_url=f"https://{importer.site}/posts/comments/{comment_id}",
                    source_author=author_name,
                    source_licence=(row.get("ContentLicense") or DEFAULT_LICENCE)[:40],
                )
            )
        with transaction.atomic():
            PostComment.objects.bulk_create(comments, batch_size=importer.batch_size)
        self.report.imported[KIND] += len(comments)


def import_comments(importer: StackExchangeImporter) -> None:
    CommentImport(importer).run()
