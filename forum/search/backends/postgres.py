"""PostgreSQL backend: ``Thread.search_vector`` (title A, question B, answers C) with a GIN
index, ``websearch_to_tsquery`` and ``ts_rank`` boosted for solved threads.

The vector is computed from plain text in Python (the question and answers are HTML) and
stored by ``index()``; it is only as fresh as the last reindex of that thread, which the
event handlers in forum.search.handlers queue after every write that changes text.

``similar()`` ("was this already asked?") is two-stage: ts_rank finds a bounded pool, then
the shared BM25F re-rank in ``base`` orders it from the stored vectors' per-weight term
counts, with document frequencies counted (small tables) or taken from ANALYZE (large).
"""

from __future__ import annotations

import html

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Case, F, FloatField, Func, QuerySet, Value, When

from forum.models import Thread, ThreadStatus
from forum.search.backends.base import (
    MARK_END,
    MARK_START,
    SIMILAR_POOL,
    CandidateHits,
    RankedPage,
    ThreadDocument,
    bm25_idf,
    bm25f_rank,
    highlight_html,
    retrieval_terms,
)
from forum.search.query import ParsedQuery

SOLVED_BOOST = 1.5
# A tsvector may hold at most 1 MB; answers beyond this many characters are not indexed.
MAX_ANSWERS_CHARS = 200_000
# "Similar questions": below this many rows, document frequencies are counted rather than
# taken from ANALYZE's statistics.
STATS_MIN_ROWS = 20_000
# Counting a lexeme ANALYZE did not list stops here: rarer than this, IDFs differ; above
# it (up to the least common listed lexeme) they hardly do, and the count would cost more.
DF_COUNT_CAP = 2_000
MAX_LEXEME_CHARS = 100


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
        if not documents:
            return
        # One UPDATE ... FROM (VALUES ...) for the whole batch (a bulk import indexes
        # hundreds of thousands of threads); the same vector SearchVector(Value(...),
        # weight=..., config=...) builds: setweight(to_tsvector(config, COALESCE(...))).
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(documents))
        vector = " || ".join(
            f"setweight(to_tsvector(%s::regconfig, COALESCE(v.{column}::text, '')), '{weight}')"
            for column, weight in (("title", "A"), ("body", "B"), ("answers", "C"))
        )
        params: list[object] = [self.language] * 3
        for doc in documents:
            params += [doc.thread_id, doc.title, doc.body, doc.answers[:MAX_ANSWERS_CHARS]]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Thread._meta.db_table} AS t SET search_vector = {vector} "  # noqa: S608 - constants and placeholders only
                f"FROM (VALUES {rows}) AS v(id, title, body, answers) WHERE t.id = v.id",
                params,
            )

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
        # Ranking reads every matching thread's vector: a broad query on a big forum
        # matches tens of thousands (4 s for 71k matches at 1M posts). So the newest
        # SEARCH_RANK_POOL matches are ranked (a backward walk of the primary key that stops
        # there), and their count stands in for the total. Narrow queries are unaffected.
        pool_size = settings.SEARCH_RANK_POOL
        pool = list(
            candidates.filter(search_vector=tsquery)
            .order_by("-id")
            .values_list("id", flat=True)[: pool_size + 1]
        )
        capped = len(pool) > pool_size
        pool = pool[:pool_size]
        total = len(pool)
        if not pool:
            return RankedPage([], 0, {}, {})
        ranked = self._ranked(Thread.objects.filter(pk__in=pool), tsquery)
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
        return RankedPage(ids, total, titles, snippets, capped=capped)

    def similar(self, terms: list[str], candidates: QuerySet[Thread], *, limit: int) -> list[int]:
        if not terms:
            return []
        with connection.cursor() as cursor:
            # The draft's words as the index stores them (stemmed, stop words gone).
            cursor.execute(
                "SELECT array(SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)))",
                [self.language, " ".join(terms)],
            )
            lexemes = [lx for lx in cursor.fetchone()[0] if len(lx) <= MAX_LEXEME_CHARS]
            if not lexemes:
                return []
            n, dfs = self._document_frequencies(cursor, lexemes)
            lexemes = [lx for lx in lexemes if dfs[lx]]  # words no thread has change nothing
            if not lexemes:
                return []
            idf = {lx: bm25_idf(dfs[lx], max(n, dfs[lx])) for lx in lexemes}
            pool = self._pool(cursor, candidates, retrieval_terms(lexemes, dfs, n=n), dfs)
            if not pool:
                return []
            hits = self._hits(cursor, lexemes, pool)
        return bm25f_rank([hits[pk] for pk in pool], idf, limit=limit)

    def _pool(
        self,
        cursor: CursorWrapper,
        candidates: QuerySet[Thread],
        lexemes: list[str],
        dfs: dict[str, int],
    ) -> list[int]:
        """Bounded candidates: the best ``SIMILAR_POOL`` by ts_rank for all the words, and
        the best for all but the commonest one.

        ts_rank knows nothing of how rare a word is: for "beer hair care product" on a beer
        forum, long threads that say "beer" and "product" a lot fill the first list and the
        one thread that mentions "hair" is missed. The second list, without "beer", finds
        it, and costs little since it matches fewer threads. (Ranking each word on its own
        weighted by its IDF did as well but cost one ts_rank per word per matching row.)
        """
        sub_sql, sub_params = candidates.values("id").query.sql_with_params()
        by_df = sorted(lexemes, key=lambda lx: dfs[lx])
        lists = [by_df, by_df[:-1]] if len(by_df) > 1 else [by_df]
        pool: list[int] = []
        for words in lists:
            tsquery = " | ".join(_tsquery_lexeme(lx) for lx in words)
            # ts_rank reads each match's vector; at most the newest SEARCH_RANK_POOL
            # matches are ranked, so a word common on a huge forum costs a bounded walk of
            # the primary key instead of thousands of vector reads (1 s at 1M posts).
            # MATERIALIZED: the pool is computed once whatever the planner believes (with
            # stale statistics it re-ran an inlined pool per row, for minutes).
            cursor.execute(
                "WITH pool AS MATERIALIZED ("  # noqa: S608 - subquery SQL from the ORM
                "SELECT m.id, m.search_vector, m.status FROM forum_thread m "
                f"WHERE m.search_vector @@ %s::tsquery AND m.id IN ({sub_sql}) "
                "ORDER BY m.id DESC LIMIT %s) "
                "SELECT id FROM pool ORDER BY ts_rank(search_vector, %s::tsquery) "
                f"* CASE WHEN status = %s THEN {SOLVED_BOOST} ELSE 1.0 END DESC, id DESC "
                "LIMIT %s",
                [
                    tsquery,
                    *sub_params,
                    settings.SEARCH_RANK_POOL,
                    tsquery,
                    ThreadStatus.SOLVED,
                    SIMILAR_POOL,
                ],
            )
            pool += [row[0] for row in cursor.fetchall()]
        return list(dict.fromkeys(pool))

    def _hits(
        self, cursor: CursorWrapper, lexemes: list[str], pool: list[int]
    ) -> dict[int, CandidateHits]:
        """Term frequencies per field straight from the stored vectors (A title, B question,
        C answers: each position carries its weight), so the re-rank sees exactly what was
        indexed. Field lengths are cheap proxies, as only their ratio to the pool's mean
        matters: characters of the title and of the question's HTML, and the distinct
        lexemes of the whole vector for the answers (which make up most of a long one).
        """
        cursor.execute(
            "SELECT id, status = %s, length(title), length(body_html), length(search_vector) "
            "FROM forum_thread WHERE id = ANY(%s)",
            [ThreadStatus.SOLVED, pool],
        )
        out = {}
        for pk, solved, title, body, answers in cursor.fetchall():
            out[pk] = CandidateHits(
                thread_id=pk,
                solved=solved,
                lengths={"title": title, "body": body, "answers": answers},
                tf={"title": {}, "body": {}, "answers": {}},
            )
        cursor.execute(
            "SELECT t.id, u.lexeme, u.weights FROM forum_thread t "
            "CROSS JOIN LATERAL unnest(t.search_vector) u "
            "WHERE t.id = ANY(%s) AND u.lexeme = ANY(%s)",
            [pool, lexemes],
        )
        for pk, lexeme, weights in cursor.fetchall():
            for weight in weights:
                name = _FIELD_OF_WEIGHT.get(weight)
                if name:
                    counts = out[pk].tf[name]
                    counts[lexeme] = counts.get(lexeme, 0) + 1
        return out

    def _document_frequencies(
        self, cursor: CursorWrapper, lexemes: list[str]
    ) -> tuple[int, dict[str, int]]:
        """Threads in the index and how many contain each lexeme.

        A small table is simply counted (GIN lookups). A large one uses what ANALYZE
        already collected: the frequencies of the most common lexemes of the column
        (``pg_stats.most_common_elems``); any other lexeme is rarer than the least common
        of those, so counting it stops there or at ``DF_COUNT_CAP`` (a bounded GIN lookup).
        """
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'forum_thread'::regclass"
        )
        n = cursor.fetchone()[0]
        common: dict[str, float] = {}
        cap = None
        if n >= STATS_MIN_ROWS:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'forum_thread' "
                "AND attname = 'search_vector'"
            )
            row = cursor.fetchone()
            if row and row[0]:
                elems, freqs = row
                common = dict(zip(elems, freqs, strict=False))
                # After the per-element frequencies come the minimum and maximum.
                least = freqs[len(elems)] if len(freqs) > len(elems) else 1.0
                cap = min(int(least * n) + 1, DF_COUNT_CAP)
        else:
            cursor.execute("SELECT count(*) FROM forum_thread")
            n = cursor.fetchone()[0]
        dfs = {lx: round(common[lx] * n) for lx in lexemes if lx in common}
        rest = [lx for lx in lexemes if lx not in dfs]
        if rest:
            limit = f" LIMIT {int(cap)}" if cap else ""
            selects = ", ".join(
                "(SELECT count(*) FROM (SELECT 1 FROM forum_thread "  # noqa: S608 - int only
                f"WHERE search_vector @@ %s::tsquery{limit}) s)"
                for _ in rest
            )
            cursor.execute(f"SELECT {selects}", [_tsquery_lexeme(lx) for lx in rest])
            dfs.update(zip(rest, cursor.fetchone(), strict=True))
        return max(n, 1), dfs


def _tsquery_lexeme(lexeme: str) -> str:
    """A lexeme as a tsquery operand: quoted, so it is a word and never an operator."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


_FIELD_OF_WEIGHT = {"A": "title", "B": "body", "C": "answers"}
