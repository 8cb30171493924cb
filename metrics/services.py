"""Writes of the metrics app: recomputing daily rollups, sending the monthly summary.

Every figure is counted by the database (GROUP BY day, category[, bucket]); Python only
files the grouped rows into rollup rows, so the cost grows with days x categories, not with
threads. Rows for a date range are replaced as a whole inside one transaction, so a reader
sees either the old or the new day, never half of it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from metrics.histogram import bucket_expression
from metrics.models import DailyRollup, ExpertDailyRollup, SummaryDelivery

logger = logging.getLogger(__name__)

COUNT_FIELDS = (
    "questions_asked",
    "questions_answered",
    "questions_solved",
    "solved_by_staff",
    "solved_by_community",
    "first_answer_count",
    "first_answer_seconds",
    "accepted_count",
    "accepted_seconds",
    "escalations_opened",
    "escalations_resolved",
    "escalations_resolved_by_staff",
    "sla_tracked",
    "sla_breached",
    "suggestions_opened",
    "deflections",
    "rewards_cash_minor",
    "paid_out_minor",
)
# Ledger causes that move reward cash into experts' wallets (and take it back).
REWARD_CASH_CAUSES = ("grant", "grant_cash", "grant_reversal")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def _seconds(value: Any) -> int:
    """A Sum over a DurationField: timedelta on PostgreSQL, microseconds on some backends."""
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) // 1_000_000


@dataclass
class _Row:
    values: dict[str, int]
    first_answer_histogram: dict[str, int]
    accepted_histogram: dict[str, int]


class _Collector:
    """Grouped query results filed by (date, category_id); category None = all."""

    def __init__(self) -> None:
        self.rows: dict[tuple[date, int | None], _Row] = {}

    def row(self, day: date, category_id: int | None) -> _Row:
        key = (day, category_id)
        if key not in self.rows:
            self.rows[key] = _Row(defaultdict(int), defaultdict(int), defaultdict(int))
        return self.rows[key]

    def add(self, day: date, category_id: int | None, field: str, amount: int) -> None:
        if not amount:
            return
        # Every figure goes to its category row and to the all-categories row.
        self.row(day, category_id).values[field] += amount
        if category_id is not None:
            self.row(day, None).values[field] += amount

    def add_bucket(
        self, day: date, category_id: int | None, field: str, bucket: int, n: int
    ) -> None:
        for cat in {category_id, None}:
            histogram = getattr(self.row(day, cat), field)
            histogram[str(bucket)] += n


def _in_range(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=local_zone())


def _rewards_tables_exist() -> bool:
    from django.db import connection

    from rewards.models import LedgerEntry

    # Read defensively: the rewards app may be installed but not migrated yet.
    return LedgerEntry._meta.db_table in connection.introspection.table_names()


def _collect(start: datetime, end: datetime) -> tuple[_Collector, bool]:
    from escalations.models import Case, Resolution, SlaClock
    from forum.models import Thread

    rows = _Collector()

    for r in (
        Thread.objects.filter(_in_range("created_at", start, end), is_deleted=False)
        .annotate(day=_day("created_at"))
        .values("day", "category_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows.add(r["day"], r["category_id"], "questions_asked", r["n"])

    first_wait = ExpressionWrapper(
        F("first_answer_at") - F("created_at"), output_field=DurationField()
    )
    for r in (
        Thread.objects.filter(
            _in_range("first_answer_at", start, end),
            is_deleted=False,
            first_answer_at__gte=F("created_at"),
        )
        .annotate(day=_day("first_answer_at"), wait=first_wait)
        .annotate(bucket=bucket_expression(F("wait")))
        .values("day", "category_id", "bucket")
        .annotate(n=Count("id"), total=Sum("wait"))
        .order_by()
    ):
        rows.add(r["day"], r["category_id"], "questions_answered", r["n"])
        rows.add(r["day"], r["category_id"], "first_answer_count", r["n"])
        rows.add(r["day"], r["category_id"], "first_answer_seconds", _seconds(r["total"]))
        rows.add_bucket(r["day"], r["category_id"], "first_answer_histogram", r["bucket"], r["n"])

    staff_case = Case.objects.filter(thread_id=OuterRef("pk"), resolution=Resolution.BY_STAFF)
    accept_wait = ExpressionWrapper(F("solved_at") - F("created_at"), output_field=DurationField())
    for r in (
        Thread.objects.filter(
            _in_range("solved_at", start, end),
            is_deleted=False,
            accepted_answer__isnull=False,
            solved_at__gte=F("created_at"),
        )
        .annotate(
            day=_day("solved_at"),
            wait=accept_wait,
            by_staff=Q(accepted_answer__is_official=True) | Exists(staff_case),
        )
        .annotate(bucket=bucket_expression(F("wait")))
        .values("day", "category_id", "bucket", "by_staff")
        .annotate(n=Count("id"), total=Sum("wait"))
        .order_by()
    ):
        day, cat, n = r["day"], r["category_id"], r["n"]
        rows.add(day, cat, "questions_solved", n)
        rows.add(day, cat, "solved_by_staff" if r["by_staff"] else "solved_by_community", n)
        rows.add(day, cat, "accepted_count", n)
        rows.add(day, cat, "accepted_seconds", _seconds(r["total"]))
        rows.add_bucket(day, cat, "accepted_histogram", r["bucket"], n)

    # Staff resolved a case without any accepted answer: solved, by staff, no answer time.
    for r in (
        Case.objects.filter(
            _in_range("resolved_at", start, end),
            resolution=Resolution.BY_STAFF,
            thread__accepted_answer__isnull=True,
        )
        .annotate(day=_day("resolved_at"))
        .values("day", "thread__category_id")
        .annotate(n=Count("thread_id", distinct=True))
        .order_by()
    ):
        rows.add(r["day"], r["thread__category_id"], "questions_solved", r["n"])
        rows.add(r["day"], r["thread__category_id"], "solved_by_staff", r["n"])

    for r in (
        Case.objects.filter(_in_range("opened_at", start, end))
        .annotate(day=_day("opened_at"))
        .values("day", "thread__category_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows.add(r["day"], r["thread__category_id"], "escalations_opened", r["n"])
    for r in (
        Case.objects.filter(_in_range("resolved_at", start, end))
        .annotate(day=_day("resolved_at"))
        .values("day", "thread__category_id")
        .annotate(n=Count("id"), staff=Count("id", filter=Q(resolution=Resolution.BY_STAFF)))
        .order_by()
    ):
        rows.add(r["day"], r["thread__category_id"], "escalations_resolved", r["n"])
        rows.add(r["day"], r["thread__category_id"], "escalations_resolved_by_staff", r["staff"])

    for field, target in (("started_at", "sla_tracked"), ("breached_at", "sla_breached")):
        for r in (
            SlaClock.objects.filter(_in_range(field, start, end))
            .annotate(day=_day(field))
            .values("day", "thread__category_id")
            .annotate(n=Count("thread_id"))
            .order_by()
        ):
            rows.add(r["day"], r["thread__category_id"], target, r["n"])

    deflection_model = _deflection_model()
    if deflection_model is not None:
        for r in (
            deflection_model.objects.filter(_in_range("created_at", start, end))
            .annotate(day=_day("created_at"))
            .values("day", "thread__category_id")
            .annotate(n=Count("id"), kept=Count("id", filter=Q(posted_after=False)))
            .order_by()
        ):
            rows.add(r["day"], r["thread__category_id"], "suggestions_opened", r["n"])
            rows.add(r["day"], r["thread__category_id"], "deflections", r["kept"])

    rewards_ok = _rewards_tables_exist()
    if rewards_ok:
        from rewards.models import AccountKind, LedgerEntry

        cash = settings.REWARDS_CASH_CURRENCY
        for r in (
            LedgerEntry.objects.filter(_in_range("created_at", start, end), currency=cash)
            .filter(
                Q(
                    account__kind=AccountKind.USER_CASH,
                    transaction__cause_type__in=REWARD_CASH_CAUSES,
                )
                | Q(account__kind=AccountKind.PAID_OUT)
            )
            .annotate(day=_day("created_at"))
            .values("day")
            .annotate(
                rewards=Sum("amount_minor", filter=Q(account__kind=AccountKind.USER_CASH)),
                paid=Sum("amount_minor", filter=Q(account__kind=AccountKind.PAID_OUT)),
            )
            .order_by()
        ):
            rows.add(r["day"], None, "rewards_cash_minor", r["rewards"] or 0)
            rows.add(r["day"], None, "paid_out_minor", r["paid"] or 0)

    return rows, rewards_ok


def _experts_insert(start: datetime, end: datetime) -> int:
    """Accepted community answers per day, category and author, written by the database
    itself (INSERT ... SELECT): on a large forum these are the most numerous rows, and
    building them as Python objects cost more than the queries."""
    from django.db import connection

    from forum.models import Post

    accepted = (
        Post.objects.filter(
            _in_range("accepted_at", start, end),
            is_accepted=True,
            is_official=False,
            thread__is_deleted=False,
        )
        .annotate(day=_day("accepted_at"))
        .order_by()
    )
    per_category = accepted.values("day", "thread__category_id", "author_id").annotate(
        n=Count("id")
    )
    all_categories = accepted.values("day", "author_id").annotate(n=Count("id"))
    table = connection.ops.quote_name(ExpertDailyRollup._meta.db_table)
    target = {
        "day": "date",
        "rollup_category": "category_id",
        "category_id": "category_id",
        "thread__category_id": "category_id",
        "rollup_user": "user_id",
        "author_id": "user_id",
        "n": "solutions",
    }
    written = 0
    with connection.cursor() as cursor:
        for queryset in (per_category, all_categories):
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            # Django decides the order of the selected columns (and may fold an F()
            # annotation into its plain column), so the INSERT's column list follows the
            # compiled SELECT instead of the other way round. The all-categories query
            # has no category column: it stays NULL. Only our own table and column names
            # are formatted into the SQL; every value travels as a parameter.
            names = [alias or expr.target.column for expr, _, alias in compiler.select]
            columns = ", ".join(connection.ops.quote_name(target[name]) for name in names)
            cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
            written += max(cursor.rowcount, 0)
    return written


def _deflection_model() -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model("forum", "DeflectionEvent")
    except LookupError:
        return None


def _solved_views_by_category() -> dict[int | None, int]:
    from forum.models import Thread, ThreadStatus

    snapshot: dict[int | None, int] = {None: 0}
    for r in (
        Thread.objects.filter(status=ThreadStatus.SOLVED, is_deleted=False)
        .values("category_id")
        .annotate(views=Sum("view_count"))
        .order_by()
    ):
        snapshot[r["category_id"]] = r["views"] or 0
        snapshot[None] += r["views"] or 0
    return snapshot


def _days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


@transaction.atomic
def rollups_compute(*, since: date, until: date) -> int:
    """Recompute the rollups of local days ``since``..``until`` (inclusive); returns rows.

    Rows are replaced whole. The solved-views snapshot cannot be recomputed for the past
    (views have no history), so existing snapshots are carried over and only today's row
    takes a fresh one.
    """
    from forum.models import Category

    start, end = day_start(since), day_start(until + timedelta(days=1))
    rows, rewards_ok = _collect(start, end)

    old_snapshots = {
        (day, cat): snapshot
        for day, cat, snapshot in DailyRollup.objects.filter(
            date__gte=since, date__lte=until, solved_views_snapshot__isnull=False
        ).values_list("date", "category_id", "solved_views_snapshot")
    }
    today = timezone.localdate()
    fresh = _solved_views_by_category() if since <= today <= until else {}

    category_ids = list(Category.objects.values_list("id", flat=True))
    objs: list[DailyRollup] = []
    for day in _days(since, until):
        # A row for every day (all categories) even when nothing happened, so charts have
        # their zeros; category rows only where something happened (or a snapshot exists).
        for cat in [None, *category_ids]:
            key = (day, cat)
            row = rows.rows.get(key)
            snapshot = (
                fresh.get(cat, 0 if cat is None else None)
                if day == today
                else old_snapshots.get(key)
            )
            if row is None and cat is not None and snapshot is None:
                continue
            obj = DailyRollup(
                date=day,
                category_id=cat,
                solved_views_snapshot=snapshot,
                rewards_available=rewards_ok,
            )
            if row is not None:
                for field, value in row.values.items():
                    setattr(obj, field, value)
                obj.first_answer_histogram = dict(row.first_answer_histogram)
                obj.accepted_histogram = dict(row.accepted_histogram)
            objs.append(obj)

    DailyRollup.objects.filter(date__gte=since, date__lte=until).delete()
    DailyRollup.objects.bulk_create(objs, batch_size=1000)

    ExpertDailyRollup.objects.filter(date__gte=since, date__lte=until).delete()
    _experts_insert(start, end)
    return len(objs)


def rollups_refresh_recent() -> int:
    """Beat entry: yesterday and today (a late event of yesterday lands before midnight+)."""
    today = timezone.localdate()
    return rollups_compute(since=today - timedelta(days=1), until=today)


def history_start() -> date | None:
    from forum.models import Thread

    first = Thread.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return timezone.localtime(first, local_zone()).date() if first else None


def rollups_rebuild(
    *,
    since: date | None = None,
    chunk_days: int = 366,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute every day from ``since`` (default: the first question) to today, one
    transaction per chunk so a long rebuild neither holds one huge transaction nor leaves
    a half-written day. Each chunk scans the forum tables once (the time columns other
    than ``created_at`` have no index), so chunks are long."""
    start = since or history_start()
    if start is None:
        return 0
    today = timezone.localdate()
    written = 0
    day = start
    while day <= today:
        last = min(day + timedelta(days=chunk_days - 1), today)
        written += rollups_compute(since=day, until=last)
        if progress is not None:
            progress((last - day).days + 1)
        day = last + timedelta(days=1)
    return written


