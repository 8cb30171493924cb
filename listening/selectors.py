"""Reads for the listening inbox, its API and the value dashboard."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from forum.models import Thread, ThreadStatus
from forum.search import similar_threads
from listening.models import ActionKind, Item, ItemState, ListeningAction, Source, Urgency

MATCH_QUERY_CHARS = 300


def inbox_items(*, state: str | None = ItemState.OPEN) -> QuerySet[Item]:
    """Items in ``state`` (all when None): most urgent first, then newest."""
    urgency_rank = Case(
        When(urgency=Urgency.HIGH, then=Value(0)),
        When(urgency=Urgency.NORMAL, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    qs = Item.objects.select_related("source", "category")
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(urgency_rank=urgency_rank).order_by("urgency_rank", "-received_at", "-id")


def item_get(*, item_id: int) -> Item | None:
    return Item.objects.select_related("source", "category").filter(pk=item_id).first()


def item_actions(*, item: Item) -> list[ListeningAction]:
    return list(item.actions.select_related("actor", "thread").order_by("created_at", "id"))


def item_matches(*, item: Item, viewer: User, limit: int = 5) -> list[Thread]:
    """Threads that may already answer the item, solved ones first (forum search)."""
    query = f"{item.title} {item.text[:MATCH_QUERY_CHARS]}".strip()
    if not query:
        return []
    threads = similar_threads(title=query, viewer=viewer, limit=limit * 2, solved_first=True)
    solved = [t for t in threads if t.status == ThreadStatus.SOLVED]
    others = [t for t in threads if t.status != ThreadStatus.SOLVED]
    return (solved + others)[:limit]


def sources_with_health() -> QuerySet[Source]:
    return Source.objects.select_related("default_category").annotate(
        open_items=Count("items", filter=Q(items__state=ItemState.OPEN))
    )


def inbox_counts() -> dict[str, int]:
    rows = Item.objects.values("state").annotate(n=Count("id")).order_by()
    counts = {state: 0 for state in ItemState.values}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def action_counts(*, since: datetime, until: datetime) -> dict[str, int]:
    """Staff actions in [since, until): one count per action kind, plus the two numbers
    the value dashboard shows:

    * ``brought_in``: conversations brought into the community (a thread created on the
      author's behalf, or the author invited to ask);
    * ``solved_by_link``: answered with a link to an existing solved thread.
    """
    rows = (
        ListeningAction.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {kind: 0 for kind in ActionKind.values}
    counts.update({row["action"]: row["n"] for row in rows})
    counts["brought_in"] = counts[ActionKind.CREATE_THREAD] + counts[ActionKind.INVITE]
    counts["solved_by_link"] = counts[ActionKind.REPLY_LINK]
    counts["total"] = sum(counts[kind] for kind in ActionKind.values)
    return counts
