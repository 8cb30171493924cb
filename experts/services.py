"""Every write of the experts app.

Lock order (to stay deadlock-free when two events touch one user): the user's overall
ExpertiseScore row, then the category row, then tag rows by tag id, then the profile.
BaseRate and TermStat are plain F() counters and take no lock.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from experts import conf, scoring
from experts.models import (
    AcceptanceVerdict,
    AcceptReminder,
    Badge,
    BadgeAward,
    BadgeKind,
    BaseRate,
    CountedAnswer,
    DecayedStats,
    ExpertAcceptance,
    ExpertAvailability,
    ExpertiseScore,
    ExpertProfile,
    Rank,
    RoutingCalibration,
    RoutingNotification,
    SeenThread,
    TagExpertise,
    TermStat,
)
from experts.selectors import ROUTING_HALF_LIFE_CACHE_KEY, acceptance_verdict
from experts.text import question_terms
from forum.models import Post, Thread

logger = logging.getLogger(__name__)

TOTAL_TERM = ""


# --- Base rates and the background model --------------------------------------------------


def _base_rate_add(*, category_id: int, accepted: float, answers: float) -> None:
    for cat in (category_id, None):
        updated = BaseRate.objects.filter(category_id=cat).update(
            accepted=F("accepted") + accepted, answers=F("answers") + answers
        )
        if not updated:
            try:
                with transaction.atomic():
                    BaseRate.objects.create(category_id=cat, accepted=accepted, answers=answers)
            except IntegrityError:
                # Created by a concurrent event between our UPDATE and INSERT.
                BaseRate.objects.filter(category_id=cat).update(
                    accepted=F("accepted") + accepted, answers=F("answers") + answers
                )


def base_rates() -> dict[int | None, float]:
    default = float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
    return {
        cat: scoring.base_rate_of(accepted=a, answers=n, default=default)
        for cat, a, n in BaseRate.objects.values_list("category_id", "accepted", "answers")
    }


def _base_rate(category_id: int | None) -> float:
    row = BaseRate.objects.filter(category_id=category_id).values_list("accepted", "answers")
    acc, ans = row.first() or (0.0, 0.0)
    return scoring.base_rate_of(
        accepted=acc, answers=ans, default=float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
    )


def termstats_add(*, terms: Iterable[str], delta: float = 1.0) -> None:
    """Count a question's distinct terms into the background model (p(w) = count / total).

    Concurrent first sightings of one term may lose an increment (ignore_conflicts);
    the background model tolerates that and ``experts_rebuild`` recounts exactly.
    """
    terms = sorted(set(terms) - {TOTAL_TERM})
    # The "" row holds the total term mass, the denominator of p(w).
    TermStat.objects.filter(term=TOTAL_TERM).update(count=F("count") + delta * len(terms))
    existing = set(TermStat.objects.filter(term__in=terms).values_list("term", flat=True))
    TermStat.objects.filter(term__in=existing).update(count=F("count") + delta)
    missing = [TermStat(term=t, count=delta) for t in terms if t not in existing]
    if not TermStat.objects.filter(term=TOTAL_TERM).exists():
        missing.append(TermStat(term=TOTAL_TERM, count=delta * len(terms)))
    if missing:
        TermStat.objects.bulk_create(missing, ignore_conflicts=True)


# --- Decayed rows -----------------------------------------------------------------------


def _apply(row: DecayedStats, *, accepted: float, answers: float, when: datetime) -> None:
    old_at = row.decayed_at
    d = scoring.Decayed(
        accepted=row.decayed_accepted, answers=row.decayed_answers, at=row.decayed_at
    )
    d.add(accepted=accepted, answers=answers, when=when, half_life=conf.half_life_seconds())
    row.decayed_accepted, row.decayed_answers, row.decayed_at = d.accepted, d.answers, d.at
    if isinstance(row, ExpertiseScore) and row.category_id is None:
        row.activity = scoring.ladder_add(
            row.activity or {}, at=old_at, new_at=d.at, weight=answers, when=when
        )
    if answers > 0 or accepted > 0:
        row.last_activity_at = max(row.last_activity_at or when, when)


def _score(row: DecayedStats, *, base_rate: float) -> float:
    return scoring.expertise_score(
        accepted=row.decayed_accepted,
        answers=row.decayed_answers,
        base_rate=base_rate,
        strength=float(conf.get("EXPERTS_PRIOR_STRENGTH")),
    )


def _locked_score(*, user_id: int, category_id: int | None, when: datetime) -> ExpertiseScore:
    qs = ExpertiseScore.objects.select_for_update()
    row = qs.filter(user_id=user_id, category_id=category_id).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ExpertiseScore.objects.create(
                    user_id=user_id, category_id=category_id, decayed_at=when
                )
        except IntegrityError:
            row = qs.get(user_id=user_id, category_id=category_id)
    return row


def _locked_tag(*, user_id: int, tag_id: int, when: datetime) -> TagExpertise:
    qs = TagExpertise.objects.select_for_update()
    row = qs.filter(user_id=user_id, tag_id=tag_id).first()
    if row is None:
        try:
            with transaction.atomic():
                row = TagExpertise.objects.create(user_id=user_id, tag_id=tag_id, decayed_at=when)
        except IntegrityError:
            row = qs.get(user_id=user_id, tag_id=tag_id)
    return row


_FIELDS = [
    "accepted_count",
    "answer_count",
    "decayed_accepted",
    "decayed_answers",
    "decayed_at",
    "last_activity_at",
    "score",
]


def _stats_add(
    *,
    user_id: int,
    category_id: int,
    tag_ids: list[int],
    accepted: float,
    answers: float,
    accepted_count: int,
    answer_count: int,
    when: datetime,
) -> None:
    """Add one event's contribution to every row it touches (O(1 + tags))."""
    _base_rate_add(category_id=category_id, accepted=accepted, answers=answers)
    overall = _locked_score(user_id=user_id, category_id=None, when=when)
    in_category = _locked_score(user_id=user_id, category_id=category_id, when=when)
    p_all, p_cat = _base_rate(None), _base_rate(category_id)
    for row, p0 in ((overall, p_all), (in_category, p_cat)):
        _apply(row, accepted=accepted, answers=answers, when=when)
        row.accepted_count = max(row.accepted_count + accepted_count, 0)
        row.answer_count = max(row.answer_count + answer_count, 0)
        row.score = _score(row, base_rate=p0)
    overall.rank = rank_for_row(overall)
    overall.save(update_fields=[*_FIELDS, "rank", "activity"])
    in_category.save(update_fields=_FIELDS)
    for tag_id in sorted(set(tag_ids)):
        tag_row = _locked_tag(user_id=user_id, tag_id=tag_id, when=when)
        _apply(tag_row, accepted=accepted, answers=answers, when=when)
        tag_row.accepted_count = max(tag_row.accepted_count + accepted_count, 0)
        tag_row.answer_count = max(tag_row.answer_count + answer_count, 0)
        tag_row.score = _score(tag_row, base_rate=p_cat)
        tag_row.save(update_fields=_FIELDS)
    badges_award_milestones(user_id=user_id, row=overall, when=when)


