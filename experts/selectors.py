"""Reads of the experts app. The first three functions are a contract other apps use
(rewards asks ``acceptance_is_countable`` so gamed accepts earn nothing; pages show
``ranks_for`` next to names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from experts import conf
from experts.models import (
    AcceptanceVerdict,
    BadgeAward,
    ExpertAcceptance,
    ExpertAvailability,
    ExpertiseScore,
    RoutingCalibration,
    RoutingNotification,
    TagExpertise,
)
from experts.scoring import ring_suspected, same_network
from forum.models import Category, Thread, ThreadStatus

# --- Contract ---------------------------------------------------------------------------


def acceptance_verdict(
    *, answer_author_id: int, asker_id: int, accepted_by_id: int
) -> AcceptanceVerdict:
    """Judge an acceptance by the anti-gaming rules of ``EXPERTS_GAMING``.

    Evaluated against the acceptances recorded so far, so an accept is judged by what
    was visible when it happened (a rebuild replays history in the same order).
    """
    if answer_author_id in (asker_id, accepted_by_id):
        return AcceptanceVerdict.SELF
    rules = conf.get("EXPERTS_GAMING")
    if rules["same_network"]:
        ips = dict(
            User.objects.filter(pk__in=[answer_author_id, asker_id]).values_list("pk", "signup_ip")
        )
        if same_network(
            ips.get(answer_author_id),
            ips.get(asker_id),
            v4_prefix=rules["ipv4_prefix"],
            v6_prefix=rules["ipv6_prefix"],
        ):
            return AcceptanceVerdict.NETWORK
    not_self = ~Q(verdict=AcceptanceVerdict.SELF)
    given = dict(
        ExpertAcceptance.objects.filter(not_self, asker_id=answer_author_id)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    if given.get(asker_id, 0) < rules["ring_min_reciprocal"]:
        return AcceptanceVerdict.COUNTED  # no reciprocity with this asker: no ring
    received = dict(
        ExpertAcceptance.objects.filter(not_self, user_id=answer_author_id)
        .values("asker_id")
        .annotate(n=Count("id"))
        .values_list("asker_id", "n")
    )
    if ring_suspected(
        asker_id=asker_id,
        accepts_received_by_asker={},
        accepts_given_by_answerer=given,
        accepts_received_by_answerer=received,
        min_reciprocal=rules["ring_min_reciprocal"],
        share=rules["ring_share"],
        min_accepts=rules["ring_min_accepts"],
    ):
        return AcceptanceVerdict.RING
    return AcceptanceVerdict.COUNTED


def acceptance_is_countable(
    *, answer_author_id: int, asker_id: int, accepted_by_id: int, thread_id: int | None = None
) -> bool:
    """False for self-accepts and acceptances the anti-gaming rules reject.

    With ``thread_id``, an acceptance experts already recorded for that thread's answer by
    this author answers from the record, so rewards and experts always agree.
    """
    if thread_id is not None:
        verdict = (
            ExpertAcceptance.objects.filter(thread_id=thread_id, user_id=answer_author_id)
            .order_by("-accepted_at")
            .values_list("verdict", flat=True)
            .first()
        )
        if verdict is not None:
            return verdict == AcceptanceVerdict.COUNTED
    return (
        acceptance_verdict(
            answer_author_id=answer_author_id, asker_id=asker_id, accepted_by_id=accepted_by_id
        )
        == AcceptanceVerdict.COUNTED
    )


def user_rank(*, user_id: int) -> str:
    """ "" for none, else "helper", "expert" or "champion"."""
    return (
        ExpertiseScore.objects.filter(user_id=user_id, category__isnull=True)
        .values_list("rank", flat=True)
        .first()
        or ""
    )


def ranks_for(*, user_ids: list[int]) -> dict[int, str]:
    """Rank code per user in one query; users without a rank map to ""."""
    ranks = dict.fromkeys(user_ids, "")
    if user_ids:
        ranks.update(
            ExpertiseScore.objects.filter(user_id__in=user_ids, category__isnull=True)
            .exclude(rank="")
            .values_list("user_id", "rank")
        )
    return ranks


# --- Leaderboards and profiles -----------------------------------------------------------


class Period:
    WEEK = "week"
    MONTH = "month"
    ALL = "all"
    CHOICES = (WEEK, MONTH, ALL)
    DAYS = {WEEK: 7, MONTH: 30}


@dataclass(frozen=True)
class LeaderboardRow:
    position: int
    user: User
    score: float
    accepted: int
    rank: str


def _staff_ids_q() -> Q:
    from accounts.roles import STAFF_ROLES

    return Q(is_superuser=True) | Q(is_staff=True) | Q(groups__name__in=list(STAFF_ROLES))


def leaderboard(
    *,
    category: Category | None,
    period: str = Period.ALL,
    exclude_staff: bool = False,
    limit: int = 50,
) -> list[LeaderboardRow]:
    """Top experts. ``all``: by score (decayed expected accepted answers); week/month: by
    counted accepted answers in the window. Two queries: the ranking and the users."""
    if period in Period.DAYS:
        since = timezone.now() - timedelta(days=Period.DAYS[period])
        qs = ExpertAcceptance.objects.filter(
            verdict=AcceptanceVerdict.COUNTED, accepted_at__gte=since
        )
        if category is not None:
            qs = qs.filter(category_id=category.pk)
        if exclude_staff:
            qs = qs.exclude(user__in=User.objects.filter(_staff_ids_q()))
        rows = list(
            qs.values("user_id")
            .annotate(n=Count("id"))
            .order_by("-n", "user_id")
            .values_list("user_id", "n")[:limit]
        )
        ranked = [(uid, float(n), int(n)) for uid, n in rows]
    else:
        qs = ExpertiseScore.objects.filter(score__gt=0)
        qs = qs.filter(category=category) if category else qs.filter(category__isnull=True)
        if exclude_staff:
            qs = qs.exclude(user__in=User.objects.filter(_staff_ids_q()))
        ranked = [
            (uid, score, acc)
            for uid, score, acc in qs.order_by("-score", "user_id").values_list(
                "user_id", "score", "accepted_count"
            )[:limit]
        ]
    ids = [uid for uid, _, _ in ranked]
    users = User.objects.in_bulk(ids)
    ranks = dict(
        ExpertiseScore.objects.filter(user_id__in=ids, category__isnull=True).values_list(
            "user_id", "rank"
        )
    )
    return [
        LeaderboardRow(
            position=i + 1, user=users[uid], score=score, accepted=acc, rank=ranks.get(uid, "")
        )
        for i, (uid, score, acc) in enumerate(ranked)
        if uid in users
    ]


def standings_for(*, user: User) -> QuerySet[ExpertiseScore]:
    return (
        ExpertiseScore.objects.filter(user=user)
        .select_related("category")
        .order_by(F("category_id").asc(nulls_first=True), "-score")
    )


def recent_accepted_answers(*, user: User, limit: int = 10) -> list[dict]:
    """The user's latest counted accepted answers with their thread titles (two queries)."""
    rows = list(
        ExpertAcceptance.objects.filter(user=user, verdict=AcceptanceVerdict.COUNTED)
        .order_by("-accepted_at")
        .values("post_id", "thread_id", "accepted_at", "category_id")[:limit]
    )
    threads = Thread.objects.filter(
        pk__in=[r["thread_id"] for r in rows], is_hidden=False, is_deleted=False
    ).in_bulk()
    out = []
    for row in rows:
        thread = threads.get(row["thread_id"])
        if thread is not None:
            out.append({**row, "thread": thread})
    return out


