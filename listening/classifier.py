"""A transparent classifier for postings: support request or not, category, urgency.

Two naive Bayes models over the same features, plus rules for urgency:

* **support**: binary naive Bayes. Positives are our own community's questions (thread
  title + question text) and a small committed seed of support questions; negatives a
  committed corpus of brand mentions that are not questions (news, marketing, praise).
  Each feature's weight is a log-likelihood ratio, so a decision is the prior plus the
  sum of the weights of the features present, and the explanation lists exactly those.
* **category**: multinomial naive Bayes over forum categories, trained on our threads.
* **urgency**: a short list of readable rules (``URGENCY_RULES``), no learning.

Features are lower-cased words and word bigrams, counted once per document (binarised
naive Bayes suits short texts), plus ``?`` as the feature ``[question mark]``.
The whole model is a JSON document of weights: inspectable in the admin, stored in the
database, no library needed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_VERSION = "nb-1"
DATA_DIR = Path(__file__).resolve().parent / "data"
QUESTION_MARK = "[question mark]"
MAX_FEATURES = 30_000
MAX_INPUT_CHARS = 4_000
ALPHA = 1.0  # Laplace smoothing

_WORD = re.compile(r"[a-z0-9äöüß]+(?:'[a-z]+)?")
# Brand and product names would otherwise be the strongest "not support" words: every
# mention names the brand. Dropping a few very common function words keeps explanations
# readable without hurting accuracy.
_STOP = frozenset({"the", "a", "an", "and", "of", "to", "in", "on", "for", "is", "it", "at"})


def features(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text[:MAX_INPUT_CHARS].lower()) if w not in _STOP]
    found = set(words)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    if "?" in text[:MAX_INPUT_CHARS]:
        found.add(QUESTION_MARK)
    return found


# --- urgency rules (checked in order; the first level with a match wins) ---------------------

URGENCY_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (level, label, re.compile(pattern, re.IGNORECASE))
    for level, label, pattern in [
        ("high", "urgent wording", r"\b(urgent|urgently|asap|emergency|immediately|right now)\b"),
        ("high", "money taken", r"\b(charged twice|double[- ]charged|refund|fraud|stolen)\b"),
        ("high", "service down", r"\b(outage|is down|went down|completely dead|bricked)\b"),
        ("high", "locked out or data lost",
         r"\b(locked out|lost (?:all )?(?:my )?\w*\s?data|hacked)\b"),
        ("high", "waiting long",
         r"\b(\d+|two|three|four|five|several) (days|weeks) (now|already|and)\b"),
        ("high", "threat to leave",
         r"\b(cancel(?:ling|ing)? my|lawyer|never buying|switching to)\b"),
        ("high", "several exclamation marks", r"!{2,}"),
        ("low", "casual curiosity",
         r"\b(just wondering|curious|any tips|would be nice|feature request|is there a way)\b"),
    ]
]  # fmt: skip


def urgency_of(text: str) -> tuple[str, list[str]]:
    matched: dict[str, list[str]] = defaultdict(list)
    for level, label, pattern in URGENCY_RULES:
        hit = pattern.search(text[:MAX_INPUT_CHARS])
        if hit:
            matched[level].append(f"{label}: “{hit.group(0)}”")
    for level in ("high", "low"):
        if matched[level]:
            return level, matched[level]
    return "normal", []


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    is_support: bool
    probability: float
    category: str | None
    category_probability: float
    urgency: str
    explanation: dict[str, Any] = field(default_factory=dict)


def _sigmoid(x: float) -> float:
    if x < -50:
        return 0.0
    if x > 50:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def _top(contributions: dict[str, float], n: int, *, reverse: bool) -> list[dict[str, Any]]:
    ranked = sorted(contributions.items(), key=lambda kv: kv[1], reverse=reverse)
    return [
        {"term": term, "weight": round(weight, 3)}
        for term, weight in ranked[:n]
        if (weight > 0 if reverse else weight < 0)
    ]


@dataclass
class Model:
    """Weights only; ``train`` builds one, ``to_json``/``from_json`` store it."""

    support_prior: float
    support_weights: dict[str, float]
    category_priors: dict[str, float]
    category_weights: dict[str, dict[str, float]]
    threshold: float = 0.5
    version: str = MODEL_VERSION
    trained_on: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "support": {"prior": self.support_prior, "weights": self.support_weights},
            "category": {"priors": self.category_priors, "weights": self.category_weights},
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, threshold: float = 0.5) -> Model:
        return cls(
            support_prior=float(data["support"]["prior"]),
            support_weights=data["support"]["weights"],
            category_priors=data["category"]["priors"],
            category_weights=data["category"]["weights"],
            threshold=threshold,
            version=data.get("version", MODEL_VERSION),
            trained_on=data.get("trained_on", {}),
        )

    def support_score(self, feats: set[str]) -> tuple[float, dict[str, float]]:
        contributions = {f: self.support_weights[f] for f in feats if f in self.support_weights}
        return self.support_prior + sum(contributions.values()), contributions

    def category_scores(self, feats: set[str]) -> dict[str, float]:
        scores = dict(self.category_priors)
        for f in feats:
            for slug, weight in self.category_weights.get(f, {}).items():
                scores[slug] += weight
        return scores

    def classify(self, text: str) -> Classification:
        feats = features(text)
        logit, contributions = self.support_score(feats)
        probability = _sigmoid(logit)
        is_support = probability >= self.threshold
        explanation: dict[str, Any] = {
            "model": self.version,
            "support": {
                "probability": round(probability, 3),
                "threshold": self.threshold,
                "prior": round(self.support_prior, 3),
                "for": _top(contributions, 8, reverse=True),
                "against": _top(contributions, 5, reverse=False),
                "unknown_terms": len(feats) - len(contributions),
            },
        }
        category, category_probability = None, 0.0
        if self.category_priors:
            scores = self.category_scores(feats)
            best = max(scores, key=lambda slug: scores[slug])
            top = scores[best]
            total = sum(math.exp(s - top) for s in scores.values())
            category, category_probability = best, 1.0 / total
            # What made this category win: each term's weight here minus its mean elsewhere.
            others = [s for s in self.category_priors if s != best]
            margins: dict[str, float] = {}
            for f in feats:
                row = self.category_weights.get(f)
                if row and others:
                    margins[f] = row[best] - sum(row[o] for o in others) / len(others)
            explanation["category"] = {
                "slug": best,
                "probability": round(category_probability, 3),
                "terms": _top(margins, 6, reverse=True),
            }
        urgency, rules = urgency_of(text)
        explanation["urgency"] = {"level": urgency, "rules": rules}
        return Classification(
            is_support=is_support,
            probability=probability,
            category=category,
            category_probability=category_probability,
            urgency=urgency,
            explanation=explanation,
        )


def train(
    *,
    questions: Iterable[tuple[str, str | None]],
    non_questions: Iterable[str],
    threshold: float = 0.5,
) -> Model:
    """Fit both models. ``questions`` are (text, category slug or None) pairs."""
    pos: Counter[str] = Counter()
    neg: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    docs_per_category: Counter[str] = Counter()
    n_pos = n_neg = 0
    for text, slug in questions:
        feats = features(text)
        pos.update(feats)
        n_pos += 1
        if slug:
            by_category[slug].update(feats)
            docs_per_category[slug] += 1
    for text in non_questions:
        neg.update(features(text))
        n_neg += 1
    if not n_pos or not n_neg:
        raise ValueError("training needs at least one question and one non-question")

    vocabulary = [t for t, _ in (pos + neg).most_common(MAX_FEATURES)]
    # Bernoulli-style estimate per document: P(term | class) = (docs with term + a) / (docs + 2a).
    weights = {}
    for term in vocabulary:
        p_pos = (pos[term] + ALPHA) / (n_pos + 2 * ALPHA)
        p_neg = (neg[term] + ALPHA) / (n_neg + 2 * ALPHA)
        weights[term] = round(math.log(p_pos / p_neg), 4)
    prior = math.log(n_pos / n_neg)

    category_priors: dict[str, float] = {}
    category_weights: dict[str, dict[str, float]] = {}
    if len(docs_per_category) >= 2:
        n_docs = sum(docs_per_category.values())
        category_priors = {s: math.log(c / n_docs) for s, c in docs_per_category.items()}
        cat_vocab = {t for counts in by_category.values() for t in counts}
        totals = {s: sum(c.values()) for s, c in by_category.items()}
        size = len(cat_vocab)
        for term in cat_vocab:
            category_weights[term] = {
                s: round(math.log((by_category[s][term] + ALPHA) / (totals[s] + ALPHA * size)), 4)
                for s in docs_per_category
            }
        # Features absent from a category's training data still get the smoothed weight above,
        # so every class is scored over the same features.
    trained_on = {"questions": n_pos, "non_questions": n_neg, **dict(docs_per_category)}
    return Model(
        support_prior=prior,
        support_weights=weights,
        category_priors=category_priors,
        category_weights=category_weights,
        threshold=threshold,
        trained_on=trained_on,
    )


def committed_lines(name: str) -> list[str]:
    """A committed corpus in listening/data/: one text per line, # starts a comment."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def non_question_corpus() -> list[str]:
    return committed_lines("non_questions.txt")


def seed_question_corpus() -> list[str]:
    return committed_lines("seed_questions.txt")
