"""Full-text search over threads, behind one interface for PostgreSQL and SQLite.

* ``search_threads`` — the search page and ``/api/v1/search/``: filters, visibility,
  pagination, highlighted titles and snippets.
* ``similar_threads`` — "was this already asked?" suggestions for a draft title.
* ``search_reindex_threads`` / ``search_reindex_all`` — keep the index in step.

The backend is chosen by the database vendor (``forum.search.backends``). What is indexed
per thread: its title, the question's text and the text of its visible answers. Whether
a thread is hidden, deleted, solved, its category, tags and dates are *not* indexed: they
are filtered and ranked from the thread row at query time, so accepting an answer or
hiding a thread takes effect in search at once, without a reindex.

Freshness: forum events that change indexed text (ThreadCreated, PostCreated, PostEdited,
PostHidden) queue ``forum.search.reindex_thread`` after commit (see ``handlers``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from core.markup import html_to_text
from forum.models import Category, Post, Tag, Thread, ThreadStatus
from forum.search.backends.base import SearchBackend, ThreadDocument, clean_text
from forum.search.query import ParsedQuery, parse_query, similarity_terms
from forum.selectors import visible_threads

__all__ = [
    "SearchFilters",
    "SearchResults",
    "search_backend",
    "search_reindex_all",
    "search_reindex_threads",
    "search_threads",
    "similar_threads",
]

REINDEX_BATCH = 200


def search_language() -> str:
    """PostgreSQL text search configuration (``settings.SEARCH_LANGUAGE``)."""
    return getattr(settings, "SEARCH_LANGUAGE", "english")


@cache
def _backend_for(vendor: str, language: str) -> SearchBackend:
    if vendor == "postgresql":
        from forum.search.backends.postgres import PostgresBackend

        return PostgresBackend(language)
    if vendor == "sqlite":
        from forum.search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {vendor}")


def search_backend() -> SearchBackend:
    return _backend_for(connection.vendor, search_language())


# --- indexing -------------------------------------------------------------------------------


def _documents(thread_ids: list[int]) -> tuple[list[ThreadDocument], list[int]]:
    threads = list(Thread.objects.filter(pk__in=thread_ids).values_list("id", "title", "body_html"))
    answers: dict[int, list[str]] = defaultdict(list)
    for thread_id, body in (
        Post.objects.filter(thread_id__in=thread_ids, is_hidden=False, is_deleted=False)
        .order_by("thread_id", "created_at", "id")
        .values_list("thread_id", "body_html")
    ):
        answers[thread_id].append(html_to_text(body))
    docs = [
        ThreadDocument(
            thread_id=pk,
            title=clean_text(title),
            body=clean_text(html_to_text(body)),
            answers=clean_text("\n".join(answers[pk])),
        )
        for pk, title, body in threads
    ]
    found = {d.thread_id for d in docs}
    return docs, [pk for pk in thread_ids if pk not in found]


def search_reindex_threads(*, thread_ids: Iterable[int]) -> int:
    """Rebuild the index entries of these threads (gone threads are dropped). Idempotent."""
    ids = sorted(set(thread_ids))
    backend = search_backend()
    for start in range(0, len(ids), REINDEX_BATCH):
        docs, gone = _documents(ids[start : start + REINDEX_BATCH])
        backend.index(docs, delete_ids=gone)
    return len(ids)


def search_reindex_all(
    *, progress: Callable[[Iterable[int], int], Iterable[int]] | None = None
) -> int:
    ids = list(Thread.objects.order_by("id").values_list("id", flat=True))
    batches = range(0, len(ids), REINDEX_BATCH)
    iterator: Iterable[int] = progress(batches, len(batches)) if progress else batches
    backend = search_backend()
    for start in iterator:
        docs, gone = _documents(ids[start : start + REINDEX_BATCH])
        backend.index(docs, delete_ids=gone)
    if connection.vendor == "sqlite":
        # Threads deleted while the index was not listening.
        from forum.search.backends.sqlite import TABLE

        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE rowid NOT IN (SELECT id FROM forum_thread)"  # noqa: S608
            )
    return len(ids)


# --- searching ------------------------------------------------------------------------------


class StatusFilter:
    SOLVED = "solved"
    UNSOLVED = "unsolved"
    CHOICES = (SOLVED, UNSOLVED)


@dataclass(frozen=True)
class SearchFilters:
    category: Category | None = None
    tag: Tag | None = None
    status: str | None = None  # StatusFilter
    date_from: date | None = None
    date_to: date | None = None  # inclusive


@dataclass(frozen=True)
class SearchHit:
    thread: Thread
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResults:
    query: ParsedQuery
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    # More matched than were ranked (PostgreSQL ranks the newest SEARCH_RANK_POOL).
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _candidates(viewer: object, filters: SearchFilters) -> QuerySet[Thread]:
    qs = visible_threads(viewer)  # hidden/deleted only for moderators
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.tag is not None:
        qs = qs.filter(tags=filters.tag)
    if filters.status == StatusFilter.SOLVED:
        qs = qs.filter(status=ThreadStatus.SOLVED)
    elif filters.status == StatusFilter.UNSOLVED:
        qs = qs.exclude(status__in=[ThreadStatus.SOLVED, ThreadStatus.CLOSED])
    if filters.date_from is not None:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs


def _threads_in_order(ids: list[int]) -> list[Thread]:
    rows = (
        Thread.objects.filter(pk__in=ids)
        .select_related("category", "author")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name", "slug")))
        .defer("body_md", "search_vector")
    )
    by_id = {t.pk: t for t in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def search_threads(
    *,
    query: str,
    viewer: object,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Threads matching ``query`` that ``viewer`` may see, best first.

    A query with no usable words gives an empty result (never an error).
    """
    parsed = parse_query(query)
    page = max(1, page)
    results = SearchResults(query=parsed, page=page, per_page=per_page)
    if parsed.is_empty:
        return results
    ranked = search_backend().search(
        parsed,
        _candidates(viewer, filters or SearchFilters()),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    results.total = ranked.total
    results.capped = ranked.capped
    for thread in _threads_in_order(ranked.ids):
        results.hits.append(
            SearchHit(
                thread=thread,
                title_html=ranked.titles.get(thread.pk) or SafeString(""),
                snippet_html=ranked.snippets.get(thread.pk) or SafeString(""),
            )
        )
    return results


def similar_threads(
    *,
    title: str,
    viewer: object,
    limit: int = 5,
    exclude_ids: Iterable[int] = (),
    created_before: datetime | None = None,
    solved_first: bool = True,
) -> list[Thread]:
    """Threads that may already answer a question with this draft ``title``.

    The best ``limit`` matches by relevance: any of the title's words (stop words
    dropped), ranked by BM25F over title, question and answers with the words' IDF, solved
    first between equals (see ``backends.base``). With ``solved_first`` those are then
    shown solved ones first, keeping relevance order within each group. A title with no
    usable word gives no suggestions, never an error.
    """
    terms = similarity_terms(title, language=search_language())
    if not terms:
        return []
    candidates = visible_threads(viewer).filter(merged_into__isnull=True)
    excluded = list(exclude_ids)
    if excluded:
        candidates = candidates.exclude(pk__in=excluded)
    if created_before is not None:
        candidates = candidates.filter(created_at__lt=created_before)
    ids = search_backend().similar(terms, candidates, limit=limit)
    threads = _threads_in_order(ids)
    if solved_first:
        threads.sort(key=lambda t: t.status != ThreadStatus.SOLVED)
    return threads