def _profile_add(*, user_id: int, terms: Iterable[str], weight: float, when: datetime) -> None:
    profile = ExpertProfile.objects.select_for_update().filter(user_id=user_id).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = ExpertProfile.objects.create(user_id=user_id, decayed_at=when)
        except IntegrityError:
            profile = ExpertProfile.objects.select_for_update().get(user_id=user_id)
    half_life = conf.half_life_seconds()
    terms = list(terms)
    if when > profile.decayed_at:
        factor = scoring.decay_factor(
            elapsed_seconds=(when - profile.decayed_at).total_seconds(),
            half_life_seconds=half_life,
        )
        profile.terms = scoring.decay_terms(profile.terms, factor)
        profile.length *= factor
        profile.decayed_at = when
        w = weight
    else:
        w = weight * scoring.decay_factor(
            elapsed_seconds=(profile.decayed_at - when).total_seconds(),
            half_life_seconds=half_life,
        )
    scoring.add_terms(profile.terms, terms, w)
    if w < 0:
        profile.terms = {t: v for t, v in profile.terms.items() if v > 1e-4}
    profile.length = max(profile.length + w * len(terms), 0.0)
    profile.terms = scoring.prune_terms(profile.terms, keep=int(conf.get("EXPERTS_PROFILE_TERMS")))
    profile.save(update_fields=["terms", "length", "decayed_at"])


def _thread_facts(thread_id: int) -> tuple[Thread, list[int], set[str]] | None:
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is None:
        return None
    tags = list(thread.tags.values_list("pk", "name"))
    terms = question_terms(title=thread.title, body=thread.body_md, tags=[n for _, n in tags])
    return thread, [pk for pk, _ in tags], terms


# --- Answers ----------------------------------------------------------------------------


