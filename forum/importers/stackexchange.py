"""Import a Stack Exchange site dump (Users, Posts, Tags, Votes; optionally PostLinks,
PostHistory and Comments: see ``se_history`` and ``se_comments``).

What becomes what:

* Users who wrote an imported question or answer -> ``accounts.User`` (unusable password,
  ``is_imported``, ``external_ref="se:<site>:<id>"``). Posts of deleted SE accounts go to
  one placeholder user per site, with the name SE kept as ``source_author``.
* Questions -> ``Thread``, answers -> ``Post``, with their original dates, tags, view
  counts and vote totals. Bodies arrive as HTML: they are sanitized and kept as HTML
  (``source_format="html"``), so an edit re-sanitizes instead of escaping the markup.
* Votes: SE dumps do not say *who* voted, so no ``Vote`` rows are created (they would need
  a voter); the up/down totals are stored on ``Post.upvotes/downvotes/score`` and the
  question's on ``Thread.score``.
* Accepted answers (``AcceptedAnswerId``) -> ``Post.is_accepted`` / ``Thread`` solved; the
  acceptance time is the accept vote's date (VoteTypeId 1, day precision in dumps), else
  the thread's last activity.
* Duplicates (PostLinks LinkTypeId 3) -> ``Thread.duplicate_of``.
* Attribution: every row keeps its source URL, original author name and licence.

Nothing publishes events (nobody earns points or gets notified for the past). Rows are
written in batches, each in its own transaction; a re-run skips what exists (keyed by
``external_ref``), so an interrupted import is resumed by running it again.

Speed (bench/README.md has the figures): bodies are sanitized by a pool of worker
processes while this one parses and writes; threads and answers are written with COPY on
PostgreSQL (bulk_create elsewhere); acceptances and thread counters are set-based updates
per batch of 1,000; forum.synchronize re-checks a bounded sample of threads. Memory holds
dicts of ids and a few batches of rows, never the bodies of the whole dump.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from core.markup import sanitize_html
from forum import synchronize
from forum.importers.se_comments import import_comments
from forum.importers.se_history import import_history
from forum.importers.xmlrows import (
    MalformedRow,
    XmlFileRefused,
    batched,
    iter_rows,
    parse_date,
    parse_int,
)
from forum.models import (
    Category,
    ImportSource,
    Post,
    SourceFormat,
    Tag,
    Thread,
    ThreadStatus,
)

REQUIRED_FILES = ("Users.xml", "Posts.xml", "Tags.xml", "Votes.xml")
OPTIONAL_FILES = ("PostLinks.xml", "Comments.xml", "PostHistory.xml")
BATCH_SIZE = 500
# Bodies are sanitized in worker processes (bleach is most of the CPU time of an import)
# when a dump has at least this many posts; below it, starting the pool costs more.
POOL_MIN_POSTS = 1000
# Bulk updates (acceptances, thread counters) touch this many rows per statement.
UPDATE_BATCH = 1000
# forum.synchronize re-checks every thread of a small import, a fixed-size deterministic
# sample of a large one: the bulk updates above are the real work, the check is a guard.
SYNC_CHECK_ALL_UP_TO = 100
SYNC_SAMPLE = 100

# Lookups by external_ref say ``.exclude(external_ref="")``: the unique indexes on it are
# partial (``WHERE external_ref <> ''``) and PostgreSQL only proves an ``IN`` list of up to
# 100 values implies that; with the batch's 500 it would scan the whole table each time.

QUESTION, ANSWER = "1", "2"
VOTE_ACCEPT, VOTE_UP, VOTE_DOWN = "1", "2", "3"
LINK_DUPLICATE = "3"
LICENCE_URLS = {
    "CC BY-SA 2.5": "https://creativecommons.org/licenses/by-sa/2.5/",
    "CC BY-SA 3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
}


class DumpError(Exception):
    """The import cannot start or continue (missing/unsafe file, bad option)."""


@dataclass
class ImportReport:
    imported: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # "<kind>: <reason>" -> count
    notes: list[str] = field(default_factory=list)
    thread_ids: list[int] = field(default_factory=list)  # threads created by this run
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    # Threads whose search entry is stale: new ones, ones with new answers, and after an
    # interrupted import every thread of the site (the interrupted run never indexed).
    index_thread_ids: list[int] = field(default_factory=list)

    def skip(self, kind: str, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[f"{kind}: {reason}"] += n

    def lines(self) -> list[str]:
        kinds = sorted(set(self.imported) | set(self.existing))
        out = [
            f"{kind:<12} {self.imported[kind]:>8,} imported {self.existing[kind]:>8,} already there"
            for kind in kinds
        ]
        if self.skipped:
            out.append("skipped:")
            out.extend(f"  {reason}: {n:,}" for reason, n in sorted(self.skipped.items()))
        out.extend(self.notes)
        if self.timings:
            out.append(
                "time per phase: "
                + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items())
            )
        return out


ProgressFactory = Callable[[Iterable[Any], str, int | None], Iterable[Any]]


def _no_progress(rows: Iterable[Any], desc: str, total: int | None) -> Iterable[Any]:
    return rows


def _insert(model: type[models.Model], objs: list[Any], batch_size: int) -> None:
    """``bulk_create`` (pks set), or on PostgreSQL COPY, which is several times cheaper
    for the importing process: no SQL to compile, no literals to quote. The pks are taken
    from the table's sequence first, so they are set on ``objs`` as bulk_create does."""
    if connection.vendor != "postgresql" or not objs:
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        # The same values bulk_create would send: pre_save (auto_now…), then the
        # field's database preparation.
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _parse_tags(value: str) -> list[str]:
    # "<hops><ipa>" (older dumps) or "|hops|ipa|" (newer ones).
    value = value.strip()
    if value.startswith("|"):
        return [t for t in value.split("|") if t]
    return [t for t in value.replace("<", " ").replace(">", " ").split() if t]


