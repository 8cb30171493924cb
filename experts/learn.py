"""The learned router: a conditional logit over a handful of standing features.

Model
    For a question ``q`` and its candidates ``U``, the probability that ``u`` gives the
    accepted answer is a softmax (McFadden's conditional logit, the discrete-choice
    model behind "learning to rank" with a listwise likelihood)::

        P(u | q) = exp(w . x(u, q)) / sum_v exp(w . x(v, q))

    ``x`` is a short vector of features computed only from stored statistics (the same
    rows the live router already reads), so the live path stays an indexed pre-filter
    followed by O(candidates x features) arithmetic:

    * ``log_answers``: log(1 + decayed answers, accepted or not): whether a user answers
      at all soon is dominated by how much they answered lately;
    * ``log_category_answers``: the same within the question's category;
    * ``log_accepted``: log(1 + decayed accepted answers): given that they answer, whether
      theirs is the accepted one (with ``log_answers`` this is a log acceptance rate);
    * ``log_idle_days``: log(1 + days since their last answer or accept): a user who went
      quiet has likely left (communities churn), which one half-life cannot express;
    * ``log_tag_answers``: decayed answers in the question's tags (measured; not in the
      default set, see ``ROUTER_FEATURES``);
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
period before its 80/20 cutoff); live routing uses them when ``EXPERTS_ROUTER_MODEL`` is
"learned" (unless ``EXPERTS_ROUTER_WEIGHTS`` overrides), and the offline evaluation
refits on each training period. It is not the default model: on rolling origins its
fitted weights did not carry from one stretch of history to the next (see
``experts.router``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

FEATURES: tuple[str, ...] = (
    "log_answers",
    "log_category_answers",
    "log_accepted",
    "log_idle_days",
    "text",
    # Measured and left out of the default set (see ROUTER_FEATURES).
    "log_tag_answers",
)

# Fitted unless a caller names its own set. ``log_tag_answers`` (decayed answers in the
# question's tags) got a positive weight on the inner split yet cost 0.03 MRR at the
# 2016-06 cutoff and gained nothing elsewhere; tag standing still enters through the
# candidate pre-filter (top answerers per tag) and the ``#tag`` terms of the text model.
ROUTER_FEATURES: tuple[str, ...] = FEATURES[:-1]

# The direction each feature may push, from what it means: more activity, accepts or
# text match never make a user less likely to answer, idleness never more. ``fit_weights``
# drops a feature whose fitted weight comes out against its sign (an artefact of a short,
# non-stationary training window) and refits without it.
SIGNS: dict[str, int] = dict.fromkeys(FEATURES, 1) | {"log_idle_days": -1}

# Fitted by ``experts.evaluation.fit_weights`` on beer.stackexchange.com, training period
# before its 80/20 cutoff (inner splits at 60/70/80 % of it, ridge 1, sign constraints).
# On a one-category site the two activity features are nearly collinear and the ridge
# shares their weight, so a multi-category forum starts with in-category activity
# counting about as much as overall activity. Refit per community when it has history
# (``manage.py experts_evaluate`` prints the weights it fits; set EXPERTS_ROUTER_WEIGHTS).
DEFAULT_WEIGHTS: dict[str, float] = {
    "log_answers": 0.68,
    "log_category_answers": 0.43,
    "log_accepted": 0.80,
    "log_idle_days": -0.40,
    "text": 1.44,
    "log_tag_answers": 0.0,
}


@dataclass(frozen=True)
class Standing:
    """What the stored rows say about one candidate, decayed to ``now``."""

    answers: float
    accepted: float
    category_answers: float
    tag_answers: float
    last_activity_at: datetime | None


def features(*, standing: Standing, now: datetime, text: float) -> list[float]:
    """The vector in the order of ``FEATURES``."""
    answers = max(standing.answers, standing.accepted)
    if standing.last_activity_at is None:
        idle = 3650.0
    else:
        idle = max((now - standing.last_activity_at).total_seconds() / 86400.0, 0.0)
    return [
        math.log1p(answers),
        math.log1p(max(standing.category_answers, 0.0)),
        math.log1p(standing.accepted),
        math.log1p(idle),
        text,
        math.log1p(standing.tag_answers),
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
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
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
