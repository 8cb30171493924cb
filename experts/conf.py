"""Settings of the experts app, each with a default so settings.py stays small.

Override any of them in settings (``EXPERTS_HALF_LIFE_DAYS = 90``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Exponential decay: an accept this old weighs half of one today.
    "EXPERTS_HALF_LIFE_DAYS": 180.0,
    # Beta prior strength k (pseudo-answers) pulling a user's acceptance rate toward the
    # category's base rate: with k=5 a user needs ~5 answers before their own rate
    # dominates.
    "EXPERTS_PRIOR_STRENGTH": 5.0,
    # Base rate used before a category has any history.
    "EXPERTS_DEFAULT_BASE_RATE": 0.3,
    # Routing: Dirichlet pseudo-count backing a category's answerer distribution off to
    # the overall one, and the language model's smoothing mass (in question-terms).
    "EXPERTS_CATEGORY_BACKOFF": 2.0,
    # Jelinek-Mercer weight of the background model (0.5: the profile and the background
    # are equally trusted; not tuned beyond a check of 0.5/0.8/0.95 on the time split).
    "EXPERTS_TEXT_SMOOTHING": 0.5,
    # Routing model: "candidate" (P(u | c) P(q | u) of experts.scoring: no fitted weights,
    # activity on the community's own timescale) or "learned" (experts.learn, a conditional
    # logit fitted per community). Why the default: experts.router, bench/README.md.
    "EXPERTS_ROUTER_MODEL": "candidate",
    # Weights of the learned model by feature name; None: experts.learn.DEFAULT_WEIGHTS.
    # Refit for a community with ``manage.py experts_evaluate`` (it prints the weights it
    # fitted on the training period).
    "EXPERTS_ROUTER_WEIGHTS": None,
    # Profile size and candidate pool: bounded by the 50 ms routing budget at 100k users
    # (bench/experts_route.py). 300 terms measured +0.02 MRR at one cutoff, 0 at another.
    "EXPERTS_PROFILE_TERMS": 100,
    "EXPERTS_ROUTING_CANDIDATES": 120,
    "EXPERTS_ROUTING_TEXT_CANDIDATES": 100,
    "EXPERTS_ROUTING_NOTIFY": 3,
    "EXPERTS_ROUTING_DAILY_CAP": 5,
    "EXPERTS_ROUTING_MAX_WAVES": 3,
    "EXPERTS_ROUTING_RETRY_AFTER": timedelta(hours=24),
    "EXPERTS_ACCEPT_REMINDER_AFTER": timedelta(days=3),
    "EXPERTS_GAMING": {
        # A accepts from askers whom A has accepted >= min_reciprocal times ...
        "ring_min_reciprocal": 2,
        # ... are discounted once such reciprocating askers make up >= ring_share of the
        # accepts A has received (with at least ring_min_accepts of them).
        "ring_share": 0.5,
        "ring_min_accepts": 3,
        "ring_weight": 0.0,
        # Asker and answerer signed up from the same /24 (IPv4) or /64 (IPv6).
        "same_network": True,
        "ipv4_prefix": 24,
        "ipv6_prefix": 64,
    },
}


def get(name: str) -> Any:
    value = getattr(settings, name, DEFAULTS[name])
    if isinstance(DEFAULTS[name], dict):
        return {**DEFAULTS[name], **value}
    return value


def half_life_seconds() -> float:
    return float(get("EXPERTS_HALF_LIFE_DAYS")) * 86400.0