def _phase(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add the method's running time to the report's time per phase."""

    def decorate(method: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(method)
        def timed(self: StackExchangeImporter, *args: Any, **kwargs: Any) -> None:
            with self._timed(name):
                method(self, *args, **kwargs)

        return timed

    return decorate


class StackExchangeImporter:
    def __init__(
        self,
        directory: Path,
        *,
        site: str | None = None,
        category_slug: str | None = None,
        tag_map_path: Path | None = None,
        progress: ProgressFactory = _no_progress,
        batch_size: int = BATCH_SIZE,
        max_row_bytes: int | None = None,
        max_attribute_chars: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.directory = Path(directory)
        # Sanitizing processes: None = one per CPU for big dumps, 0 = in this process.
        self.workers = workers
        self.site = (site or self.directory.name).strip().lower()
        self.progress = progress
        self.batch_size = batch_size
        self.report = ImportReport()
        self._row_limits: dict[str, int] = {}
        if max_row_bytes:
            self._row_limits["max_row_bytes"] = max_row_bytes
        if max_attribute_chars:
            self._row_limits["max_attribute_chars"] = max_attribute_chars
        self._check_files()
        self.default_category, self.tag_categories = self._resolve_categories(
            category_slug, tag_map_path
        )

    # --- setup ----------------------------------------------------------------------------

    def _check_files(self) -> None:
        if not self.directory.is_dir():
            raise DumpError(f"{self.directory} is not a directory")
        missing = [name for name in REQUIRED_FILES if not (self.directory / name).is_file()]
        if missing:
            raise DumpError(
                f"{self.directory} is not a Stack Exchange dump: missing {', '.join(missing)}"
            )

    def _resolve_categories(
        self, category_slug: str | None, tag_map_path: Path | None
    ) -> tuple[Category, dict[str, Category]]:
        tag_map: dict[str, str] = {}
        if tag_map_path is not None:
            try:
                tag_map = json.loads(Path(tag_map_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise DumpError(f"cannot read tag map {tag_map_path}: {exc}") from exc
            if not isinstance(tag_map, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in tag_map.items()
            ):
                raise DumpError('the tag map must be a JSON object {"se-tag": "category-slug"}')
        default_slug = category_slug or tag_map.pop("*", None)
        slugs = set(tag_map.values()) | ({default_slug} if default_slug else set())
        found = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
        unknown = sorted(slugs - set(found))
        if unknown:
            raise DumpError(f"unknown category slug(s): {', '.join(unknown)}")
        if default_slug:
            default = found[default_slug]
        else:
            label = self.site.split(".")[0]
            default, _ = Category.objects.get_or_create(
                slug=slugify(label)[:80] or "imported",
                defaults={"name": label.replace("-", " ").title()[:80]},
            )
        return default, {tag: found[slug] for tag, slug in tag_map.items()}

    def _rows(self, name: str) -> Iterator[dict[str, str] | MalformedRow]:
        path = self.directory / name
        try:
            yield from iter_rows(path, **self._row_limits)
        except XmlFileRefused as exc:
            raise DumpError(f"{name}: {exc}") from exc

    def _good_rows(self, name: str, kind: str) -> Iterator[dict[str, str]]:
        for row in self._rows(name):
            if isinstance(row, MalformedRow):
                self.report.skip(kind, row.reason)
            else:
                yield row

    def ref(self, se_id: int | str) -> str:
        return f"se:{self.site}:{se_id}"

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.report.timings[phase] = (
                self.report.timings.get(phase, 0.0) + time.monotonic() - started
            )

    # --- the run --------------------------------------------------------------------------

    def run(self) -> ImportReport:
        self.source = self._import_source()
        # After a completed import, acceptances and duplicate links are only applied to
        # threads new in this run: one unaccepted or unlinked here since then stays so.
        # After an interrupted one, every thread of the site still missing them gets them.
        self.resuming = self.source.imported_at is None
        self.new_posts: set[str] = set()
        self._scan_votes()
        self._scan_posts()
        self._import_tags()
        self._import_users()
        self._import_posts()
        self._import_acceptances()
        self._import_duplicates()
        import_history(self)  # PostHistory.xml -> revisions (forum/importers/se_history.py)
        import_comments(self)  # Comments.xml -> PostComment (forum/importers/se_comments.py)
        self._note_optional_files()
        self._synchronize()
        if self.report.imported or self.resuming:
            ImportSource.objects.filter(pk=self.source.pk).update(imported_at=timezone.now())
        return self.report

    def _import_source(self) -> ImportSource:
        source, _ = ImportSource.objects.get_or_create(
            key=f"se:{self.site}",
            defaults={
                "name": self.site,
                "base_url": f"https://{self.site}",
                "licence_url": LICENCE_URLS["CC BY-SA 4.0"],
            },
        )
        return source

    @_phase("scan votes")
    def _scan_votes(self) -> None:
        """Totals per post (voters are anonymous in dumps) and acceptance dates."""
        self.upvotes: Counter[int] = Counter()
        self.downvotes: Counter[int] = Counter()
        self.accept_dates: dict[int, datetime] = {}
        for row in self.progress(self._good_rows("Votes.xml", "votes"), "Votes.xml", None):
            post_id = parse_int(row.get("PostId"))
            kind = row.get("VoteTypeId")
            if post_id is None:
                self.report.skip("votes", "no PostId")
                continue
            if kind == VOTE_UP:
                self.upvotes[post_id] += 1
            elif kind == VOTE_DOWN:
                self.downvotes[post_id] += 1
            elif kind == VOTE_ACCEPT:
                when = parse_date(row.get("CreationDate"))
                if when:
                    self.accept_dates[post_id] = when

    @_phase("scan posts")
    def _scan_posts(self) -> None:
        """First pass: who wrote what (to import only authors) and which answer is accepted."""
        self.author_ids: set[int] = set()
        self.accepted: dict[int, int] = {}  # question id -> answer id
        self.question_count = self.answer_count = 0
        for row in self._rows("Posts.xml"):
            if isinstance(row, MalformedRow):
                continue  # reported, with its reason, when posts are imported
            kind = row.get("PostTypeId")
            if kind not in (QUESTION, ANSWER):
                continue
            owner = parse_int(row.get("OwnerUserId"))
            if owner is not None:
                self.author_ids.add(owner)
            if kind == QUESTION:
                self.question_count += 1
                accepted = parse_int(row.get("AcceptedAnswerId"))
                post_id = parse_int(row.get("Id"))
                if accepted and post_id:
                    self.accepted[post_id] = accepted
            else:
                self.answer_count += 1

    @_phase("tags")
    def _import_tags(self) -> None:
        names = []
        for row in self._good_rows("Tags.xml", "tags"):
            name = (row.get("TagName") or "").strip().lower()
            if not name or not slugify(name):
                self.report.skip("tags", "empty or unusable name")
                continue
            names.append(name)
        by_slug = {slugify(n)[:40]: n for n in names}
        existing = set(Tag.objects.filter(slug__in=by_slug).values_list("slug", flat=True))
        new = [Tag(name=n[:40], slug=s) for s, n in by_slug.items() if s not in existing]
        with transaction.atomic():
            Tag.objects.bulk_create(new, ignore_conflicts=True, batch_size=self.batch_size)
        self.report.imported["tags"] += len(new)
        self.report.existing["tags"] += len(existing)
        self.tag_ids = dict(Tag.objects.filter(slug__in=by_slug).values_list("slug", "id"))

    def _tag_id(self, name: str) -> int | None:
        slug = slugify(name)[:40]
        if slug not in self.tag_ids and slug:
            tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:40]})
            self.tag_ids[slug] = tag.pk
        return self.tag_ids.get(slug)

    # --- users ----------------------------------------------------------------------------

    @_phase("users")
    def _import_users(self) -> None:
        self.user_ids: dict[int, int] = {}  # SE user id -> our user id
        self.user_names: dict[int, str] = {}
        rows = self._good_rows("Users.xml", "users")
        not_authors = 0
        for batch in batched(self.progress(rows, "Users.xml", None), self.batch_size):
            wanted = []
            for row in batch:
                se_id = parse_int(row.get("Id"))
                if se_id is None:
                    self.report.skip("users", "missing or non-numeric Id")
                    continue
                if se_id not in self.author_ids:
                    not_authors += 1
                    continue
                self.user_names[se_id] = (row.get("DisplayName") or "").strip()[:80]
                wanted.append((se_id, row))
            self._create_users(wanted)
        if not_authors:
            self.report.notes.append(
                f"{not_authors:,} SE users wrote no question or answer and were not imported"
            )
        self.placeholder = self._placeholder_user()

    def _create_users(self, wanted: list[tuple[int, dict[str, str]]]) -> None:
        refs = {self.ref(se_id): se_id for se_id, _ in wanted}
        existing = dict(
            User.objects.exclude(external_ref="")
            .filter(external_ref__in=refs)
            .values_list("external_ref", "id")
        )
        for ref, pk in existing.items():
            self.user_ids[refs[ref]] = pk
        self.report.existing["users"] += len(existing)
        todo = [(se_id, row) for se_id, row in wanted if self.ref(se_id) not in existing]
        if not todo:
            return
        bases = {se_id: slugify(self.user_names[se_id])[:30] or "member" for se_id, _ in todo}
        candidates = set(bases.values()) | {f"{b}-{i}" for i, b in bases.items()}
        taken = set(User.objects.filter(username__in=candidates).values_list("username", flat=True))
        users = []
        for se_id, row in todo:
            username = bases[se_id]
            if username in taken:
                username = f"{bases[se_id]}-{se_id}"
            n = 2
            while username in taken:
                username = f"{bases[se_id]}-{se_id}-{n}"
                n += 1
            taken.add(username)
            joined = parse_date(row.get("CreationDate")) or timezone.now()
            user = User(
                username=username,
                display_name=self.user_names[se_id] or username,
                is_imported=True,
                external_ref=self.ref(se_id),
                date_joined=joined,
                password=make_password(None),  # unusable until the person claims it
            )
            users.append(user)
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=self.batch_size)
        created = dict(
            User.objects.exclude(external_ref="")
            .filter(external_ref__in=[u.external_ref for u in users])
            .values_list("external_ref", "id")
        )
        for ref, pk in created.items():
            self.user_ids[refs[ref]] = pk
        self.report.imported["users"] += len(users)

    def _placeholder_user(self) -> User:
        ref = self.ref("former-member")
        user = User.objects.filter(external_ref=ref).first()
        if user is None:
            base = f"{slugify(self.site.split('.')[0])[:20]}-former-member"
            username = base
            n = 2
            while User.objects.filter(username=username).exists():
                username = f"{base}-{n}"
                n += 1
            user = User(
                username=username,
                display_name="Former member",
                is_imported=True,
                external_ref=ref,
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
        return user

    def _author(self, row: dict[str, str]) -> tuple[int, str]:
        owner = parse_int(row.get("OwnerUserId"))
        if owner is not None and owner in self.user_ids:
            return self.user_ids[owner], self.user_names.get(owner) or f"user {owner}"
        name = (row.get("OwnerDisplayName") or "").strip()[:200] or "anonymous"
        return self.placeholder.pk, name

    # --- posts ----------------------------------------------------------------------------

    def _import_posts(self) -> None:
        self.thread_ids: dict[int, int] = dict(
            (int(ref.rsplit(":", 1)[1]), pk)
            for ref, pk in Thread.objects.filter(external_ref__startswith=self.ref("")).values_list(
                "external_ref", "id"
            )
        )
        rows = self._good_rows("Posts.xml", "posts")
        total = self.question_count + self.answer_count
        with self._timed("posts"), self._sanitizer(total) as sanitize:
            # Batches are read and checked here, their bodies sanitized by the pool, and
            # written in file order a few batches behind: reading, sanitizing and the
            # database overlap. Memory: at most ``depth`` batches of rows.
            depth = 2 * self._workers_started
            pending: deque[tuple[list, list, Callable[[], list[str]]]] = deque()
            writing = False
            try:
                for batch in batched(self.progress(rows, "Posts.xml", total), self.batch_size):
                    questions, answers = [], []
                    for row in batch:
                        kind = row.get("PostTypeId")
                        if kind == QUESTION:
                            questions.append(row)
                        elif kind == ANSWER:
                            answers.append(row)
                    new_questions = self._new_questions(questions)
                    new_answers = self._new_answers(answers)
                    bodies = [row.get("Body") or "" for _, row in new_questions]
                    bodies += [row.get("Body") or "" for _, row in new_answers]
                    pending.append((new_questions, new_answers, sanitize(bodies)))
                    while len(pending) > depth:
                        writing = True
                        self._write_posts(*pending.popleft())
                        writing = False
            except BaseException:
                # Interrupted while reading (Ctrl-C, a refused file): keep what was read
                # before, as the unpipelined import would have. Not after a failed write.
                if not writing:
                    with suppress(Exception):
                        while pending:
                            self._write_posts(*pending.popleft())
                raise
            while pending:
                self._write_posts(*pending.popleft())

    @contextmanager
    def _sanitizer(self, total: int) -> Iterator[Callable[[list[str]], Callable[[], list[str]]]]:
        """``sanitize(bodies)`` -> a callable returning their sanitized HTML, in order.

        core.markup.sanitize_html stays the one sanitizer: the workers run it. They are
        forked (instant, nothing re-imported, and unlike "spawn" they do not re-run the
        caller's ``__main__``); they only ever sanitize strings and leave with os._exit,
        so the database connection they inherit is never used or closed by them.
        """
        workers = self.workers
        if workers is None:
            workers = (os.cpu_count() or 1) if total >= POOL_MIN_POSTS else 0
        if "fork" not in multiprocessing.get_all_start_methods():
            workers = 0
        if workers <= 0:
            self._workers_started = 0

            def inline(bodies: list[str]) -> Callable[[], list[str]]:
                done = [sanitize_html(b) for b in bodies]
                return lambda: done

            yield inline
            return
        self._workers_started = workers
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))

        def pooled(bodies: list[str]) -> Callable[[], list[str]]:
            results = pool.map(sanitize_html, bodies, chunksize=max(1, len(bodies) // workers))
            return lambda: list(results)

        try:
            yield pooled
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)
        finally:
            self._workers_started = 0

    def _new_questions(self, rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
        candidates: list[tuple[int, dict[str, str]]] = []
        for row in rows:
            se_id = parse_int(row.get("Id"))
            if se_id is None:
                self.report.skip("questions", "missing or non-numeric Id")
                continue
            if se_id in self.thread_ids:
                self.report.existing["questions"] += 1
                continue
            candidates.append((se_id, row))
        return candidates

    def _new_answers(self, rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
        ids = {se_id: row for row in rows if (se_id := parse_int(row.get("Id"))) is not None}
        self.report.skip("answers", "missing or non-numeric Id", len(rows) - len(ids))
        if not ids:
            return []
        existing = set(
            Post.objects.exclude(external_ref="")
            .filter(external_ref__in=[self.ref(i) for i in ids])
            .values_list("external_ref", flat=True)
        )
        self.report.existing["answers"] += len(existing)
        return [(se_id, row) for se_id, row in ids.items() if self.ref(se_id) not in existing]

    def _write_posts(
        self,
        questions: list[tuple[int, dict[str, str]]],
        answers: list[tuple[int, dict[str, str]]],
        sanitized: Callable[[], list[str]],
    ) -> None:
        bodies = sanitized()
        # Answers always have larger ids than their question, so within one pass the
        # question's batch (this one or an earlier one) is written first.
        with transaction.atomic():
            self._create_threads(questions, bodies[: len(questions)])
        with transaction.atomic():
            self._create_answers(answers, bodies[len(questions) :])

    def _create_threads(
        self, candidates: list[tuple[int, dict[str, str]]], bodies: list[str]
    ) -> None:
        threads, tag_lists = [], []
        for (se_id, row), body_html in zip(candidates, bodies, strict=True):
            title = " ".join((row.get("Title") or "").split())
            created = parse_date(row.get("CreationDate"))
            if not title:
                self.report.skip("questions", "no title")
                continue
            if created is None:
                self.report.skip("questions", "missing or bad CreationDate")
                continue
            author_id, author_name = self._author(row)
            tags = _parse_tags(row.get("Tags") or "")
            category = next(
                (self.tag_categories[t] for t in tags if t in self.tag_categories),
                self.default_category,
            )
            last_activity = parse_date(row.get("LastActivityDate")) or created
            threads.append(
                Thread(
                    category=category,
                    author_id=author_id,
                    title=title[:200],
                    body_md=body_html,
                    body_html=body_html,
                    source_format=SourceFormat.HTML,
                    status=ThreadStatus.OPEN,
                    is_locked=bool(row.get("ClosedDate")),
                    created_at=created,
                    edited_at=parse_date(row.get("LastEditDate")),
                    last_activity_at=max(last_activity, created),
                    score=self.upvotes[se_id] - self.downvotes[se_id],
                    view_count=max(parse_int(row.get("ViewCount")) or 0, 0),
                    external_ref=self.ref(se_id),
                    import_source=self.source,
                    source_url=f"https://{self.site}/q/{se_id}",
                    source_author=author_name,
                    source_licence=(row.get("ContentLicense") or "CC BY-SA 3.0")[:40],
                )
            )
            tag_lists.append(tags)
        if not threads:
            return
        _insert(Thread, threads, self.batch_size)
        through = Thread.tags.through
        links = []
        for thread, tags in zip(threads, tag_lists, strict=True):
            se_id = int(thread.external_ref.rsplit(":", 1)[1])
            self.thread_ids[se_id] = thread.pk
            self.report.thread_ids.append(thread.pk)
            tag_ids = {tid for t in tags if (tid := self._tag_id(t)) is not None}
            links.extend(through(thread_id=thread.pk, tag_id=tid) for tid in tag_ids)
        # The threads are new, so their tag links cannot exist yet.
        _insert(through, links, self.batch_size)
        self.report.imported["questions"] += len(threads)

    def _create_answers(
        self, candidates: list[tuple[int, dict[str, str]]], bodies: list[str]
    ) -> None:
        posts = []
        for (se_id, row), body_html in zip(candidates, bodies, strict=True):
            parent = parse_int(row.get("ParentId"))
            thread_id = self.thread_ids.get(parent) if parent is not None else None
            created = parse_date(row.get("CreationDate"))
            if thread_id is None:
                self.report.skip("answers", "question missing or skipped")
                continue
            if created is None:
                self.report.skip("answers", "missing or bad CreationDate")
                continue
            author_id, author_name = self._author(row)
            up, down = self.upvotes[se_id], self.downvotes[se_id]
            posts.append(
                Post(
                    thread_id=thread_id,
                    author_id=author_id,
                    body_md=body_html,
                    body_html=body_html,
                    source_format=SourceFormat.HTML,
                    created_at=created,
                    edited_at=parse_date(row.get("LastEditDate")),
                    score=up - down,
                    upvotes=up,
                    downvotes=down,
                    external_ref=self.ref(se_id),
                    source_url=f"https://{self.site}/a/{se_id}",
                    source_author=author_name,
                    source_licence=(row.get("ContentLicense") or "CC BY-SA 3.0")[:40],
                )
            )
        _insert(Post, posts, self.batch_size)
        self.new_posts.update(p.external_ref for p in posts)
        self.report.imported["answers"] += len(posts)

    # --- after the rows -------------------------------------------------------------------

    def _import_acceptances(self) -> None:
        with self._timed("acceptances"):
            self._apply_acceptances()

    def _apply_acceptances(self) -> None:
        """Mark accepted answers on threads that have none yet (see ``resuming``), so a
        re-run changes nothing and an acceptance changed here since is left alone."""
        site_threads = Thread.objects.filter(external_ref__startswith=self.ref(""))
        self.report.existing["acceptances"] += site_threads.filter(
            accepted_answer__isnull=False
        ).count()
        threads = site_threads.filter(accepted_answer__isnull=True).values_list(
            "id", "external_ref", "author_id", "last_activity_at"
        )
        new_threads = set(self.report.thread_ids)
        posts_by_ref = {}
        wanted = {}
        for thread_id, ref, asker_id, last_activity in threads:
            se_id = int(ref.rsplit(":", 1)[1])
            answer = self.accepted.get(se_id)
            if answer is None:
                continue
            # New question or new accepted answer (a later dump), or finishing an
            # interrupted run; never re-accepting what was unaccepted here.
            if self.resuming or thread_id in new_threads or self.ref(answer) in self.new_posts:
                wanted[self.ref(answer)] = (thread_id, asker_id, last_activity, answer)
        for batch in batched(list(wanted), self.batch_size):
            posts_by_ref.update(
                Post.objects.exclude(external_ref="")
                .filter(external_ref__in=batch)
                .values_list("external_ref", "id")
            )
        missing = len(wanted) - len(posts_by_ref)
        if missing:
            self.report.skip("acceptances", "accepted answer not in dump or skipped", missing)
        items = [(ref, posts_by_ref[ref], *wanted[ref]) for ref in posts_by_ref]
        # Set-based: per batch, one UPDATE for the flags, one bulk_update for the dates
        # and askers, one UPDATE of the threads from their (now) accepted post.
        accepted = Post.objects.filter(thread_id=OuterRef("pk"), is_accepted=True)
        for batch in batched(items, UPDATE_BATCH):
            posts = [
                Post(
                    pk=post_id,
                    accepted_at=self.accept_dates.get(answer) or last_activity,
                    accepted_by_id=asker_id,
                )
                for _ref, post_id, _thread_id, asker_id, last_activity, answer in batch
            ]
            with transaction.atomic():
                # The unique "one accepted answer per thread" index is the backstop.
                Post.objects.filter(pk__in=[p.pk for p in posts]).update(is_accepted=True)
                Post.objects.bulk_update(posts, ["accepted_at", "accepted_by"])
                Thread.objects.filter(
                    pk__in=[item[2] for item in batch], accepted_answer__isnull=True
                ).update(
                    accepted_answer_id=Subquery(accepted.values("id")[:1]),
                    status=ThreadStatus.SOLVED,
                    solved_at=Subquery(accepted.values("accepted_at")[:1]),
                )
            self.report.imported["acceptances"] += len(batch)

    @_phase("duplicates")
    def _import_duplicates(self) -> None:
        path = self.directory / "PostLinks.xml"
        if not path.is_file():
            return
        pairs = []
        new_threads = set(self.report.thread_ids)
        for row in self._good_rows("PostLinks.xml", "post links"):
            if row.get("LinkTypeId") != LINK_DUPLICATE:
                continue
            dup, original = parse_int(row.get("PostId")), parse_int(row.get("RelatedPostId"))
            if dup in self.thread_ids and original in self.thread_ids and dup != original:
                if self.resuming or self.thread_ids[dup] in new_threads:
                    pairs.append((self.thread_ids[dup], self.thread_ids[original]))
            else:
                self.report.skip("duplicates", "question not imported")
        with transaction.atomic():
            for dup_id, original_id in pairs:
                changed = Thread.objects.filter(pk=dup_id, duplicate_of__isnull=True).update(
                    duplicate_of_id=original_id
                )
                self.report.imported["duplicates"] += changed
                self.report.existing["duplicates"] += 1 - changed

    def _note_optional_files(self) -> None:
        for name, why in (
            ("Comments.xml", "no comments were imported"),
            ("PostHistory.xml", "no edit history was imported"),
        ):
            if not (self.directory / name).is_file():
                self.report.notes.append(f"{name} not in the dump: {why}")
        self.report.notes.append(
            "votes: SE dumps do not name voters, so totals are stored on posts and threads "
            "and no Vote rows are created"
        )

    def _synchronize(self) -> None:
        with self._timed("synchronize"):
            self._synchronize_threads()

    def _synchronize_threads(self) -> None:
        """Set answer counts, first-answer times and status in bulk for this site's threads
        that need it (all of them after an interrupted run), then let forum.synchronize
        check those threads and the categories; it should find nothing left to change."""
        site_threads = Thread.objects.filter(external_ref__startswith=self.ref(""))
        current = {
            pk: (count, first, status)
            for pk, count, first, status in site_threads.values_list(
                "id", "answer_count", "first_answer_at", "status"
            )
        }
        stats = (
            Post.objects.filter(thread__in=site_threads, is_hidden=False, is_deleted=False)
            .values("thread_id")
            .annotate(n=Count("id"), first=Min("created_at"))
        )
        wanted = {pk: (0, None) for pk in current}
        wanted.update({row["thread_id"]: (row["n"], row["first"]) for row in stats})
        touched = set(self.report.thread_ids)
        changes = []
        for pk, (count, first) in wanted.items():
            old_count, old_first, status = current[pk]
            new_status = ThreadStatus.ANSWERED if status == ThreadStatus.OPEN and count else status
            if (count, first, new_status) != (old_count, old_first, status):
                changes.append((pk, count, first, new_status))
        # The values computed above, written by the database itself: one UPDATE per
        # batch with correlated subqueries (same definitions as forum.synchronize).
        visible = Post.objects.filter(thread_id=OuterRef("pk"), is_hidden=False, is_deleted=False)
        count = visible.order_by().values("thread_id").annotate(n=Count("id")).values("n")
        for batch in batched(changes, UPDATE_BATCH):
            ids = [pk for pk, *_ in batch]
            with transaction.atomic():
                Thread.objects.filter(pk__in=ids).update(
                    answer_count=Coalesce(Subquery(count[:1]), 0),
                    first_answer_at=Subquery(
                        visible.order_by("created_at").values("created_at")[:1]
                    ),
                    status=Case(
                        When(
                            Q(status=ThreadStatus.OPEN) & Exists(visible),
                            then=Value(ThreadStatus.ANSWERED),
                        ),
                        default=F("status"),
                    ),
                )
            touched.update(ids)
        self.report.index_thread_ids = sorted(
            set(self.thread_ids.values()) if self.resuming else touched
        )
        repaired = 0
        checked = sorted(touched)
        if len(checked) > SYNC_CHECK_ALL_UP_TO:
            checked = sorted(random.Random(0).sample(checked, SYNC_SAMPLE))  # noqa: S311
            self.report.notes.append(
                f"synchronize checked a sample of {len(checked):,} of {len(touched):,} threads"
            )
        ids = self.progress(checked, "synchronize", len(checked))
        for batch in batched(ids, self.batch_size):
            # One commit per batch, not per thread (each call is a savepoint inside).
            with transaction.atomic():
                repaired += sum(synchronize.thread_synchronize(pk) for pk in batch)
        if repaired:
            self.report.notes.append(f"synchronize repaired {repaired} thread(s)")
        # Post vote totals are deliberately not synchronized: there are no Vote rows.
        categories = {self.default_category.pk} | {c.pk for c in self.tag_categories.values()}
        for pk in sorted(categories):
            synchronize.category_synchronize(pk)


def stackexchange_import(
    *,
    directory: Path,
    site: str | None = None,
    category_slug: str | None = None,
    tag_map_path: Path | None = None,
    progress: ProgressFactory = _no_progress,
    batch_size: int = BATCH_SIZE,
    max_row_bytes: int | None = None,
    max_attribute_chars: int | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import (or resume importing) a Stack Exchange dump. Raises ``DumpError``."""
    importer = StackExchangeImporter(
        directory,
        site=site,
        category_slug=category_slug,
        tag_map_path=tag_map_path,
        progress=progress,
        batch_size=batch_size,
        max_row_bytes=max_row_bytes,
        max_attribute_chars=max_attribute_chars,
        workers=workers,
    )
    return importer.run()