@transaction.atomic
def answer_record(*, post_id: int) -> bool:
    """Count an answer (PostCreated, or a post restored). Idempotent: False if known."""
    post = (
        Post.objects.filter(pk=post_id)
        .values("thread_id", "author_id", "created_at", "is_hidden", "is_deleted")
        .first()
    )
    if post is None or post["is_hidden"] or post["is_deleted"]:
        return False
    facts = _thread_facts(post["thread_id"])
    if facts is None:
        return False
    thread, tag_ids, terms = facts
    if thread.author_id == post["author_id"]:
        return False  # answering your own question is not expertise
    try:
        with transaction.atomic():
            CountedAnswer.objects.create(
                post_id=post_id,
                thread_id=thread.pk,
                user_id=post["author_id"],
                category_id=thread.category_id,
                tag_ids=tag_ids,
                created_at=post["created_at"],
            )
    except IntegrityError:
        return False
    _stats_add(
        user_id=post["author_id"],
        category_id=thread.category_id,
        tag_ids=tag_ids,
        accepted=0.0,
        answers=1.0,
        accepted_count=0,
        answer_count=1,
        when=post["created_at"],
    )
    _profile_add(user_id=post["author_id"], terms=terms, weight=1.0, when=post["created_at"])
    return True


@transaction.atomic
def answer_forget(*, post_id: int) -> bool:
    """Take a hidden answer (and its acceptance, if any) out of the statistics."""
    acceptance_forget(post_id=post_id)
    row = CountedAnswer.objects.select_for_update().filter(post_id=post_id).first()
    if row is None:
        return False
    row.delete()
    _stats_add(
        user_id=row.user_id,
        category_id=row.category_id,
        tag_ids=row.tag_ids,
        accepted=0.0,
        answers=-1.0,
        accepted_count=0,
        answer_count=-1,
        when=row.created_at,
    )
    facts = _thread_facts(row.thread_id)
    if facts is not None:
        _profile_add(user_id=row.user_id, terms=facts[2], weight=-1.0, when=row.created_at)
    return True


# --- Acceptances ------------------------------------------------------------------------


@transaction.atomic
def acceptance_record(
    *,
    post_id: int,
    accepted_by_id: int | None = None,
    accepted_at: datetime | None = None,
) -> ExpertAcceptance | None:
    """Judge and record an accepted answer; idempotent on ``post_id``.

    Reads the post's current state: an event for an answer that has since been
    unaccepted or hidden records nothing (the later event wins whatever the order).
    """
    post = (
        Post.objects.filter(pk=post_id)
        .values(
            "thread_id", "author_id", "is_accepted", "accepted_at", "accepted_by_id",
            "is_hidden", "is_deleted",
        )
        .first()
    )  # fmt: skip
    if post is None or not post["is_accepted"] or post["is_hidden"] or post["is_deleted"]:
        return None
    facts = _thread_facts(post["thread_id"])
    if facts is None:
        return None
    thread, tag_ids, terms = facts
    accepted_at = post["accepted_at"] or accepted_at or timezone.now()
    accepted_by_id = post["accepted_by_id"] or accepted_by_id or thread.author_id
    if ExpertAcceptance.objects.filter(post_id=post_id).exists():
        return None
    verdict = acceptance_verdict(
        answer_author_id=post["author_id"], asker_id=thread.author_id, accepted_by_id=accepted_by_id
    )
    weight = 1.0 if verdict == AcceptanceVerdict.COUNTED else 0.0
    if verdict == AcceptanceVerdict.RING:
        weight = float(conf.get("EXPERTS_GAMING")["ring_weight"])
    try:
        with transaction.atomic():
            row = ExpertAcceptance.objects.create(
                post_id=post_id,
                thread_id=thread.pk,
                user_id=post["author_id"],
                asker_id=thread.author_id,
                accepted_by_id=accepted_by_id,
                category_id=thread.category_id,
                tag_ids=tag_ids,
                accepted_at=accepted_at,
                verdict=verdict,
                weight=weight,
            )
    except IntegrityError:
        return None  # recorded concurrently
    if weight > 0:
        _stats_add(
            user_id=row.user_id,
            category_id=row.category_id,
            tag_ids=tag_ids,
            accepted=weight,
            answers=0.0,
            accepted_count=1,
            answer_count=0,
            when=accepted_at,
        )
        _profile_add(user_id=row.user_id, terms=terms, weight=weight, when=accepted_at)
    return row


@transaction.atomic
def acceptance_forget(*, post_id: int) -> bool:
    """Undo an acceptance (unaccepted, replaced or hidden): the exact decayed subtraction."""
    row = ExpertAcceptance.objects.select_for_update().filter(post_id=post_id).first()
    if row is None:
        return False
    row.delete()
    if row.weight > 0:
        _stats_add(
            user_id=row.user_id,
            category_id=row.category_id,
            tag_ids=row.tag_ids,
            accepted=-row.weight,
            answers=0.0,
            accepted_count=-1,
            answer_count=0,
            when=row.accepted_at,
        )
        facts = _thread_facts(row.thread_id)
        if facts is not None:
            _profile_add(
                user_id=row.user_id, terms=facts[2], weight=-row.weight, when=row.accepted_at
            )
    return True


