"""Bulk rows for the PostgreSQL-only tests: threads and SLA clocks written by one
INSERT ... SELECT over generate_series, so tens of thousands of rows take a moment."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from forum.models import Thread


def insert_threads(*, author_id: int, category_id: int, count: int, now: datetime) -> None:
    cols, exprs, params = [], [], []
    for field in Thread._meta.concrete_fields:
        if field.primary_key:
            continue
        cols.append(connection.ops.quote_name(field.column))
        if field.column == "author_id":
            exprs.append("%s")
            params.append(author_id)
        elif field.column == "category_id":
            exprs.append("%s")
            params.append(category_id)
        elif field.column == "title":
            exprs.append("'Bulk question number ' || g")
        elif field.column in {"created_at", "last_activity_at"}:
            exprs.append("%s")
            params.append(now)
        elif field.null:
            exprs.append("NULL")
        elif field.has_default():
            exprs.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            exprs.append("''")
    # Column names come from the model and are quoted; values are parameters.
    sql = (
        f"INSERT INTO forum_thread ({', '.join(cols)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM generate_series(1, %s) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count])


def insert_clocks(
    *, category_id: int, due: int, running: int, now: datetime, newest_first: bool = False
) -> None:
    """One clock per thread of the category: the first ``due`` are running and overdue,
    the next ``running`` are running and due tomorrow, all others stopped. "First" is by
    thread id, or by newest thread with ``newest_first`` (as in a long-lived forum)."""
    order = "DESC" if newest_first else "ASC"
    sql = f"""
        INSERT INTO escalations_slaclock (thread_id, policy_id, state, started_at,
            first_answer_due_at, first_answered_at, accepted_due_at, next_due_at, breached_at)
        SELECT id, NULL,
            CASE WHEN rn <= %(due)s + %(running)s THEN 'running' ELSE 'stopped' END,
            %(now)s - interval '2 hours', %(now)s - interval '1 hour', NULL,
            %(now)s + interval '3 days',
            CASE WHEN rn <= %(due)s THEN %(now)s - rn * interval '1 second'
                 WHEN rn <= %(due)s + %(running)s THEN %(now)s + interval '1 day'
                                                       + rn * interval '1 second'
                 ELSE NULL END,
            NULL
        FROM (SELECT id, row_number() OVER (ORDER BY id {order}) AS rn
              FROM forum_thread WHERE category_id = %(category)s) AS t
    """  # noqa: S608 - ``order`` is one of two literals
    with connection.cursor() as cursor:
        cursor.execute(sql, {"due": due, "running": running, "now": now, "category": category_id})
        cursor.execute("ANALYZE escalations_slaclock")
