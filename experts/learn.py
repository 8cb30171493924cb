"""The learned router: a conditional logit over a handful of standing features.

Model
    For a question ``q`` and its candidates ``U``, the probability that ``u`` gives the
    accepted answer is a softmax (McFadden's conditional logit, the discrete-choice
    model behind "learning to rank" with a listwise likelihood)::

        P(u | q) = exp(w . x(u, q)) / sum_v exp(w . x(v, q))

    ``x`` is a short vector of features computed only from stored statistics (the same
    rows the live router already reads), so the live path stays an indexed pre-filter
    followed by O(candidates x features) arithmetic:

    * ``log_answers`` / ``log_accepted``: log(1 + decayed answers / accepted answers);
      the probability of answering at all is dominated by recent activity, and any answer,
      accepted or not, is evidence of it;
    * ``log_answer_count``: log(1 + all-time answers); against the decayed count it lets
      the model choose how fast activity goes stale (two exponentials with different
      half-lives span a family of decays), instead of a hand-set half-life;
    * ``rate_logit``: logit of the Beta-shrunk acceptance rate (``scoring.shrunk_rate``):
      given that they answer, how often their answer is the one accepted;
    * ``log_idle_days``: log(1 + days since their last answer or accept);
    * ``log_tag_answers`` / ``log_tag_accepted``: decayed answers / accepts in the
      question's tags;
    * ``log_category_answers``: decayed answers in the question's category (equal to
      ``log_answers`` on a single-category site; the ridge splits the weight);
    * ``text``: the tempered language-model likelihood ratio of the question under the
      user's profile (``scoring.text_log_likelihood``; 0 for users outside the text
      shortlist).

Fitting
    ``w`` maximises the conditional log-likelihood of the observed accepted answerers
    with a small ridge penalty, by Newton's method (the log-likelihood is concave, so it
    converges in a handful of steps; pure Python, a few thousand rows). Training examples
    come from an inner time split of the training period only: statistics frozen at an
    inner cutoff, examples from the questions after it (up to the outer cutoff), exactly
    as the evaluation itself is set up. Negatives are a uniform sample of the other
    candidates; for a conditional logit a uniform sample of alternatives keeps the
    estimates consistent (McFadden 1978), and it bounds the cost.

``DEFAULT_WEIGHTS`` were fitted that way on the beer.stackexchange.com dump (training
period before its 80/20 cutoff); live routing uses them unless ``EXPERTS_ROUTER_WEIGHTS``
overrides, and the offline evaluation refits on each training period.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from experts import scoring

FEATURES: tuple[str, ...] = (
    "log_answers",
    "log_accepted",
    "log_answer_count",
    "rate_logit",
    "log_idle_days",
    "log_tag_answers",
    "log_tag_accepted",
    "log_category_answers",
    "text",
)

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(FEATURES, 0.0) | {
    "log_answers": 1.0,
    "log_accepted": 1.0,
}


@dataclass(frozen=True)
class Standing:
    """What the stored rows say about one candidate, decayed to ``now``."""

    answers: float
    accepted: float
    answer_count: float
    category_answers: float
    tag_answers: float
    tag_accepted: float
    last_activity_at: datetime | None


def features(
    *, standing: Standing, now: datetime, base_rate: float, strength: float, text: float
) -> list[float]:
    answers = max(standing.answers, standing.accepted)
    rate = scoring.shrunk_rate(
        accepted=standing.accepted, answers=answers, base_rate=base_rate, strength=strength
    )
    rate = min(max(rate, 1e-6), 1 - 1e-6)
    if standing.last_activity_at is None:
        idle = 3650.0
    else:
        idle = max((now - standing.last_activity_at).total_seconds() / 86400.0, 0.0)
    return [
        math.log1p(answers),
        math.log1p(standing.accepted),
        math.log1p(standing.answer_count),
        math.log(rate / (1 - rate)),
        math.log1p(idle),
        math.log1p(standing.tag_answers),
        math.log1p(standing.tag_accepted),
        math.log1p(standing.category_answers),
        text,
    ]


def score(vector: Sequence[float], weights: Mapping[str, float]) -> float:
    return sum(weights.get(name, 0.0) * x for name, x in zip(FEATURES, vector, strict=True))


# --- Fitting ----------------------------------------------------------------------------


@dataclass
class Group:
    """One training question: the chosen candidate's vector and the others'."""

    chosen: list[float]
    others: list[list[float]]


def sample_group(
    *, chosen: list[float], others: list[list[float]], negatives: int, rng: random.Random
) -> Group:
    if len(others) > negatives:
        others = rng.sample(others, negatives)
    return Group(chosen=chosen, others=others)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is tiny and positive
    definite thanks to the ridge)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col and a[r][col]:
                f = a[r][col] / a[col][col]
                for c in range(col, n + 1):
                    a[r][c] -= f * a[col][c]
    return [a[i][n] / a[i][i] if abs(a[i][i]) >= 1e-12 else 0.0 for i in range(n)]


def log_likelihood(groups: Sequence[Group], weights: Sequence[float]) -> float:
    total = 0.0
    for g in groups:
        chosen = sum(w * x for w, x in zip(weights, g.chosen, strict=True))
        logits = [chosen] + [sum(w * x for w, x in zip(weights, o, strict=True)) for o in g.others]
        top = max(logits)
        total += chosen - top - math.log(sum(math.exp(v - top) for v in logits))
    return total


def fit(
    groups: Sequence[Group], *, ridge: float = 1.0, iterations: int = 25, tolerance: float = 1e-6
) -> list[float]:
    """Maximise sum(log P(chosen)) - ridge/2 |w|^2 by Newton's method with step halving."""
    n = len(groups[0].chosen)
    w = [0.0] * n
    current = log_likelihood(groups, w)
    for _ in range(iterations):
        grad = [-ridge * wi for wi in w]
        hess = [[(-ridge if i == j else 0.0) for j in range(n)] for i in range(n)]
        for g in groups:
            rows = [g.chosen, *g.others]
            logits = [sum(wi * x for wi, x in zip(w, row, strict=True)) for row in rows]
            top = max(logits)
            exps = [math.exp(v - top) for v in logits]
            z = sum(exps)
            probs = [e / z for e in exps]
            mean = [sum(p * row[i] for p, row in zip(probs, rows, strict=True)) for i in range(n)]
            for i in range(n):
                grad[i] += g.chosen[i] - mean[i]
            for p, row in zip(probs, rows, strict=True):
                centred = [row[i] - mean[i] for i in range(n)]
                for i in range(n):
                    ci = p * centred[i]
                    if ci:
                        hrow = hess[i]
                        for j in range(i, n):
                            hrow[j] -= ci * centred[j]
        for i in range(n):
            for j in range(i):
                hess[i][j] = hess[j][i]
        step = _solve([[-h for h in row] for row in hess], grad)
        scale = 1.0
        while scale > 1e-4:
            candidate = [wi + scale * si for wi, si in zip(w, step, strict=True)]
            value = log_likelihood(groups, candidate) - ridge / 2 * sum(c * c for c in candidate)
            if value >= current - ridge / 2 * sum(c * c for c in w) - 1e-12:
                break
            scale /= 2
        else:
            break
        gain = value - (current - ridge / 2 * sum(c * c for c in w))
        w = candidate
        current = log_likelihood(groups, w)
        if abs(gain) < tolerance:
            break
    return w


def as_weights(vector: Sequence[float]) -> dict[str, float]:
    return dict(zip(FEATURES, vector, strict=True))
