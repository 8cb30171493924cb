"""The mathematics of expertise, free of the database so the live code, the rebuild and the
offline evaluation share one implementation.

Decay
    Every event at time ``t`` contributes ``w * 2 ** (-(T - t) / h)`` to a sum observed at
    ``T`` (``h`` the half-life). A sum is stored with the instant ``T`` it refers to, so an
    update is O(1): ``S(T') = S(T) * 2 ** (-(T' - T) / h)`` then add the new event. An event
    older than ``T`` (out-of-order delivery) is added already decayed to ``T``: the stored
    sum is the same whatever order the events came in, which is why a rebuild equals the
    incremental result.

Shrinkage
    A user's acceptance rate is a Beta-Binomial posterior mean. The prior is
    ``Beta(k * p0, k * (1 - p0))``: ``p0`` the category's base rate, ``k`` a strength in
    pseudo-answers. With ``A`` decayed accepted answers out of ``N`` decayed answers the
    posterior mean is ``(A + k p0) / (N + k)``. One lucky accept (A=N=1) gives a rate near
    ``p0``, not 100 %.

Score
    ``score = N * (A + k p0) / (N + k)``: the expected number of (decayed) accepted answers
    given the user's volume and their *shrunk* rate. It grows with a long record, discounts
    thin ones, and tends to ``A`` for large ``N``. Ranks and leaderboards use it.

Routing
    The probability that ``u`` gives the accepted answer to a question ``q`` in category
    ``c`` is modelled as ``P(u | c) * P(q | u)`` (the "candidate model" of expert finding):

    * ``P(u | c)``: the user's share of the category's expected accepted answers, backed
      off to their overall share with a Dirichlet pseudo-count ``m``:
      ``(S_c(u) + m * S(u) / S_all) / (S_c + m)``.
    * ``P(q | u)``: a unigram language model of the questions the user answered
      (title, tags and body terms; accepted ones count twice), smoothed toward the
      background model of all questions, as a per-term average likelihood ratio (see
      ``text_log_likelihood`` for why that form).

    Recency enters through the decay of every statistic, and the prior's volume is counted
    at the routing half-life the community's own history chose (``choose_half_life``,
    ``recency_ratio``); availability and caps are rules applied after ranking.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

LN2 = math.log(2.0)


def decay_factor(*, elapsed_seconds: float, half_life_seconds: float) -> float:
    """``2 ** (-elapsed / half_life)``; 1 for a non-positive elapsed time."""
    if elapsed_seconds <= 0:
        return 1.0
    return math.exp(-LN2 * elapsed_seconds / half_life_seconds)


@dataclass
class Decayed:
    """A pair of decayed sums and the instant they refer to."""

    accepted: float
    answers: float
    at: datetime

    def add(self, *, accepted: float, answers: float, when: datetime, half_life: float) -> None:
        """Add an event at ``when`` (which may lie before ``self.at``)."""
        if when > self.at:
            factor = decay_factor(
                elapsed_seconds=(when - self.at).total_seconds(), half_life_seconds=half_life
            )
            self.accepted *= factor
            self.answers *= factor
            self.at = when
            weight = 1.0
        else:
            weight = decay_factor(
                elapsed_seconds=(self.at - when).total_seconds(), half_life_seconds=half_life
            )
        self.accepted += accepted * weight
        self.answers += answers * weight
        # Subtractions (unaccept, hidden) may leave -1e-17 residues; clamp them.
        self.accepted = max(self.accepted, 0.0)
        self.answers = max(self.answers, 0.0)

    def at_time(self, when: datetime, *, half_life: float) -> tuple[float, float]:
        factor = decay_factor(
            elapsed_seconds=(when - self.at).total_seconds(), half_life_seconds=half_life
        )
        return self.accepted * factor, self.answers * factor


def shrunk_rate(*, accepted: float, answers: float, base_rate: float, strength: float) -> float:
    """Posterior mean of the acceptance rate under a Beta(k p0, k (1 - p0)) prior."""
    return (accepted + strength * base_rate) / (answers + strength)


def expertise_score(*, accepted: float, answers: float, base_rate: float, strength: float) -> float:
    """Expected decayed accepted answers: volume times the shrunk acceptance rate."""
    # Accepts never exceed answers in real data; an accept whose answer event was lost
    # still counts as an answer here so the rate stays in [0, 1].
    answers = max(answers, accepted)
    if answers <= 0:
        return 0.0
    return answers * shrunk_rate(
        accepted=accepted, answers=answers, base_rate=base_rate, strength=strength
    )


def base_rate_of(*, accepted: float, answers: float, default: float) -> float:
    if answers <= 0:
        return default
    # Clamp away from 0 and 1 so the Beta prior stays proper.
    return min(max(accepted / answers, 0.01), 0.99)


# --- Anti-gaming ------------------------------------------------------------------------


def same_network(ip_a: str | None, ip_b: str | None, *, v4_prefix: int, v6_prefix: int) -> bool:
    """True when both addresses are known and share a /v4_prefix (IPv4) or /v6_prefix."""
    if not ip_a or not ip_b:
        return False
    try:
        a = ipaddress.ip_address(ip_a)
        b = ipaddress.ip_address(ip_b)
    except ValueError:
        return False
    if a.version != b.version:
        return False
    prefix = v4_prefix if a.version == 4 else v6_prefix
    net = ipaddress.ip_network(f"{a}/{prefix}", strict=False)
    return b in net


def ring_suspected(
    *,
    asker_id: int,
    accepts_received_by_asker: Mapping[int, int],
    accepts_given_by_answerer: Mapping[int, int],
    accepts_received_by_answerer: Mapping[int, int],
    min_reciprocal: int,
    share: float,
    min_accepts: int,
) -> bool:
    """Is an accept of the answerer A's answer by asker B part of a reciprocal ring?

    ``accepts_given_by_answerer[x]``: how often A (as asker) accepted x's answers.
    ``accepts_received_by_answerer[y]``: how often y (as asker) accepted A's answers.
    B counts as a *partner* of A when A accepted B's answers at least ``min_reciprocal``
    times. The accept is suspect when B is a partner and partners (this accept included)
    make up at least ``share`` of A's received accepts, with at least ``min_accepts``.
    A long honest record with the odd mutual accept between two regulars is not a ring:
    partners are then a small share.
    """
    del accepts_received_by_asker  # symmetric view kept for callers' clarity
    if accepts_given_by_answerer.get(asker_id, 0) < min_reciprocal:
        return False
    partners = {x for x, n in accepts_given_by_answerer.items() if n >= min_reciprocal}
    received = dict(accepts_received_by_answerer)
    received[asker_id] = received.get(asker_id, 0) + 1
    total = sum(received.values())
    from_partners = sum(n for y, n in received.items() if y in partners)
    return total >= min_accepts and from_partners / total >= share


# --- Routing ----------------------------------------------------------------------------


def category_prior(
    *,
    user_category_score: float,
    category_total: float,
    user_overall_score: float,
    overall_total: float,
    backoff: float,
) -> float:
    """P(u | c): the user's share of the category's expertise backed off to overall."""
    overall_share = user_overall_score / overall_total if overall_total > 0 else 0.0
    return (user_category_score + backoff * overall_share) / (category_total + backoff)


def text_log_likelihood(
    *,
    query: Mapping[str, float],
    profile: Mapping[str, float],
    profile_length: float,
    background: Mapping[str, float],
    background_total: float,
    smoothing: float,
) -> float:
    """Per-term average log-likelihood ratio of the question under the user's language
    model against the background, Jelinek-Mercer smoothed:
    ``P(w | u) = (1 - l) tf_u(w) / L_u + l p(w)`` with ``l = smoothing``.

    * Jelinek-Mercer rather than Dirichlet: the Dirichlet form carries a per-user length
      penalty ``|q| log(mu / (L_u + mu))`` that punishes exactly the prolific answerers
      the prior already weighs by volume (measured on the beer dump: it cost up to 0.09 MRR
      at some cutoffs); with JM a term the user never saw contributes ratio 1, no penalty.
    * Averaged over the query's terms (a geometric mean of the ratios): the terms of one
      question are far from independent, and the plain product lets a long question drown
      the prior in overconfident evidence (the untempered product ranked worse than no
      text at all).
    Terms unseen in the background get one pseudo-occurrence.
    """
    q_len = sum(query.values())
    if q_len <= 0 or profile_length <= 0:
        return 0.0
    total = max(background_total, 1.0)
    odds = (1.0 - smoothing) / smoothing
    score = 0.0
    for term, q_tf in query.items():
        tf = profile.get(term)
        if tf:
            p_bg = (background.get(term, 0.0) + 1.0) / (total + 1.0)
            score += q_tf * math.log1p(odds * tf / (profile_length * p_bg))
    return score / q_len


def router_log_score(*, prior: float, text: float) -> float:
    if prior <= 0:
        return -math.inf
    return math.log(prior) + text


def prune_terms(terms: dict[str, float], *, keep: int) -> dict[str, float]:
    """Keep the ``keep`` heaviest terms (ties broken by the term, so it is deterministic)."""
    if len(terms) <= keep:
        return terms
    best = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[:keep]
    return dict(best)


def decay_terms(terms: dict[str, float], factor: float, *, floor: float = 1e-4) -> dict[str, float]:
    if factor == 1.0:
        return terms
    return {t: w * factor for t, w in terms.items() if w * factor >= floor}


def add_terms(terms: dict[str, float], new: Iterable[str], weight: float) -> None:
    for term in new:
        terms[term] = terms.get(term, 0.0) + weight


# --- Routing timescale --------------------------------------------------------------------

# Half-lives (days) of the answer-activity sums kept beside the reputation sums. Which one
# routing uses is chosen per community from its own history (``choose_half_life``): a
# young community turns over in days, an old one in months, and no single constant fits
# both (measured: a beta site's best is 2 days, a four-year-old site's 30-45).
# Steps of about x1.5, so the chosen one is within ~20 % of the best continuous value.
ACTIVITY_HALF_LIVES_DAYS: tuple[float, ...] = (
    2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 45.0, 60.0, 90.0, 135.0, 180.0, 270.0, 365.0,
)  # fmt: skip


# How many of the latest answers the routing timescale is chosen from (live and offline).
CALIBRATION_ANSWERS = 50_000


def ladder_key(days: float) -> str:
    # Not a bare number: a digit key would read as an array index in a JSON key lookup.
    return f"h{days:g}"


def ladder_add(
    sums: Mapping[str, float], *, at: datetime, new_at: datetime, weight: float, when: datetime
) -> dict[str, float]:
    """Answer activity at every half-life of the ladder, as ``Decayed.add`` does for one.

    ``sums`` refer to ``at``; the result refers to ``new_at`` (>= ``at``) and includes an
    event of ``weight`` at ``when`` (which may lie before ``new_at``), so the stored sums are
    the same whatever order the events came in."""
    out = {}
    for days in ACTIVITY_HALF_LIVES_DAYS:
        key = ladder_key(days)
        half_life = days * 86400.0
        value = sums.get(key, 0.0) * decay_factor(
            elapsed_seconds=(new_at - at).total_seconds(), half_life_seconds=half_life
        )
        value += weight * decay_factor(
            elapsed_seconds=(new_at - when).total_seconds(), half_life_seconds=half_life
        )
        out[key] = max(value, 0.0)
    return out


def choose_half_life(
    events: Iterable[tuple[float, int]],
    *,
    ladder: Iterable[float] = ACTIVITY_HALF_LIVES_DAYS,
) -> tuple[float | None, dict[float, float]]:
    """The half-life (days) whose decayed answer counts best predict who answers next.

    ``events``: (timestamp in seconds, answerer) in time order. For every answer by a user
    who had answered before, the prediction is that user's share of all decayed activity
    just before it; the score of a half-life is the mean log of those shares (prequential
    likelihood: each answer is predicted only from earlier ones). Empirical Bayes for the
    routing timescale: it uses no accepted answers and no routing outcome, so it cannot be
    tuned towards the evaluation. Returns the best half-life (None when no answer had a
    predecessor to be predicted from) and every candidate's score."""
    events = list(events)
    scores: dict[float, float] = {}
    for days in ladder:
        rate = LN2 / (days * 86400.0)
        sums: dict[int, float] = {}
        total = 0.0
        origin = events[0][0] if events else 0.0
        loglik = 0.0
        predicted = 0
        for when, user in events:
            # Weights grow as exp(rate * (t - origin)); re-base before they overflow.
            if rate * (when - origin) > 500.0:
                shrink = math.exp(-rate * (when - origin))
                sums = {u: v * shrink for u, v in sums.items()}
                total *= shrink
                origin = when
            weight = math.exp(rate * (when - origin))
            mine = sums.get(user, 0.0)
            if mine > 0.0 and total > 0.0:
                loglik += math.log(mine / total)
                predicted += 1
            sums[user] = mine + weight
            total += weight
        scores[days] = loglik / predicted if predicted else float("-inf")
    finite = {d: v for d, v in scores.items() if math.isfinite(v)}
    if not finite:
        return None, scores
    return max(finite, key=lambda d: (finite[d], d)), scores


def recency_ratio(
    *,
    activity: float | None,
    at: datetime,
    now: datetime,
    days: float,
    answers_now: float,
) -> float | None:
    """Answer activity at the routing half-life ``days`` over the decayed answers at the
    reputation half-life (both at ``now``): multiplying the prior's volume by it counts that
    volume on the routing timescale while keeping the acceptance rate and category shares.

    ``activity`` is the row's stored ladder sum for ``days``, referring to ``at``. None (no
    adjustment) when the row has no such sum (no counted answer yet) or no answers to
    compare with."""
    if activity is None or answers_now <= 0:
        return None
    factor = decay_factor(
        elapsed_seconds=(now - at).total_seconds(), half_life_seconds=days * 86400.0
    )
    return activity * factor / answers_now