# --- Monthly summary -------------------------------------------------------------------------


def summary_recipients() -> models.QuerySet:
    from accounts.models import User
    from accounts.roles import Role

    return (
        User.objects.filter(groups__name=Role.COMMUNITY_MANAGER, is_active=True)
        .exclude(email="")
        .distinct()
    )


def monthly_summaries_queue(*, month: date | None = None) -> int:
    """Create one delivery row per manager for ``month`` (default: last month) and queue
    each e-mail after commit. Safe to run twice: the unique (user, month) row means the
    second run finds nothing new to queue."""
    from core.tasks_queue import enqueue_on_commit

    if month is None:
        first_of_this = timezone.localdate().replace(day=1)
        month = (first_of_this - timedelta(days=1)).replace(day=1)
    month = month.replace(day=1)
    with transaction.atomic():
        existing = set(
            SummaryDelivery.objects.filter(month=month).values_list("user_id", flat=True)
        )
        new = [
            SummaryDelivery(user_id=user_id, month=month)
            for user_id in summary_recipients().values_list("id", flat=True)
            if user_id not in existing
        ]
        created = SummaryDelivery.objects.bulk_create(new, ignore_conflicts=True)
        for delivery in SummaryDelivery.objects.filter(month=month, sent_at__isnull=True):
            enqueue_on_commit("metrics.tasks.send_monthly_summary", delivery.pk)
    return len(created)


def monthly_summary_send(*, delivery_id: int) -> bool:
    """Send one summary e-mail. Claimed with a compare-and-set on ``sent_at`` so a
    redelivered task sends nothing; a failed send releases the claim for the next run."""
    from metrics.emails import summary_message

    now = timezone.now()
    claimed = SummaryDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(
        sent_at=now
    )
    if not claimed:
        return False
    delivery = SummaryDelivery.objects.select_related("user").get(pk=delivery_id)
    try:
        summary_message(user=delivery.user, month=delivery.month).send()
    except (OSError, DatabaseError):
        SummaryDelivery.objects.filter(pk=delivery_id, sent_at=now).update(sent_at=None)
        raise
    return True
