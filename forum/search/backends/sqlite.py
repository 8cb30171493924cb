"""SQLite FTS5 backend: ``forum_thread_fts`` (rowid = thread id), created in migration 0002.

bm25() weights mirror PostgreSQL's A/B/C: title 10, question 4, answers 1. bm25 is
"lower is better", so the solved boost multiplies it by 1.5 (a larger negative number).
The candidate threads (visibility and filters) come from the ORM as an ``IN (subquery)``.

``similar()`` ("was this already asked?") is two-stage: bm25() finds a bounded pool (best
over all columns plus best by title), then the shared BM25F re-rank in ``base`` orders it
from per-column term counts that FTS5's own highlight() reports.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

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

TABLE = "forum_thread_fts"
WEIGHTS = "10.0, 4.0, 1.0"
SOLVED_BOOST = 1.5


def _quote(word: str) -> str:
    # An FTS5 string: the word itself, never an operator. Words are \w only, but double
    # any quote anyway so this stays safe if the tokenizer rules ever change.
    return '"' + word.replace('"', '""') + '"'


def match_expression(query: ParsedQuery) -> str:
    parts = [_quote(t) for t in query.terms]
    parts += [_quote(" ".join(p)) for p in query.phrases]
    parts += ["(" + " OR ".join(_quote(w) for w in group) + ")" for group in query.any_of]
    expr = " AND ".join(parts)
    for word in query.excluded:
        expr += f" NOT {_quote(word)}"
    return expr


class SqliteBackend:
    vendor = "sqlite"

    def index(self, documents: list[ThreadDocument], *, delete_ids: list[int]) -> None:
        ids = [d.thread_id for d in documents] + list(delete_ids)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608 - placeholders only
                    chunk,
                )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body, answers) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [(d.thread_id, d.title, d.body, d.answers) for d in documents],
            )

    def _ranked_sql(self, candidates: QuerySet[Thread]) -> tuple[str, list]:
        sub_sql, sub_params = candidates.values("id").query.sql_with_params()
        sql = (
            f"SELECT t.id, bm25({TABLE}, {WEIGHTS}) * "  # noqa: S608 - constants only
            f"CASE WHEN t.status = %s THEN {SOLVED_BOOST} ELSE 1.0 END AS rank "
            f"FROM {TABLE} JOIN forum_thread t ON t.id = {TABLE}.rowid "
            f"WHERE {TABLE} MATCH %s AND t.id IN ({sub_sql}) "
        )
        return sql, [ThreadStatus.SOLVED, None, *sub_params]

    def search(
        self, query: ParsedQuery, candidates: QuerySet[Thread], *, offset: int, limit: int
    ) -> RankedPage:
        expr = match_expression(query)
        if not expr:
            return RankedPage([], 0, {}, {})
        sql, params = self._ranked_sql(candidates)
        params[1] = expr
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql})", params)  # noqa: S608
            total = cursor.fetchone()[0]
            cursor.execute(
                sql + "ORDER BY rank, t.id DESC LIMIT %s OFFSET %s", [*params, limit, offset]
            )
            ids = [row[0] for row in cursor.fetchall()]
            titles, snippets = {}, {}
            if ids:
                marks = f"'{MARK_START}', '{MARK_END}'"
                # Snippets from the question, else from the answers (the title is shown
                # anyway); a column without a match gives its beginning.
                cursor.execute(
                    f"SELECT rowid, highlight({TABLE}, 0, {marks}), "  # noqa: S608
                    f"snippet({TABLE}, 1, {marks}, '…', 24), "
                    f"snippet({TABLE}, 2, {marks}, '…', 24) FROM {TABLE} "
                    # "+rowid": a plain rowid IN (...) makes FTS5 re-run the MATCH once per id.
                    f"WHERE {TABLE} MATCH %s AND +rowid IN ({', '.join(['%s'] * len(ids))})",
                    [expr, *ids],
                )
                for rowid, title, body, answers in cursor.fetchall():
                    titles[rowid] = highlight_html(title)
                    use_answers = MARK_START not in body and MARK_START in answers
                    snippets[rowid] = highlight_html(answers if use_answers else body)
        return RankedPage(ids, total, titles, snippets)

    def similar(self, terms: list[str], candidates: QuerySet[Thread], *, limit: int) -> list[int]:
        if not terms:
            return []
        with connection.cursor() as cursor:
            n, dfs = self._document_frequencies(cursor, terms)
            terms = [t for t in terms if dfs[t]]  # words no thread has change nothing
            if not terms:
                return []
            pool = self._pool(cursor, candidates, retrieval_terms(terms, dfs, n=n))
            if not pool:
                return []
            hits = self._hits(cursor, terms, pool)
        idf = {t: bm25_idf(dfs[t], max(n, dfs[t])) for t in terms}
        return bm25f_rank([hits[pk] for pk in pool if pk in hits], idf, limit=limit)

    def _pool(
        self, cursor: CursorWrapper, candidates: QuerySet[Thread], terms: list[str]
    ) -> list[int]:
        """Bounded candidates: the index's best matches over all columns, and over titles
        only (bm25() normalises by the length of the whole row, so a thread with long
        answers can rank low overall even when its title matches)."""
        expr = " OR ".join(_quote(t) for t in terms)
        sql, params = self._ranked_sql(candidates)
        pool: list[int] = []
        for weights, match in ((WEIGHTS, expr), ("1.0, 0.0, 0.0", "{title} : (" + expr + ")")):
            params[1] = match
            cursor.execute(
                sql.replace(f"bm25({TABLE}, {WEIGHTS})", f"bm25({TABLE}, {weights})")
                + "ORDER BY rank, t.id DESC LIMIT %s",
                [*params, SIMILAR_POOL],
            )
            pool += [row[0] for row in cursor.fetchall()]
        return list(dict.fromkeys(pool))

    def _hits(
        self, cursor: CursorWrapper, terms: list[str], pool: list[int]
    ) -> dict[int, CandidateHits]:
        """Per candidate and column: occurrences of each term, and length in tokens.

        FTS5 marks the tokens it matched (with its own stemmer, so "glasses" matches
        "glass"); each marked token is credited to the term it shares the longest prefix
        with, which is the term it was stemmed to in all but contrived cases.
        """
        expr = " OR ".join(_quote(t) for t in terms)
        marks = f"'{MARK_START}', '{MARK_END}'"
        cursor.execute(
            f"SELECT {TABLE}.rowid, t.status = %s, highlight({TABLE}, 0, {marks}), "  # noqa: S608
            f"highlight({TABLE}, 1, {marks}), highlight({TABLE}, 2, {marks}) "
            f"FROM {TABLE} JOIN forum_thread t ON t.id = {TABLE}.rowid "
            # "+rowid": a filter on the matches, not a constraint handed to FTS5, which
            # would evaluate the whole MATCH once per id (10x slower here).
            f"WHERE {TABLE} MATCH %s AND +{TABLE}.rowid IN ({', '.join(['%s'] * len(pool))})",
            [ThreadStatus.SOLVED, expr, *pool],
        )
        out = {}
        term_of: dict[str, str] = {}
        for rowid, solved, *columns in cursor.fetchall():
            hits = CandidateHits(thread_id=rowid, solved=bool(solved))
            for name, text in zip(("title", "body", "answers"), columns, strict=True):
                # Whitespace-separated words: close enough to FTS5's tokens for a length
                # that is only compared with the pool's mean, and much cheaper.
                hits.lengths[name] = len(text.split())
                counts: dict[str, int] = {}
                for span in _MARKED.findall(text):
                    for token in _TOKEN.findall(span.lower()):
                        term = term_of.get(token)
                        if term is None:
                            term = term_of[token] = max(
                                terms, key=lambda t, token=token: _common_prefix(t, token)
                            )
                        counts[term] = counts.get(term, 0) + 1
                hits.tf[name] = counts
            out[rowid] = hits
        return out

    def _document_frequencies(
        self, cursor: CursorWrapper, terms: list[str]
    ) -> tuple[int, dict[str, int]]:
        """Threads, and threads containing each word (FTS5 stems it as it indexed it)."""
        selects = ", ".join(
            [f"(SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH %s)"] * len(terms)  # noqa: S608
        )
        cursor.execute(
            f"SELECT (SELECT count(*) FROM forum_thread), {selects}",  # noqa: S608
            [_quote(t) for t in terms],
        )
        n, *dfs = cursor.fetchone()
        return max(n, 1), dict(zip(terms, dfs, strict=True))


_TOKEN = re.compile(r"\w+")
_MARKED = re.compile(f"{MARK_START}([^{MARK_END}]*){MARK_END}")


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
