"""Stack Exchange ``PostHistory.xml`` -> ``forum.Revision`` (the edit history pages).

One SE edit is several rows sharing a ``RevisionGUID``: a title row, a body row and a tags
row, whichever changed. They become one numbered ``Revision`` of the question or answer,
dated at the edit, credited to the editor (an imported user, else the site's placeholder
user) and with the edit comment as its summary. A revision here holds the whole text after
the edit, so an edit of only the title carries the body of the version before it over
(and the other way round).

* Types 1/4/7 (title: initial, edit, rollback) and 2/5/8 (body) carry text; 3/6/9 (tags)
  are grouped into the same revision but not stored (tags are not versioned here), so a
  tags-only edit makes no revision. Types 10 and above (close, reopen, delete, lock,
  migrations …) are not versions of the text: they are counted as skipped.
* ``Text`` is Markdown source: it is stored as ``body_md``; the revisions page renders it
  through ``core.markup`` (escaped, sanitized) like every revision.
* Only questions and answers that were imported get revisions.
* Streaming and bulk: rows are grouped as they are read (the rows of one edit are adjacent
  in the file), and every ``batch_size`` edits are written with one ``bulk_create`` in one
  transaction. The number and the carried-over text of the version before come from the
  database (one query per batch), not from memory, so memory stays flat on big dumps.
* Idempotent and resumable: each revision's ``external_ref`` is
  ``se:<site>:r<post id>:<RevisionGUID>``; what exists is skipped. Batches are committed
  in file (= date) order, so after an interruption the latest stored revision of a post
  is the one the next edit builds on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from forum.importers.xmlrows import parse_date, parse_int
from forum.models import Post, Revision

if TYPE_CHECKING:
    from forum.importers.stackexchange import StackExchangeImporter

TITLE_TYPES = frozenset({"1", "4", "7"})
BODY_TYPES = frozenset({"2", "5", "8"})
TAG_TYPES = frozenset({"3", "6", "9"})
KIND = "revisions"
NOT_TEXT = "history events other than edits (close, reopen, delete, lock …) are not versions"

# (thread pk, post pk or None for the question)
Target = tuple[int, int | None]


def resolve_targets(importer: StackExchangeImporter, se_ids: Iterable[int]) -> dict[int, Target]:
    """SE post ids -> where they are here: questions from ``importer.thread_ids``,
    answers by ``external_ref`` in one query per call. Ids not imported are absent."""
    found: dict[int, Target] = {}
    answers: dict[str, int] = {}
    for se_id in set(se_ids):
        thread_id = importer.thread_ids.get(se_id)
        if thread_id is not None:
            found[se_id] = (thread_id, None)
        else:
            answers[importer.ref(se_id)] = se_id
    if answers:
        # The explicit ``<> ''`` lets PostgreSQL use the partial unique index on
        # external_ref: it cannot prove that a list of more than 100 values implies it,
        # and would scan the whole table for every batch.
        rows = (
            Post.objects.filter(external_ref__in=list(answers))
            .exclude(external_ref="")
            .order_by()
            .values_list("external_ref", "id", "thread_id")
        )
        for ref, post_id, thread_id in rows:
            found[answers[ref]] = (thread_id, post_id)
    return found


@dataclass
class _Edit:
    """The rows of one SE edit of one post."""

    key: str
    se_post_id: int
    created_at: datetime
    first_row: int
    user_id: int | None = None
    title: str | None = None
    body: str | None = None
    comment: str = ""
    missing_text: bool = False

    def add(self, kind: str, row: dict[str, str], created_at: datetime) -> None:
        self.created_at = min(self.created_at, created_at)
        if self.user_id is None:
            self.user_id = parse_int(row.get("UserId"))
        if not self.comment:
            self.comment = (row.get("Comment") or "").strip()
        text = row.get("Text")
        if text is None and kind not in TAG_TYPES:
            self.missing_text = True  # nothing to keep from this row
        elif kind in TITLE_TYPES:
            self.title = " ".join((text or "").split())[:200]
        elif kind in BODY_TYPES:
            self.body = text or ""


class HistoryImport:
    def __init__(self, importer: StackExchangeImporter) -> None:
        self.importer = importer
        self.report = importer.report

    def run(self) -> None:
        # The importer's per-phase timing (in the summary), when it has one.
        timed = getattr(self.importer, "_timed", None)
        with timed("history") if timed is not None else contextlib.nullcontext():
            self._run()

    def _run(self) -> None:
        path = self.importer.directory / "PostHistory.xml"
        if not path.is_file():
            return
        pending: dict[str, _Edit] = {}
        last_key = ""
        rows = self.importer.progress(
            self.importer._good_rows("PostHistory.xml", "history"), "PostHistory.xml", None
        )
        for row in rows:
            kind = (row.get("PostHistoryTypeId") or "").strip()
            if kind not in TITLE_TYPES and kind not in BODY_TYPES and kind not in TAG_TYPES:
                number = parse_int(kind)
                self.report.skip(
                    "history", NOT_TEXT if number and number >= 10 else "unknown PostHistoryTypeId"
                )
                continue
            post_id = parse_int(row.get("PostId"))
            row_id = parse_int(row.get("Id"))
            created = parse_date(row.get("CreationDate"))
            if post_id is None or row_id is None:
                self.report.skip("history", "missing or non-numeric Id or PostId")
                continue
            if created is None:
                self.report.skip("history", "missing or bad CreationDate")
                continue
            # Without a RevisionGUID (some synthetic or old dumps), rows of the same post
            # written at the same instant are taken to be one edit.
            guid = (row.get("RevisionGUID") or "").strip()[:64] or "t" + created.isoformat()
            key = self.importer.ref(f"r{post_id}:{guid}")
            edit = pending.get(key)
            if edit is None:
                if len(pending) >= self.importer.batch_size and key != last_key:
                    # The rows of one edit are adjacent: everything but the edit being
                    # read is complete and can be written.
                    current = pending.pop(last_key, None)
                    self._write(list(pending.values()))
                    pending = {last_key: current} if current is not None else {}
                edit = pending[key] = _Edit(
                    key=key, se_post_id=post_id, created_at=created, first_row=row_id
                )
            edit.add(kind, row, created)
            last_key = key
        if pending:
            self._write(list(pending.values()))

    def _write(self, edits: list[_Edit]) -> None:
        importer = self.importer
        existing = set(
            Revision.objects.filter(external_ref__in=[e.key for e in edits])
            .exclude(external_ref="")  # the partial index (see resolve_targets)
            .order_by()
            .values_list("external_ref", flat=True)
        )
        self.report.existing[KIND] += len(existing)
        edits = [e for e in edits if e.key not in existing]
        if not edits:
            return
        targets = resolve_targets(importer, (e.se_post_id for e in edits))
        todo = []
        for edit in edits:
            if edit.se_post_id not in targets:
                self.report.skip(KIND, "question or answer not imported")
            elif edit.title is None and edit.body is None:
                self.report.skip(
                    KIND,
                    "title or body row without Text"
                    if edit.missing_text
                    else "tags-only edit (tags are not versioned)",
                )
            else:
                todo.append(edit)
        if not todo:
            return
        todo.sort(key=lambda e: (e.created_at, e.first_row))
        state = self._latest({targets[e.se_post_id] for e in todo})
        revisions = []
        placeholder = importer.placeholder.pk
        for edit in todo:
            target = targets[edit.se_post_id]
            thread_id, post_id = target
            number, title, body = state.get(target, (0, None, None))
            if edit.title is not None:
                title = edit.title
            if edit.body is not None:
                body = edit.body
            if body is None:
                # A title edit whose earlier body is not in the dump: nothing to show.
                self.report.skip(KIND, "edit of a version that is not in the dump")
                continue
            title = (title or "") if post_id is None else ""
            state[target] = (number + 1, title, body)
            revisions.append(
                Revision(
                    thread_id=thread_id,
                    post_id=post_id,
                    number=number + 1,
                    author_id=importer.user_ids.get(edit.user_id, placeholder)
                    if edit.user_id is not None
                    else placeholder,
                    title=title,
                    body_md=body,
                    reason=edit.comment[:200],
                    created_at=edit.created_at,
                    external_ref=edit.key,
                )
            )
        with transaction.atomic():
            Revision.objects.bulk_create(revisions, batch_size=importer.batch_size)
        self.report.imported[KIND] += len(revisions)

    def _latest(self, targets: set[Target]) -> dict[Target, tuple[int, str | None, str | None]]:
        """Number, title and text of the latest revision of each target (one query for
        the questions, one for the answers)."""
        state: dict[Target, tuple[int, str | None, str | None]] = {}
        thread_ids = [t for t, p in targets if p is None]
        post_ids = [p for _t, p in targets if p is not None]
        latest = Window(RowNumber(), partition_by=[F("thread_id"), F("post_id")],
                        order_by=F("number").desc())  # fmt: skip
        fields = ("thread_id", "post_id", "number", "title", "body_md")
        for qs in (
            Revision.objects.filter(thread_id__in=thread_ids, post__isnull=True)
            if thread_ids
            else None,
            Revision.objects.filter(post_id__in=post_ids) if post_ids else None,
        ):
            if qs is None:
                continue
            for thread_id, post_id, number, title, body in (
                qs.annotate(row=latest).filter(row=1).values_list(*fields)
            ):
                state[(thread_id, post_id)] = (number, title, body)
        return state


def import_history(importer: StackExchangeImporter) -> None:
    HistoryImport(importer).run()