@transaction.atomic
def thread_take_in(*, thread_id: int) -> bool:
    """A new question: count its terms into the background model once. True if new."""
    facts = _thread_facts(thread_id)
    if facts is None:
        return False
    try:
        with transaction.atomic():
            SeenThread.objects.create(thread_id=thread_id, seen_at=timezone.now())
    except IntegrityError:
        return False
    termstats_add(terms=facts[2])
    return True


# --- Ranks and badges -------------------------------------------------------------------


def _ranks() -> list[tuple[str, float, int]]:
    # Read per call: a handful of rows, and admin edits must apply at once everywhere.
    return list(
        Rank.objects.order_by("-min_score", "-min_accepted").values_list(
            "code", "min_score", "min_accepted"
        )
    )


def rank_for_row(row: ExpertiseScore, ranks: list[tuple[str, float, int]] | None = None) -> str:
    for code, min_score, min_accepted in ranks if ranks is not None else _ranks():
        if row.score >= min_score and row.accepted_count >= min_accepted:
            return code
    return ""


def ranks_recompute() -> int:
    """Re-apply the thresholds to every overall row (after an admin edit). Returns changes."""
    ranks = _ranks()
    changed = 0
    rows = ExpertiseScore.objects.filter(category__isnull=True).only(
        "pk", "score", "accepted_count", "rank"
    )
    batch = []
    for row in rows.iterator(chunk_size=2000):
        new = rank_for_row(row, ranks)
        if new != row.rank:
            row.rank = new
            batch.append(row)
    changed = len(batch)
    ExpertiseScore.objects.bulk_update(batch, ["rank"], batch_size=1000)
    return changed


def badges_award_milestones(*, user_id: int, row: ExpertiseScore, when: datetime) -> None:
    """Award count milestones the user has reached; awards are never revoked."""
    reached = [
        badge
        for badge in Badge.objects.filter(kind__in=[BadgeKind.ACCEPTED, BadgeKind.ANSWERS])
        if (row.accepted_count if badge.kind == BadgeKind.ACCEPTED else row.answer_count)
        >= badge.threshold
    ]
    if reached:
        BadgeAward.objects.bulk_create(
            [BadgeAward(user_id=user_id, badge=b, awarded_at=when) for b in reached],
            ignore_conflicts=True,
        )


def badges_award_category_tops(*, min_accepted: int = 5) -> int:
    """Give the top scorer of each category the "top expert" badge (once per category)."""
    from forum.models import Category

    badges = list(Badge.objects.filter(kind=BadgeKind.CATEGORY_TOP))
    if not badges:
        return 0
    awards = []
    for category_id in Category.objects.values_list("pk", flat=True):
        top = (
            ExpertiseScore.objects.filter(category_id=category_id, accepted_count__gte=min_accepted)
            .order_by("-score", "user_id")
            .values_list("user_id", flat=True)
            .first()
        )
        if top is not None:
            awards.extend(
                BadgeAward(user_id=top, badge=b, category_id=category_id, awarded_at=timezone.now())
                for b in badges
            )
    BadgeAward.objects.bulk_create(awards, ignore_conflicts=True)
    return len(awards)


def scores_refresh(*, now: datetime | None = None, batch_size: int = 2000) -> int:
    """Bring every row's decayed sums and score to ``now`` so stored scores compare fairly
    (each row is otherwise as of its own last event). Daily beat task; O(rows)."""
    now = now or timezone.now()
    rates = base_rates()
    default = float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
    ranks = _ranks()
    count = 0
    for model in (ExpertiseScore, TagExpertise):
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update().filter(pk__in=pks[start : start + batch_size])
                )
                for row in rows:
                    _apply(row, accepted=0.0, answers=0.0, when=now)
                    cat = getattr(row, "category_id", None)
                    if model is TagExpertise:
                        p0 = rates.get(None, default)
                    else:
                        p0 = rates.get(cat, default)
                    row.score = _score(row, base_rate=p0)
                    if model is ExpertiseScore and cat is None:
                        row.rank = rank_for_row(row, ranks)
                fields = ["decayed_accepted", "decayed_answers", "decayed_at", "score"]
                if model is ExpertiseScore:
                    fields += ["rank", "activity"]
                model.objects.bulk_update(rows, fields)
                count += len(rows)
    return count


