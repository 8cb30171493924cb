"""Reads of moderation: the queue, the audit log, a person's sanctions."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from forum.models import Flag, FlagState, ModerationAction, Post, Thread


@dataclass
class QueueItem:
    """One flagged or held question/answer with all its open flags."""

    thread: Thread
    post: Post | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def target(self) -> Thread | Post:
        return self.post or self.thread

    @property
    def key(self) -> str:
        return f"p{self.post.pk}" if self.post else f"t{self.thread.pk}"


def moderation_queue(*, limit: int = 50) -> list[QueueItem]:
    """Open flags grouped by what they flag, oldest first. Three queries: flags with
    their flagger, thread (+category, author) and post (+author)."""
    flags = (
        Flag.objects.filter(state=FlagState.OPEN)
        .select_related(
            "flagger", "thread", "thread__category", "thread__author", "post", "post__author"
        )
        .order_by("created_at", "id")[: limit * 5]
    )
    items: dict[tuple[int, int | None], QueueItem] = {}
    for flag in flags:
        key = (flag.thread_id, flag.post_id)
        if key not in items:
            if len(items) >= limit:
                continue
            items[key] = QueueItem(thread=flag.thread, post=flag.post)
        items[key].flags.append(flag)
    return list(items.values())


def audit_log(
    *, action: str = "", target_type: str = "", actor_id: int | None = None
) -> QuerySet[ModerationAction]:
    qs = ModerationAction.objects.select_related("actor").order_by("-created_at", "-id")
    if action:
        qs = qs.filter(action=action)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs
