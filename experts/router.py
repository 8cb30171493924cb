"""Ranking experts for a question.

Two models, chosen by ``EXPERTS_ROUTER_MODEL``:

* ``"candidate"`` (default): ``P(u | c) * P(q | u)`` of ``experts.scoring``, a generative
  model with no fitted weights: the user's share of the category's expected accepted
  answers times the language-model evidence of the question's words and tags.
* ``"learned"``: the conditional logit of ``experts.learn`` over recent activity (overall
  and in the category), accepts, idleness and text, with ``EXPERTS_ROUTER_WEIGHTS``
  (default ``learn.DEFAULT_WEIGHTS``).

Why the candidate model is the default (figures in bench/README.md, "Expert routing"):
weights fitted on one stretch of a community's history did not carry to the next (on the
beer dump's rolling-origin evaluation the learned model trailed the decayed-accepts
baseline), while the candidate model has no fitted weights at all.

Its one timescale is the community's own: the prior counts each user's answers at the
half-life that best predicted who answered next in the site's history (chosen daily by
``services.routing_calibrate`` from a ladder of stored sums, ``scoring.choose_half_life``;
the reputation half-life until the first calibration). A four-year-old site gets 30-45
days, a site in its first weeks 2 days; with one fixed 180-day half-life the router fell
to the level of the baselines on such a young site (MRR 0.13 against 0.27).

Both share the candidate pre-filter and the loads below.

Cost per question, independent of the number of users:
1. candidates: top-N of the category (index ``expertise_cat_score_idx``), top-N overall and
   top-N per tag (``tag_expertise_score_idx``) — three indexed range scans;
2. their category/overall rows and profiles — two ``user_id IN (...)`` queries (the
   learned model loads profiles only for its EXPERTS_ROUTING_TEXT_CANDIDATES shortlist
   and reads tag rows only when ``log_tag_answers`` has a weight);
3. the query terms' background counts — one ``term IN (...)`` query on a unique index,
   and the candidates' profiles (capped at EXPERTS_PROFILE_TERMS terms);
4. (candidate model only) two totals for the backoff and the routing half-life, cached
   for ten minutes; on a routing timescale shorter than the reputation half-life, one more
   indexed scan for the most recently active answerers (``expertise_overall_recent_idx``);
then O(candidates x query terms) arithmetic in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from experts import conf, learn, scoring
from experts.models import ExpertiseScore, ExpertProfile, TagExpertise, TermStat
from experts.selectors import category_score_total, routing_half_life_days
from experts.services import TOTAL_TERM, base_rates
from experts.text import query_terms


@dataclass(frozen=True)
class Question:
    category_id: int
    tag_ids: tuple[int, ...]
    title: str
    body: str
    tag_names: tuple[str, ...] = ()
    author_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    log_score: float
    prior: float
    text: float


def question_from_thread(thread_id: int) -> Question | None:
    from forum.models import Thread

    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is None:
        return None
    tags = list(thread.tags.values_list("pk", "name"))
    return Question(
        category_id=thread.category_id,
        tag_ids=tuple(pk for pk, _ in tags),
        title=thread.title,
        body=thread.body_md,
        tag_names=tuple(n for _, n in tags),
        author_id=thread.author_id,
    )


def _cached_total(category_id: int | None) -> float:
    key = f"experts:score_total:{category_id or 'all'}"
    total = cache.get(key)
    if total is None:
        total = category_score_total(category_id=category_id)
        cache.set(key, total, 600)
    return float(total)


def candidate_ids(*, question: Question, limit: int, recent: bool = False) -> list[int]:
    """Users with standing in the question's category, its tags, or overall; with
    ``recent``, also the most recently active answerers."""
    ids: dict[int, None] = {}
    ids.update(
        dict.fromkeys(
            ExpertiseScore.objects.filter(category_id=question.category_id, score__gt=0)
            .order_by("-score")
            .values_list("user_id", flat=True)[:limit]
        )
    )
    if question.tag_ids:
        per_tag = max(limit // (2 * len(question.tag_ids)), 20)
        for tag_id in question.tag_ids[:5]:
            ids.update(
                dict.fromkeys(
                    TagExpertise.objects.filter(tag_id=tag_id, score__gt=0)
                    .order_by("-score")
                    .values_list("user_id", flat=True)[:per_tag]
                )
            )
    ids.update(
        dict.fromkeys(
            ExpertiseScore.objects.filter(category__isnull=True, score__gt=0)
            .order_by("-score")
            .values_list("user_id", flat=True)[: limit // 2]
        )
    )
    if recent:
        # On a short routing timescale the people answering this week may not be among
        # the best by long-term standing yet.
        ids.update(
            dict.fromkeys(
                ExpertiseScore.objects.filter(category__isnull=True, last_activity_at__isnull=False)
                .order_by("-last_activity_at")
                .values_list("user_id", flat=True)[: limit // 2]
            )
        )
    ids.pop(question.author_id, None)  # type: ignore[arg-type]
    return list(ids)


def _score_rows(*, question: Question, ids: list[int], extra: object) -> Iterable[tuple]:
    """The candidates' category and overall rows (one indexed ``IN`` query): user, category,
    decayed accepted and answers, their instant, and one ``extra`` column."""
    return ExpertiseScore.objects.filter(
        Q(category_id=question.category_id) | Q(category__isnull=True), user_id__in=ids
    ).values_list("user_id", "category_id", "decayed_accepted", "decayed_answers", "decayed_at",
                  extra)  # fmt: skip


def rank(
    *,
    question: Question,
    now: datetime | None = None,
    limit: int | None = None,
    exclude: Iterable[int] = (),
) -> list[Suggestion]:
    now = now or timezone.now()
    limit = limit or int(conf.get("EXPERTS_ROUTING_CANDIDATES"))
    half_life = conf.half_life_seconds()
    strength = float(conf.get("EXPERTS_PRIOR_STRENGTH"))
    default_rate = float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
    excluded = set(exclude)
    routing_days = routing_half_life_days()
    recent = routing_days < float(conf.get("EXPERTS_HALF_LIFE_DAYS"))
    ids = [
        u for u in candidate_ids(question=question, limit=limit, recent=recent) if u not in excluded
    ]
    if not ids:
        return []
    if conf.get("EXPERTS_ROUTER_MODEL") != "candidate":
        return rank_learned(question=question, ids=ids, now=now)
    rates = base_rates()
    key = scoring.ladder_key(routing_days)
    # Only the routing half-life's sum is read (a key lookup in the database), rather than
    # every candidate's whole ladder.
    rows = _score_rows(question=question, ids=ids, extra=KT(f"activity__{key}"))
    cat_score: dict[int, float] = {}
    all_score: dict[int, float] = {}
    recency: dict[int, float] = {}
    for user_id, category_id, acc, ans, at, routing_activity in rows:
        acc_now, ans_now = scoring.Decayed(accepted=acc, answers=ans, at=at).at_time(
            now, half_life=half_life
        )
        p0 = rates.get(category_id, default_rate)
        value = scoring.expertise_score(
            accepted=acc_now, answers=ans_now, base_rate=p0, strength=strength
        )
        (cat_score if category_id else all_score)[user_id] = value
        if category_id is None:
            ratio = scoring.recency_ratio(
                activity=None if routing_activity is None else float(routing_activity),
                at=at,
                now=now,
                days=routing_days,
                answers_now=ans_now,
            )
            if ratio is not None:
                recency[user_id] = ratio
    query = query_terms(title=question.title, body=question.body, tags=question.tag_names)
    background = dict(
        TermStat.objects.filter(term__in=[*query, TOTAL_TERM]).values_list("term", "count")
    )
    background_total = background.pop(TOTAL_TERM, 0.0)
    by_prior = priors(
        ids=ids,
        cat_score=cat_score,
        all_score=all_score,
        category_total=_cached_total(question.category_id),
        overall_total=_cached_total(None),
        recency=recency,
    )
    profiles = _profiles_restricted(ids=top_by_prior(by_prior), terms=list(query))
    return rank_candidates(
        priors=by_prior,
        profiles=profiles,
        query=query,
        background=background,
        background_total=background_total,
        now=now,
    )


def _profiles_restricted(
    *, ids: list[int], terms: list[str]
) -> dict[int, tuple[dict[str, float], float, datetime]]:
    """Each candidate's weights for the query's terms only.

    Whole profiles are loaded (one indexed ``IN`` query) and cut down in Python. Measured
    at 100k users: extracting the keys in the database (``terms ->> 'w'``) detoasts the
    compressed jsonb once per key and took ~700 ms; ``jsonb_each`` ~150 ms; loading
    profiles capped at EXPERTS_PROFILE_TERMS=100 is a few ms.
    """
    wanted = set(terms)
    out = {}
    rows = ExpertProfile.objects.filter(user_id__in=ids).values_list(
        "user_id", "terms", "length", "decayed_at"
    )
    for user_id, profile, length, at in rows:
        out[user_id] = ({t: w for t, w in profile.items() if t in wanted}, length, at)
    return out


def top_by_prior(by_prior: dict[int, float]) -> list[int]:
    """The EXPERTS_ROUTING_TEXT_CANDIDATES best candidates by prior (``priors``): only
    they get the (costlier) text evidence. Text is a re-ranking signal: a candidate far
    down by standing would need an extreme text match to reach the few who get notified."""
    limit = int(conf.get("EXPERTS_ROUTING_TEXT_CANDIDATES"))
    return sorted(by_prior, key=lambda u: (-by_prior[u], u))[:limit]


def priors(
    *,
    ids: Iterable[int],
    cat_score: dict[int, float],
    all_score: dict[int, float],
    category_total: float,
    overall_total: float,
    recency: dict[int, float] | None,
) -> dict[int, float]:
    """P(u | c) per candidate, its volume counted on the routing timescale: ``recency``
    is, per user, answer activity at the routing half-life over activity at the reputation
    half-life (``scoring.recency_ratio``); missing users keep ratio 1."""
    backoff = float(conf.get("EXPERTS_CATEGORY_BACKOFF"))
    recency = recency or {}
    return {
        u: scoring.category_prior(
            user_category_score=cat_score.get(u, 0.0),
            category_total=category_total,
            user_overall_score=all_score.get(u, 0.0),
            overall_total=overall_total,
            backoff=backoff,
        )
        * recency.get(u, 1.0)
        for u in ids
    }


def rank_candidates(
    *,
    priors: dict[int, float],
    profiles: dict[int, tuple[dict[str, float], float, datetime]],
    query: dict[str, float],
    background: dict[str, float],
    background_total: float,
    now: datetime,
) -> list[Suggestion]:
    """The pure scoring step, shared with the offline evaluation: each candidate's prior
    (``priors``) times the text evidence of their profile, if they have one here."""
    half_life = conf.half_life_seconds()
    smoothing = float(conf.get("EXPERTS_TEXT_SMOOTHING"))
    # Only query terms matter: restrict each profile before decaying it.
    out = []
    for user_id, prior in priors.items():
        profile = profiles.get(user_id)
        text = 0.0
        if profile is not None and profile[0]:
            terms, length, at = profile
            factor = scoring.decay_factor(
                elapsed_seconds=(now - at).total_seconds(), half_life_seconds=half_life
            )
            text = scoring.text_log_likelihood(
                query=query,
                profile={t: w * factor for t, w in terms.items() if t in query},
                profile_length=length * factor,
                background=background,
                background_total=background_total,
                smoothing=smoothing,
            )
        log_score = scoring.router_log_score(prior=prior, text=text)
        if math.isfinite(log_score):
            out.append(Suggestion(user_id=user_id, log_score=log_score, prior=prior, text=text))
    out.sort(key=lambda s: (-s.log_score, s.user_id))
    return out


# --- The learned model ------------------------------------------------------------------


def router_weights() -> dict[str, float]:
    weights = conf.get("EXPERTS_ROUTER_WEIGHTS")
    return dict(weights) if weights else dict(learn.DEFAULT_WEIGHTS)


def standings(
    *, question: Question, ids: list[int], now: datetime, with_tags: bool = True
) -> dict[int, learn.Standing]:
    """Each candidate's stored statistics decayed to ``now``: one indexed ``IN`` query for
    the overall and category rows, one more for the tag rows when ``with_tags``."""
    half_life = conf.half_life_seconds()

    def at(acc: float, ans: float, when: datetime) -> tuple[float, float]:
        return scoring.Decayed(accepted=acc, answers=ans, at=when).at_time(now, half_life=half_life)

    overall: dict[int, tuple[float, float, datetime | None]] = {}
    in_category: dict[int, float] = {}
    rows = _score_rows(question=question, ids=ids, extra="last_activity_at")
    for user_id, category_id, acc, ans, when, last in rows:
        acc_now, ans_now = at(acc, ans, when)
        if category_id is None:
            overall[user_id] = (acc_now, ans_now, last)
        else:
            in_category[user_id] = ans_now
    tag_answers: dict[int, float] = {}
    if with_tags and question.tag_ids:
        tag_rows = TagExpertise.objects.filter(
            user_id__in=ids, tag_id__in=question.tag_ids
        ).values_list("user_id", "decayed_accepted", "decayed_answers", "decayed_at")
        for user_id, acc, ans, when in tag_rows:
            tag_answers[user_id] = tag_answers.get(user_id, 0.0) + at(acc, ans, when)[1]
    out = {}
    for user_id in ids:
        acc_now, ans_now, last = overall.get(user_id, (0.0, 0.0, None))
        out[user_id] = learn.Standing(
            answers=ans_now,
            accepted=acc_now,
            category_answers=in_category.get(user_id, 0.0),
            tag_answers=tag_answers.get(user_id, 0.0),
            last_activity_at=last,
        )
    return out


def rank_learned(*, question: Question, ids: list[int], now: datetime) -> list[Suggestion]:
    """Score every candidate without text, then add the text evidence for the
    EXPERTS_ROUTING_TEXT_CANDIDATES best (as the offline evaluation does)."""
    weights = router_weights()
    by_user = standings(
        question=question, ids=ids, now=now, with_tags=bool(weights.get("log_tag_answers"))
    )
    first = {
        u: learn.score(learn.features(standing=s, now=now, text=0.0), weights)
        for u, s in by_user.items()
    }
    shortlist = sorted(first, key=lambda u: (-first[u], u))[
        : int(conf.get("EXPERTS_ROUTING_TEXT_CANDIDATES"))
    ]
    texts: dict[int, float] = {}
    if weights.get("text"):
        query = query_terms(title=question.title, body=question.body, tags=question.tag_names)
        background = dict(
            TermStat.objects.filter(term__in=[*query, TOTAL_TERM]).values_list("term", "count")
        )
        background_total = background.pop(TOTAL_TERM, 0.0)
        half_life = conf.half_life_seconds()
        smoothing = float(conf.get("EXPERTS_TEXT_SMOOTHING"))
        for user_id, (terms, length, at) in _profiles_restricted(
            ids=shortlist, terms=list(query)
        ).items():
            if not terms:
                continue
            factor = scoring.decay_factor(
                elapsed_seconds=(now - at).total_seconds(), half_life_seconds=half_life
            )
            texts[user_id] = scoring.text_log_likelihood(
                query=query,
                profile={t: w * factor for t, w in terms.items()},
                profile_length=length * factor,
                background=background,
                background_total=background_total,
                smoothing=smoothing,
            )
    out = []
    for user_id, standing in by_user.items():
        text = texts.get(user_id, 0.0)
        value = learn.score(learn.features(standing=standing, now=now, text=text), weights)
        out.append(Suggestion(user_id=user_id, log_score=value, prior=first[user_id], text=text))
    out.sort(key=lambda s: (-s.log_score, s.user_id))
    return out