# --- Routing timescale ----------------------------------------------------------------


def routing_calibrate(
    *, max_answers: int = scoring.CALIBRATION_ANSWERS
) -> RoutingCalibration | None:
    """Choose the routing half-life from the latest ``max_answers`` answers (daily beat
    task; see ``scoring.choose_half_life``). None, and nothing stored, while no answer
    has a predecessor to be predicted from."""
    rows = list(
        Post.objects.filter(is_hidden=False, is_deleted=False, author__isnull=False)
        .exclude(author_id=F("thread__author_id"))
        .order_by("-created_at", "-pk")
        .values_list("created_at", "author_id")[:max_answers]
    )
    rows.reverse()
    best, scores = scoring.choose_half_life((t.timestamp(), u) for t, u in rows)
    if best is None:
        return None
    calibration = RoutingCalibration.objects.create(
        half_life_days=best,
        scores={scoring.ladder_key(d): v for d, v in scores.items() if math.isfinite(v)},
        answers_used=len(rows),
    )
    cache.delete(ROUTING_HALF_LIFE_CACHE_KEY)
    return calibration


# --- Availability and routing -----------------------------------------------------------


@transaction.atomic
def availability_set(
    *,
    user_id: int,
    routing_opt_out: bool,
    category_ids: list[int] | None = None,
    max_per_day: int | None = None,
) -> ExpertAvailability:
    row, _ = ExpertAvailability.objects.get_or_create(user_id=user_id)
    row.routing_opt_out = routing_opt_out
    row.max_per_day = max_per_day
    row.save(update_fields=["routing_opt_out", "max_per_day"])
    if category_ids is not None:
        row.categories.set(category_ids)
    return row


def routing_notification_create(
    *, thread_id: int, expert_id: int, wave: int, now: datetime
) -> RoutingNotification | None:
    """Record that ``expert_id`` is asked about ``thread_id``; None if already asked."""
    try:
        with transaction.atomic():
            return RoutingNotification.objects.create(
                thread_id=thread_id, expert_id=expert_id, wave=wave, created_at=now
            )
    except IntegrityError:
        return None


def routing_notification_mark_emailed(*, notification_id: int) -> bool:
    """Compare-and-set: True for exactly one caller, so the e-mail goes out once."""
    return bool(
        RoutingNotification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    )


def accept_reminder_claim(*, thread_id: int) -> bool:
    try:
        with transaction.atomic():
            AcceptReminder.objects.create(thread_id=thread_id, sent_at=timezone.now())
    except IntegrityError:
        return False
    return True


# --- Rebuild ----------------------------------------------------------------------------


def _state_models() -> list[type]:
    return [
        ExpertiseScore, TagExpertise, ExpertProfile, TermStat, ExpertAcceptance,
        CountedAnswer, BaseRate, SeenThread,
    ]  # fmt: skip


def experts_rebuild(*, progress: object = None, now: datetime | None = None) -> dict[str, int]:
    """Recompute every statistic from forum history (imports included, which publish no
    events): wipe the derived tables, then replay questions, answers and acceptances in
    time order through the same services the event handlers use, and finally bring all
    scores to ``now``. Badges are milestones and stay.

    ``progress`` is an optional callable ``(iterable, total) -> iterable`` (tqdm).
    """
    now = now or timezone.now()
    with transaction.atomic():
        for model in _state_models():
            model.objects.all().delete()
    events: list[tuple[datetime, int, int]] = []
    visible = {"is_hidden": False, "is_deleted": False}
    events += [
        (t, 0, pk) for pk, t in Thread.objects.filter(**visible).values_list("pk", "created_at")
    ]
    posts = Post.objects.filter(**visible, thread__is_hidden=False, thread__is_deleted=False)
    events += [(t, 1, pk) for pk, t in posts.values_list("pk", "created_at")]
    events += [
        (t or c, 2, pk)
        for pk, t, c in posts.filter(is_accepted=True).values_list(
            "pk", "accepted_at", "created_at"
        )
    ]
    events.sort()
    iterable = progress(events, len(events)) if progress else events  # type: ignore[operator]
    counts = {"questions": 0, "answers": 0, "acceptances": 0}
    for _, kind, pk in iterable:
        if kind == 0:
            counts["questions"] += thread_take_in(thread_id=pk)
        elif kind == 1:
            counts["answers"] += answer_record(post_id=pk)
        else:
            counts["acceptances"] += acceptance_record(post_id=pk) is not None
    scores_refresh(now=now)
    ranks_recompute()
    routing_calibrate()
    return counts
