"""SQLite FTS5 backend: ``forum_thread_fts`` (rowid = thread id), created in migration 0002.

bm25() weights mirror PostgreSQL's A/B/C: title 10, question 4, answers 1. bm25 is
"lower is better", so the solved boost multiplies it by 1.5 (a larger negative number).
The candidate threads (visibility and filters) come from the ORM as an ``IN (subquery)``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from forum.models import Thread, ThreadStatus
from forum.search.backends.base import (
    MARK_END,
    MARK_START,
    RankedPage,
    ThreadDocument,
    highlight_html,
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
                    f"WHERE {TABLE} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})",
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
        expr = " OR ".join(_quote(t) for t in terms)
        sql, params = self._ranked_sql(candidates)
        params[1] = expr
        with connection.cursor() as cursor:
            cursor.execute(sql + "ORDER BY rank, t.id DESC LIMIT %s", [*params, limit])
            return [row[0] for row in cursor.fetchall()]
