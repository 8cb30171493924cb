"""PostgreSQL backend: ``Thread.search_vector`` (title A, question B, answers C) with a GIN
index, ``websearch_to_tsquery`` and ``ts_rank`` boosted for solved threads.

The vector is computed from plain text in Python (the question and answers are HTML) and
stored by ``index()``; it is only as fresh as the last reindex of that thread, which the
event handlers in forum.search.handlers queue after every write that changes text.
"""

from __future__ import annotations

import html

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import transaction
from django.db.models import Case, F, FloatField, Func, QuerySet, Value, When

from forum.models import Thread, ThreadStatus
from forum.search.backends.base import (
    MARK_END,
    MARK_START,
    RankedPage,
    ThreadDocument,
    highlight_html,
)
from forum.search.query import ParsedQuery

SOLVED_BOOST = 1.5
# A tsvector may hold at most 1 MB; answers beyond this many characters are not indexed.
MAX_ANSWERS_CHARS = 200_000


def websearch_string(query: ParsedQuery) -> str:
    """Rebuild a websearch_to_tsquery string from parsed (word-only) parts."""
    parts = list(query.terms)
    parts += ['"' + " ".join(p) + '"' for p in query.phrases]
    parts += [" or ".join(group) for group in query.any_of]
    parts += ["-" + w for w in query.excluded]
    return " ".join(parts)


class _StripTags(Func):
    """The question's HTML as text, for ts_headline (tags would otherwise be words)."""

    function = "regexp_replace"
    template = "%(function)s(%(expressions)s, '<[^>]+>', ' ', 'g')"


class PostgresBackend:
    vendor = "postgresql"

    def __init__(self, language: str) -> None:
        self.language = language

    def index(self, documents: list[ThreadDocument], *, delete_ids: list[int]) -> None:
        config = self.language
        with transaction.atomic():
            for doc in documents:
                vector = (
                    SearchVector(Value(doc.title), weight="A", config=config)
                    + SearchVector(Value(doc.body), weight="B", config=config)
                    + SearchVector(
                        Value(doc.answers[:MAX_ANSWERS_CHARS]), weight="C", config=config
                    )
                )
                Thread.objects.filter(pk=doc.thread_id).update(search_vector=vector)

    def _query(self, text: str) -> SearchQuery:
        return SearchQuery(text, search_type="websearch", config=self.language)

    def _ranked(self, candidates: QuerySet[Thread], tsquery: SearchQuery) -> QuerySet[Thread]:
        boost = Case(
            When(status=ThreadStatus.SOLVED, then=Value(SOLVED_BOOST)),
            default=Value(1.0),
            output_field=FloatField(),
        )
        return (
            candidates.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery) * boost)
            .order_by("-rank", "-id")
        )

    def search(
        self, query: ParsedQuery, candidates: QuerySet[Thread], *, offset: int, limit: int
    ) -> RankedPage:
        text = websearch_string(query)
        if not text:
            return RankedPage([], 0, {}, {})
        tsquery = self._query(text)
        ranked = self._ranked(candidates, tsquery)
        total = ranked.count()
        ids = list(ranked.values_list("id", flat=True)[offset : offset + limit])
        titles, snippets = {}, {}
        if ids:
            options = {"start_sel": MARK_START, "stop_sel": MARK_END, "config": self.language}
            rows = (
                Thread.objects.filter(pk__in=ids)
                .annotate(
                    title_hl=SearchHeadline("title", tsquery, highlight_all=True, **options),
                    body_hl=SearchHeadline(
                        _StripTags("body_html"), tsquery, max_words=35, min_words=15, **options
                    ),
                )
                .values_list("id", "title_hl", "body_hl")
            )
            for pk, title, body in rows:
                titles[pk] = highlight_html(html.unescape(title))
                snippets[pk] = highlight_html(html.unescape(body))
        return RankedPage(ids, total, titles, snippets)

    def similar(self, terms: list[str], candidates: QuerySet[Thread], *, limit: int) -> list[int]:
        if not terms:
            return []
        tsquery = self._query(" or ".join(terms))
        return list(self._ranked(candidates, tsquery).values_list("id", flat=True)[:limit])