def badges_of(*, user: User) -> QuerySet[BadgeAward]:
    return BadgeAward.objects.filter(user=user).select_related("badge", "category")


def user_total_score(*, user_id: int) -> ExpertiseScore | None:
    return ExpertiseScore.objects.filter(user_id=user_id, category__isnull=True).first()


def questions_for(*, user: User, limit: int = 30) -> list[Thread]:
    """Open questions for an expert: those routed to them first, then open questions in
    the categories and tags where they have standing (respecting declared categories)."""
    open_states = [ThreadStatus.OPEN, ThreadStatus.ANSWERED]
    base = Thread.objects.filter(
        status__in=open_states, is_hidden=False, is_deleted=False, merged_into__isnull=True
    ).exclude(author=user)
    routed_ids = list(
        RoutingNotification.objects.filter(expert=user)
        .order_by("-created_at")
        .values_list("thread_id", flat=True)[:limit]
    )
    category_ids = list(
        ExpertiseScore.objects.filter(user=user, category__isnull=False, score__gt=0)
        .order_by("-score")
        .values_list("category_id", flat=True)[:10]
    )
    availability = ExpertAvailability.objects.filter(user=user).first()
    if availability is not None:
        declared = list(availability.categories.values_list("pk", flat=True))
        if declared:
            category_ids = list(dict.fromkeys(declared + category_ids))
    tag_ids = list(
        TagExpertise.objects.filter(user=user, score__gt=0)
        .order_by("-score")
        .values_list("tag_id", flat=True)[:20]
    )
    match = Q(pk__in=routed_ids) | Q(category_id__in=category_ids) | Q(tags__in=tag_ids)
    threads = list(
        base.filter(match)
        .distinct()
        .select_related("category", "author")
        .order_by("-created_at")[: limit * 2]
    )
    routed = set(routed_ids)
    threads.sort(key=lambda t: (t.pk not in routed, -t.created_at.timestamp()))
    return threads[:limit]


def notifications_today(*, expert_id: int, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return RoutingNotification.objects.filter(
        expert_id=expert_id, created_at__gte=now - timedelta(days=1)
    ).count()


def category_score_total(*, category_id: int | None) -> float:
    qs = ExpertiseScore.objects.all()
    qs = qs.filter(category_id=category_id) if category_id else qs.filter(category__isnull=True)
    return float(qs.aggregate(s=Sum("score"))["s"] or 0.0)


ROUTING_HALF_LIFE_CACHE_KEY = "experts:routing_half_life"


def routing_half_life_days() -> float:
    """The routing timescale: the latest RoutingCalibration's choice, else the reputation
    half-life (EXPERTS_HALF_LIFE_DAYS), so an uncalibrated site ranks as before. Cached
    for ten minutes (one row read)."""
    days = cache.get(ROUTING_HALF_LIFE_CACHE_KEY)
    if days is None:
        latest = RoutingCalibration.objects.values_list("half_life_days", flat=True).first()
        days = float(latest) if latest is not None else float(conf.get("EXPERTS_HALF_LIFE_DAYS"))
        cache.set(ROUTING_HALF_LIFE_CACHE_KEY, days, 600)
    return float(days)
