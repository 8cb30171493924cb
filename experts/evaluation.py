"""Offline evaluation of routing with a temporal split.

History is loaded from a Stack Exchange dump (streamed with defusedxml) or from the
database into plain records. Everything before the cutoff trains an in-memory replica
of the live statistics, built with the same functions (``experts.scoring``,
``experts.learn``); the learned model's weights are fitted on the training period alone
by an inner time split (``fit_weights``); each later question with an accepted answer
(not a self-accept, both authors known) is a test case: rank every user who answered
anything before the cutoff and look up where the accepted answerer lands.

Two designs: one cutoff (``evaluate``, the 80/20 split by default) and rolling origins
(``evaluate_rolling``: retrain at several cutoffs, test each until the next, pool).

Never read: the dump's Score / Reputation / view counts (they are totals as of the dump
date and leak the future).
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from experts import conf, learn, scoring
from experts.text import query_terms, question_terms

# --- Records ----------------------------------------------------------------------------


@dataclass
class QuestionRec:
    id: int
    author_id: int | None
    created_at: datetime
    category_id: int
    title: str
    body: str
    tags: tuple[str, ...]
    accepted_answer_id: int | None = None


@dataclass
class AnswerRec:
    id: int
    question_id: int
    author_id: int | None
    created_at: datetime
    accepted_at: datetime | None = None


@dataclass
class History:
    questions: dict[int, QuestionRec] = field(default_factory=dict)
    answers: dict[int, AnswerRec] = field(default_factory=dict)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


_HTML_TAG = re.compile(r"<[^>]+>")


def _strip_html(html: str) -> str:
    # Only for term extraction from the dump (never rendered), so a regex is enough.
    return _HTML_TAG.sub(" ", html)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    from defusedxml.ElementTree import iterparse

    for _, elem in iterparse(str(path), events=("end",)):
        if elem.tag == "row":
            yield dict(elem.attrib)
        elem.clear()


def _split_tags(raw: str) -> tuple[str, ...]:
    if not raw:
        return ()
    if raw.startswith("|"):
        return tuple(t for t in raw.split("|") if t)
    return tuple(re.findall(r"<([^>]+)>", raw))


def load_history_xml(directory: str | Path) -> History:
    """Posts.xml (+ Votes.xml for the day each answer was accepted)."""
    directory = Path(directory)
    history = History()
    for row in _rows(directory / "Posts.xml"):
        kind = row.get("PostTypeId")
        owner = int(row["OwnerUserId"]) if row.get("OwnerUserId") else None
        if kind == "1":
            history.questions[int(row["Id"])] = QuestionRec(
                id=int(row["Id"]),
                author_id=owner,
                created_at=_parse_time(row["CreationDate"]),
                category_id=0,  # a Stack Exchange site is one category
                title=row.get("Title", ""),
                body=_strip_html(row.get("Body", "")),
                tags=_split_tags(row.get("Tags", "")),
                accepted_answer_id=int(row["AcceptedAnswerId"])
                if row.get("AcceptedAnswerId")
                else None,
            )
        elif kind == "2" and row.get("ParentId"):
            history.answers[int(row["Id"])] = AnswerRec(
                id=int(row["Id"]),
                question_id=int(row["ParentId"]),
                author_id=owner,
                created_at=_parse_time(row["CreationDate"]),
            )
    votes = directory / "Votes.xml"
    accepted_on: dict[int, datetime] = {}
    if votes.exists():
        for row in _rows(votes):
            if row.get("VoteTypeId") == "1" and row.get("PostId"):
                accepted_on[int(row["PostId"])] = _parse_time(row["CreationDate"])
    for q in history.questions.values():
        answer = history.answers.get(q.accepted_answer_id or -1)
        if answer is not None:
            # The vote carries only a day; never before the answer itself.
            day = accepted_on.get(answer.id, answer.created_at)
            answer.accepted_at = max(day, answer.created_at)
    return history


def load_history_db() -> History:
    from forum.models import Post, Thread

    history = History()
    tags: dict[int, list[str]] = defaultdict(list)
    for thread_id, name in Thread.tags.through.objects.values_list("thread_id", "tag__name"):
        tags[thread_id].append(name)
    for t in Thread.objects.filter(is_deleted=False).values(
        "id", "author_id", "created_at", "category_id", "title", "body_md", "accepted_answer_id"
    ):
        history.questions[t["id"]] = QuestionRec(
            id=t["id"],
            author_id=t["author_id"],
            created_at=t["created_at"],
            category_id=t["category_id"],
            title=t["title"],
            body=t["body_md"],
            tags=tuple(tags.get(t["id"], ())),
            accepted_answer_id=t["accepted_answer_id"],
        )
    for p in Post.objects.filter(is_hidden=False, is_deleted=False).values(
        "id", "thread_id", "author_id", "created_at", "accepted_at", "is_accepted"
    ):
        history.answers[p["id"]] = AnswerRec(
            id=p["id"],
            question_id=p["thread_id"],
            author_id=p["author_id"],
            created_at=p["created_at"],
            accepted_at=(p["accepted_at"] or p["created_at"]) if p["is_accepted"] else None,
        )
    return history


# --- The in-memory replica --------------------------------------------------------------


class Replica:
    """The live statistics rebuilt in memory from events before ``cutoff``."""

    def __init__(self, history: History, cutoff: datetime) -> None:
        self.half_life = conf.half_life_seconds()
        self.stats: dict[tuple[int, int | None], scoring.Decayed] = {}
        self.tag_answers: dict[tuple[int, str], int] = defaultdict(int)
        self.accepted_count: dict[int, int] = defaultdict(int)
        self.accepted_decayed: dict[int, scoring.Decayed] = {}
        self.profiles: dict[int, tuple[dict[str, float], float, datetime]] = {}
        self.base: dict[int | None, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self.background: dict[str, float] = defaultdict(float)
        self.background_total = 0.0
        self.answerers: set[int] = set()
        # Mirrors of the remaining stored fields the learned router reads.
        self.answer_count: dict[int, int] = defaultdict(int)
        self.last_activity: dict[int, datetime] = {}
        self.tag_stats: dict[tuple[int, str], scoring.Decayed] = {}
        self.answer_times: dict[int, list[datetime]] = defaultdict(list)
        self.cutoff = cutoff
        self._routing_days: float | None = None
        self._recency: dict[int, float] | None = None
        events: list[tuple[datetime, int, object]] = [
            (q.created_at, 0, q) for q in history.questions.values() if q.created_at < cutoff
        ]
        for a in history.answers.values():
            q = history.questions.get(a.question_id)
            if q is None or a.author_id is None:
                continue
            if a.created_at < cutoff:
                events.append((a.created_at, 1, a))
            if a.accepted_at is not None and a.accepted_at < cutoff:
                events.append((a.accepted_at, 2, a))
        events.sort(key=lambda e: (e[0], e[1]))
        self.history = history
        for when, kind, rec in events:
            if kind == 0:
                self._question(rec)  # type: ignore[arg-type]
            elif kind == 1:
                self._answer(rec, when)  # type: ignore[arg-type]
            else:
                self._accept(rec, when)  # type: ignore[arg-type]

    def _terms(self, q: QuestionRec) -> set[str]:
        return question_terms(title=q.title, body=q.body, tags=q.tags)

    def _question(self, q: QuestionRec) -> None:
        terms = self._terms(q)
        for t in terms:
            self.background[t] += 1.0
        self.background_total += len(terms)

    def _add(self, user: int, category: int, *, accepted: float, answers: float, when: datetime):
        for key in ((user, category), (user, None)):
            d = self.stats.setdefault(key, scoring.Decayed(accepted=0.0, answers=0.0, at=when))
            d.add(accepted=accepted, answers=answers, when=when, half_life=self.half_life)
        for cat in (category, None):
            self.base[cat][0] += accepted
            self.base[cat][1] += answers
        self.last_activity[user] = max(self.last_activity.get(user, when), when)

    def _add_tags(self, user: int, tags: tuple[str, ...], *, accepted: float, answers: float,
                  when: datetime) -> None:  # fmt: skip
        for tag in set(tags):
            d = self.tag_stats.setdefault(
                (user, tag), scoring.Decayed(accepted=0.0, answers=0.0, at=when)
            )
            d.add(accepted=accepted, answers=answers, when=when, half_life=self.half_life)

    def _profile(self, user: int, terms: set[str], weight: float, when: datetime) -> None:
        profile, length, at = self.profiles.get(user, ({}, 0.0, when))
        factor = scoring.decay_factor(
            elapsed_seconds=(when - at).total_seconds(), half_life_seconds=self.half_life
        )
        profile = scoring.decay_terms(profile, factor)
        scoring.add_terms(profile, terms, weight)
        profile = scoring.prune_terms(profile, keep=int(conf.get("EXPERTS_PROFILE_TERMS")))
        self.profiles[user] = (profile, length * factor + weight * len(terms), max(when, at))

    def _answer(self, a: AnswerRec, when: datetime) -> None:
        q = self.history.questions[a.question_id]
        if a.author_id == q.author_id:
            return
        self.answerers.add(a.author_id)  # type: ignore[arg-type]
        self._add(a.author_id, q.category_id, accepted=0.0, answers=1.0, when=when)  # type: ignore[arg-type]
        for tag in q.tags:
            self.tag_answers[(a.author_id, tag)] += 1  # type: ignore[index]
        self.answer_count[a.author_id] += 1  # type: ignore[index]
        self.answer_times[a.author_id].append(when)  # type: ignore[index]
        self._add_tags(a.author_id, q.tags, accepted=0.0, answers=1.0, when=when)  # type: ignore[arg-type]
        self._profile(a.author_id, self._terms(q), 1.0, when)  # type: ignore[arg-type]

    def _accept(self, a: AnswerRec, when: datetime) -> None:
        q = self.history.questions[a.question_id]
        if a.author_id == q.author_id or q.author_id is None:
            return  # self-accepts never count
        user = a.author_id
        if user is None:
            return
        self._add(user, q.category_id, accepted=1.0, answers=0.0, when=when)
        self._add_tags(user, q.tags, accepted=1.0, answers=0.0, when=when)
        self.accepted_count[user] += 1
        d = self.accepted_decayed.setdefault(user, scoring.Decayed(accepted=0, answers=0, at=when))
        d.add(accepted=1.0, answers=0.0, when=when, half_life=self.half_life)
        self._profile(user, self._terms(q), 1.0, when)

    # --- scores as the live router computes them

    def _score_now(self, user: int, category: int | None, now: datetime) -> float:
        d = self.stats.get((user, category))
        if d is None:
            return 0.0
        acc, ans = d.at_time(now, half_life=self.half_life)
        a, n = self.base[category]
        p0 = scoring.base_rate_of(
            accepted=a, answers=n, default=float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
        )
        return scoring.expertise_score(
            accepted=acc,
            answers=ans,
            base_rate=p0,
            strength=float(conf.get("EXPERTS_PRIOR_STRENGTH")),
        )

    def router_scores(self, q: QuestionRec, users: list[int]) -> dict[int, float]:
        """The candidate model (``EXPERTS_ROUTER_MODEL = "candidate"``, the default)."""
        from experts.router import priors, rank_candidates, top_by_prior

        now = self.cutoff
        cat_score = {u: self._score_now(u, q.category_id, now) for u in users}
        all_score = {u: self._score_now(u, None, now) for u in users}
        by_prior = priors(
            ids=users,
            cat_score=cat_score,
            all_score=all_score,
            category_total=sum(cat_score.values()),
            overall_total=sum(all_score.values()),
            recency=self.recency(),
        )
        text_ids = set(top_by_prior(by_prior))
        ranked = rank_candidates(
            priors=by_prior,
            profiles={u: p for u, p in self.profiles.items() if u in text_ids},
            query=query_terms(title=q.title, body=q.body, tags=q.tags),
            background=self.background,
            background_total=self.background_total,
            now=now,
        )
        return {s.user_id: s.log_score for s in ranked}

    def routing_half_life_days(self) -> float:
        """As ``services.routing_calibrate`` chooses it live: from the latest
        ``scoring.CALIBRATION_ANSWERS`` answers (by someone other than the asker) before the
        cutoff; without any, the reputation half-life."""
        if self._routing_days is None:
            events = sorted(
                (t.timestamp(), u) for u, times in self.answer_times.items() for t in times
            )[-scoring.CALIBRATION_ANSWERS :]
            best, _ = scoring.choose_half_life(events)
            self._routing_days = best or self.half_life / 86400.0
        return self._routing_days

    def recency(self) -> dict[int, float]:
        """``scoring.recency_ratio`` for every answerer, as live routing reads it."""
        if self._recency is None:
            days = self.routing_half_life_days()
            self._recency = {}
            if days * 86400.0 != self.half_life:
                for u, times in self.answer_times.items():
                    d = self.stats.get((u, None))
                    answers = d.at_time(self.cutoff, half_life=self.half_life)[1] if d else 0.0
                    if answers > 0:
                        activity = sum(
                            scoring.decay_factor(
                                elapsed_seconds=(self.cutoff - t).total_seconds(),
                                half_life_seconds=days * 86400.0,
                            )
                            for t in times
                        )
                        self._recency[u] = activity / answers
        return self._recency

    def baseline_count(self, q: QuestionRec, users: list[int]) -> dict[int, float]:
        return {u: float(self.accepted_count.get(u, 0)) for u in users}

    def baseline_decayed(self, q: QuestionRec, users: list[int]) -> dict[int, float]:
        out = {}
        for u in users:
            d = self.accepted_decayed.get(u)
            out[u] = d.at_time(self.cutoff, half_life=self.half_life)[0] if d else 0.0
        return out

    def baseline_tags(self, q: QuestionRec, users: list[int]) -> dict[int, float]:
        return {u: float(sum(self.tag_answers.get((u, t), 0) for t in q.tags)) for u in users}

    # --- the learned router (experts.learn)

    def standing(self, user: int, q: QuestionRec, now: datetime) -> learn.Standing:
        def at(d: scoring.Decayed | None) -> tuple[float, float]:
            return d.at_time(now, half_life=self.half_life) if d else (0.0, 0.0)

        accepted, answers = at(self.stats.get((user, None)))
        _, category_answers = at(self.stats.get((user, q.category_id)))
        tag_answers = 0.0
        for tag in set(q.tags):
            tag_answers += at(self.tag_stats.get((user, tag)))[1]
        return learn.Standing(
            answers=answers,
            accepted=accepted,
            category_answers=category_answers,
            tag_answers=tag_answers,
            last_activity_at=self.last_activity.get(user),
        )

    def text_score(self, user: int, q: QuestionRec, query: dict[str, float], now: datetime):
        profile = self.profiles.get(user)
        if profile is None or not profile[0]:
            return 0.0
        terms, length, at = profile
        factor = scoring.decay_factor(
            elapsed_seconds=(now - at).total_seconds(), half_life_seconds=self.half_life
        )
        return scoring.text_log_likelihood(
            query=query,
            profile={t: terms[t] * factor for t in query if t in terms},
            profile_length=length * factor,
            background=self.background,
            background_total=self.background_total,
            smoothing=float(conf.get("EXPERTS_TEXT_SMOOTHING")),
        )

    def base_rate(self, category: int | None) -> float:
        a, n = self.base[category]
        return scoring.base_rate_of(
            accepted=a, answers=n, default=float(conf.get("EXPERTS_DEFAULT_BASE_RATE"))
        )

    def vectors(
        self, q: QuestionRec, users: list[int], *, now: datetime, text_for: set[int] | None
    ) -> dict[int, list[float]]:
        """Feature vectors; text only for ``text_for`` (None: everyone)."""
        query = query_terms(title=q.title, body=q.body, tags=q.tags)
        out = {}
        for u in users:
            text = self.text_score(u, q, query, now) if text_for is None or u in text_for else 0.0
            out[u] = learn.features(standing=self.standing(u, q, now), now=now, text=text)
        return out

    def learned_scores(
        self, q: QuestionRec, users: list[int], weights: dict[str, float]
    ) -> dict[int, float]:
        """Two stages, as live: score without text, text for the shortlist, rescore."""
        now = self.cutoff
        first = self.vectors(q, users, now=now, text_for=set())
        prelim = {u: learn.score(v, weights) for u, v in first.items()}
        shortlist = set(
            sorted(prelim, key=lambda u: (-prelim[u], u))[
                : int(conf.get("EXPERTS_ROUTING_TEXT_CANDIDATES"))
            ]
        )
        final = self.vectors(q, sorted(shortlist), now=now, text_for=None)
        return {u: learn.score(final.get(u, first[u]), weights) for u in users}


# --- Metrics ----------------------------------------------------------------------------


def rank_of(scores: dict[int, float], target: int) -> float:
    """1-based rank of ``target``; ties share the average of their positions (fair to
    models that output many equal scores). Missing targets rank last."""
    if target not in scores:
        return float(len(scores) + 1)
    mine = scores[target]
    higher = sum(1 for v in scores.values() if v > mine)
    equal = sum(1 for v in scores.values() if v == mine)
    return higher + (equal + 1) / 2.0


def metrics_from_ranks(ranks: list[float]) -> dict[str, float]:
    n = len(ranks)
    return {
        "MRR": sum(1.0 / r for r in ranks) / n,
        "Hit@1": sum(r <= 1 for r in ranks) / n,
        "Hit@5": sum(r <= 5 for r in ranks) / n,
        "Hit@10": sum(r <= 10 for r in ranks) / n,
    }


def bootstrap_ci(
    ranks: list[float], *, samples: int = 1000, seed: int = 7
) -> dict[str, tuple[float, float]]:
    rng = random.Random(seed)  # noqa: S311 - resampling, not security
    n = len(ranks)
    collected: dict[str, list[float]] = defaultdict(list)
    for _ in range(samples):
        sample = [ranks[rng.randrange(n)] for _ in range(n)]
        for key, value in metrics_from_ranks(sample).items():
            collected[key].append(value)
    out = {}
    for key, values in collected.items():
        values.sort()
        out[key] = (values[int(0.025 * samples)], values[math.ceil(0.975 * samples) - 1])
    return out


def paired_difference_ci(
    ranks: list[float], reference: list[float], *, samples: int = 1000, seed: int = 7
) -> dict[str, tuple[float, float, float]]:
    """``metric(ranks) - metric(reference)`` with a 95 % paired bootstrap interval.

    Both rank lists are for the same test questions, so each resample draws the same
    questions for both: the interval of the *difference* is much narrower than the two
    separate intervals suggest (most of their width is which questions happened to be
    asked, and that is shared). "Clearly better" means the interval lies above zero."""
    if len(ranks) != len(reference):
        raise ValueError("paired ranks must cover the same test questions")
    rng = random.Random(seed)  # noqa: S311 - resampling, not security
    n = len(ranks)
    point_a, point_b = metrics_from_ranks(ranks), metrics_from_ranks(reference)
    collected: dict[str, list[float]] = defaultdict(list)
    for _ in range(samples):
        picks = [rng.randrange(n) for _ in range(n)]
        a = metrics_from_ranks([ranks[i] for i in picks])
        b = metrics_from_ranks([reference[i] for i in picks])
        for key in a:
            collected[key].append(a[key] - b[key])
    out = {}
    for key, values in collected.items():
        values.sort()
        out[key] = (
            point_a[key] - point_b[key],
            values[int(0.025 * samples)],
            values[math.ceil(0.975 * samples) - 1],
        )
    return out


@dataclass
class EvaluationResult:
    cutoff: datetime
    test_questions: int
    candidates: int
    ranks: dict[str, list[float]]
    weights: dict[str, float] = field(default_factory=dict)
    weights_fitted: bool = False
    # Test questions whose accepted answerer was a candidate at all: a newcomer ranks last
    # under every model, so ``known_targets / test_questions`` bounds Hit@k from above.
    known_targets: int = 0
    # Not a model, a bound: MRR of ranking every test question's candidates by how many
    # test questions each went on to win (it reads the future). No ranking that is the
    # same for every question can beat it; only per-question signals (text, tags) can.
    static_oracle_mrr: float = 0.0
    # Which model "router" is ("candidate" or "learned"), and where the test window ends.
    model: str = "candidate"
    end: datetime | None = None
    # The routing timescale chosen from the training period (scoring.choose_half_life).
    routing_half_life_days: float = 0.0

    def confidence(self, *, samples: int = 1000) -> dict:
        """95 % bootstrap intervals per model, and of the router's lead over each baseline
        (paired: the same resampled questions for both)."""
        return {
            "intervals": {
                name: {k: list(v) for k, v in bootstrap_ci(r, samples=samples).items()}
                for name, r in self.ranks.items()
            },
            "router_minus_baseline": {
                name: {
                    k: {"difference": d, "ci": [lo, hi]}
                    for k, (d, lo, hi) in paired_difference_ci(
                        self.ranks["router"], self.ranks[name], samples=samples
                    ).items()
                }
                for name in BASELINES
            },
        }

    def summary(self) -> dict:
        router = metrics_from_ranks(self.ranks["router"])
        baselines = {name: metrics_from_ranks(self.ranks[name]) for name in BASELINES}
        others = {
            name: metrics_from_ranks(r)
            for name, r in self.ranks.items()
            if name != "router" and name not in BASELINES
        }
        return {
            "router": router,
            "baselines": baselines,
            "alternatives": others,
            "weights": self.weights,
        }


BASELINES = ("accepted_count", "decayed_accepted_count", "tag_answer_count")


class NoTestQuestions(Exception):
    pass


def _question_times_at(history: History, shares: list[float]) -> list[datetime]:
    """The creation time of the question at each share of all questions by time."""
    times = sorted(q.created_at for q in history.questions.values())
    if not times:
        raise NoTestQuestions("the history has no questions")
    return [times[min(int(len(times) * share), len(times) - 1)] for share in shares]


def default_cutoff(history: History, *, train_share: float = 0.8) -> datetime:
    return _question_times_at(history, [train_share])[0]


def accepted_cases(
    history: History, *, start: datetime, end: datetime | None = None
) -> list[tuple[QuestionRec, int]]:
    """Questions asked in [start, end) with an accepted answer by another known user.

    With ``end`` (training examples), the accept itself must also lie before ``end``:
    nothing after the outer cutoff may be seen."""
    out = []
    for q in sorted(history.questions.values(), key=lambda q: (q.created_at, q.id)):
        if q.created_at < start or q.accepted_answer_id is None or q.author_id is None:
            continue
        if end is not None and q.created_at >= end:
            continue
        answer = history.answers.get(q.accepted_answer_id)
        if answer is None or answer.author_id is None or answer.author_id == q.author_id:
            continue
        if end is not None and (answer.accepted_at is None or answer.accepted_at >= end):
            continue
        out.append((q, answer.author_id))
    return out


def inner_cutoffs(history: History, cutoff: datetime, *, shares=(0.6, 0.7, 0.8)) -> list[datetime]:
    """Inner time splits of the training period, at shares of its questions."""
    times = sorted(q.created_at for q in history.questions.values() if q.created_at < cutoff)
    if len(times) < 10:
        return []
    return sorted({times[int(len(times) * s)] for s in shares})


def fit_weights(
    history: History,
    cutoff: datetime,
    *,
    negatives: int = 100,
    ridge: float = 1.0,
    seed: int = 7,
    features: tuple[str, ...] | None = None,
    signs: bool = True,
    shares: tuple[float, ...] = (0.6, 0.7, 0.8),
) -> dict[str, float] | None:
    """Fit the learned router on the training period only (see ``experts.learn``).

    None when the training period holds too few examples (fewer than 20) to fit."""
    rng = random.Random(seed)  # noqa: S311 - sampling negatives, not security
    names = features or learn.ROUTER_FEATURES
    keep = [learn.FEATURES.index(n) for n in names]

    def project(v: list[float]) -> list[float]:
        return [v[i] for i in keep]

    groups: list[learn.Group] = []
    for inner in inner_cutoffs(history, cutoff, shares=shares):
        replica = Replica(history, inner)
        users = sorted(replica.answerers)
        for q, target in accepted_cases(history, start=inner, end=cutoff):
            if target not in replica.answerers:
                continue  # a newcomer: no model over these features can rank them
            others = [u for u in users if u not in (q.author_id, target)]
            others = rng.sample(others, min(negatives, len(others)))
            vectors = replica.vectors(q, [target, *others], now=inner, text_for=None)
            groups.append(
                learn.Group(
                    chosen=project(vectors[target]), others=[project(vectors[u]) for u in others]
                )
            )
    if len(groups) < 20:
        return None
    active = list(range(len(names)))
    while True:
        fitted = learn.fit(
            [
                learn.Group(
                    chosen=[g.chosen[i] for i in active],
                    others=[[o[i] for i in active] for o in g.others],
                )
                for g in groups
            ],
            ridge=ridge,
        )
        wrong = [i for i, w in zip(active, fitted, strict=True) if w * learn.SIGNS[names[i]] < 0]
        if not signs or not wrong:
            break
        active = [i for i in active if i not in wrong]
    return dict.fromkeys(learn.FEATURES, 0.0) | {
        names[i]: w for i, w in zip(active, fitted, strict=True)
    }


def _static_oracle_mrr(tests: list[tuple[QuestionRec, int]], users: list[int]) -> float:
    wins: dict[int, int] = defaultdict(int)
    for _, target in tests:
        wins[target] += 1
    # A strict order (ties among winners broken by id): sorting by wins maximises the sum
    # of reciprocal ranks over all static orders (rearrangement inequality), and a strict
    # order never scores below a tied one.
    order = sorted(users, key=lambda u: (-wins.get(u, 0), u))
    strict = {u: -float(i) for i, u in enumerate(order)}
    ranks = [
        rank_of({u: strict[u] for u in users if u != q.author_id}, target) for q, target in tests
    ]
    return metrics_from_ranks(ranks)["MRR"]


MODEL_NAMES = {"candidate": "candidate_model", "learned": "learned_model"}


def router_model() -> str:
    """The model live routing uses (``EXPERTS_ROUTER_MODEL``): "candidate" or "learned"."""
    return "learned" if conf.get("EXPERTS_ROUTER_MODEL") == "learned" else "candidate"


def evaluate(
    history: History,
    *,
    cutoff: datetime | None = None,
    end: datetime | None = None,
    extra_models: dict[str, Callable] | None = None,
) -> EvaluationResult:
    """Train on everything before ``cutoff``; test on the questions asked in
    [cutoff, end) (``end`` None: to the end of the history).

    ``router`` is the model live routing uses (``EXPERTS_ROUTER_MODEL``); the other one is
    reported among the alternatives under its own name."""
    cutoff = cutoff or default_cutoff(history)
    replica = Replica(history, cutoff)
    users = sorted(replica.answerers)
    tests = [
        case
        for case in accepted_cases(history, start=cutoff)
        if end is None or case[0].created_at < end
    ]
    if not tests:
        window = (
            f"between {cutoff:%Y-%m-%d} and {end:%Y-%m-%d}" if end else f"after {cutoff:%Y-%m-%d}"
        )
        raise NoTestQuestions(
            f"no question asked {window} has an accepted answer by another known user"
        )
    # The learned model's weights come from the training period alone; with too little
    # of it to fit (< 20 examples), the shipped defaults, as live routing uses.
    fitted = fit_weights(history, cutoff)
    weights = fitted or learn.DEFAULT_WEIGHTS
    by_kind: dict[str, Callable[[QuestionRec, list[int]], dict[int, float]]] = {
        "candidate": replica.router_scores,
        "learned": lambda q, us: replica.learned_scores(q, us, weights),
    }
    live = router_model()
    other = "learned" if live == "candidate" else "candidate"
    models: dict[str, Callable[[QuestionRec, list[int]], dict[int, float]]] = {
        "router": by_kind[live],
        MODEL_NAMES[other]: by_kind[other],
        "accepted_count": replica.baseline_count,
        "decayed_accepted_count": replica.baseline_decayed,
        "tag_answer_count": replica.baseline_tags,
    }
    for name, make in (extra_models or {}).items():
        models[name] = make(replica, history, cutoff)
    ranks: dict[str, list[float]] = {name: [] for name in models}
    for q, target in tests:
        candidates = [u for u in users if u != q.author_id]
        for name, model in models.items():
            ranks[name].append(rank_of(model(q, candidates), target))
    return EvaluationResult(
        cutoff=cutoff,
        test_questions=len(tests),
        candidates=len(users),
        ranks=ranks,
        weights=dict(weights),
        weights_fitted=fitted is not None,
        known_targets=sum(1 for _, target in tests if target in replica.answerers),
        static_oracle_mrr=_static_oracle_mrr(tests, users),
        model=live,
        end=end,
        routing_half_life_days=replica.routing_half_life_days(),
    )


def rolling_cutoffs(history: History, *, folds: int) -> list[datetime]:
    """``folds`` cutoffs at 50 %, ..., 90 % of the questions by time (evenly spaced from
    50 % to 90 %), plus none: fold i tests [cutoff_i, cutoff_i+1)."""
    if folds < 1:
        raise ValueError("folds must be at least 1")
    shares = [0.9] if folds == 1 else [0.5 + 0.4 * i / (folds - 1) for i in range(folds)]
    return sorted(set(_question_times_at(history, shares)))


def evaluate_rolling(
    history: History, *, folds: int = 5, extra_models: dict[str, Callable] | None = None
) -> tuple[EvaluationResult, list]:
    """Rolling-origin evaluation: retrain at each cutoff, test only until the next one.

    One fixed cutoff judges a model on one stretch of a community's history, tested with
    statistics that grow staler the further a question lies past the cutoff (live routing
    never works that way: its statistics are updated by every event). Rolling origins test
    every model on several stretches, each with statistics at most one fold old, and pool
    the test questions: more of them, so narrower intervals, and a model that only wins
    on one stretch shows it. Returns the pooled result and the per-fold results (folds
    without test questions are skipped)."""
    cutoffs = rolling_cutoffs(history, folds=folds)
    results = []
    for start, end in zip(cutoffs, [*cutoffs[1:], None], strict=True):
        try:
            results.append(evaluate(history, cutoff=start, end=end, extra_models=extra_models))
        except NoTestQuestions:
            continue
    if not results:
        raise NoTestQuestions("no fold of the rolling evaluation has a test question")
    total = sum(r.test_questions for r in results)
    pooled = EvaluationResult(
        cutoff=results[0].cutoff,
        test_questions=total,
        candidates=max(r.candidates for r in results),
        ranks={name: [x for r in results for x in r.ranks[name]] for name in results[0].ranks},
        weights=results[-1].weights,
        weights_fitted=results[-1].weights_fitted,
        known_targets=sum(r.known_targets for r in results),
        # Each fold's static bound holds for its questions, so their weighted mean bounds
        # every model that is static within each fold.
        static_oracle_mrr=sum(r.static_oracle_mrr * r.test_questions for r in results) / total,
        model=results[0].model,
        end=results[-1].end,
        routing_half_life_days=results[-1].routing_half_life_days,
    )
    return pooled, results
