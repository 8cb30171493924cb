"""Lab: measure candidate routing models on a Stack Exchange dump at several cutoffs.

    .venv/bin/python bench/experts_router_lab.py DUMP_DIR [CUTOFF ... | --rolling N]

Each cutoff an ISO datetime (default: 2016-06-01, 2017-01-01, 2017-06-01 and the 80/20
split); ``--rolling N`` instead pools N rolling-origin folds (as ``experts_evaluate
--rolling``). Prints MRR of the router, the baselines and the variants in ``LAB_MODELS``:
``act<h>`` decayed answer activity (any answers) with half-life h days; ``actrate<h>``
the same times the Beta-shrunk acceptance rate; ``cand_tag_nb`` the candidate model plus
naive-Bayes tag evidence whose Dirichlet smoothing is estimated from the training period
(prequential likelihood of the next answer's tags, no routing labels); the others the
conditional logit of ``experts.learn`` fitted on the training period with another
feature set.

Not part of the app: a place to compare ideas before one goes into experts/.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from experts import evaluation  # noqa: E402


def load(directory: str) -> evaluation.History:
    cache = Path("/tmp/experts_lab_history.pkl")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    history = evaluation.load_history_xml(directory)
    cache.write_bytes(pickle.dumps(history))
    return history


def activity(h_days: float, with_rate: bool = False):
    """Decayed answer-activity rate with half-life h (any answers), optionally times the
    shrunk acceptance rate."""

    def make(replica, history, cutoff):
        from experts import conf, scoring

        h = h_days * 86400.0
        p0 = replica.base_rate(None)
        k = float(conf.get("EXPERTS_PRIOR_STRENGTH"))
        cache = {}
        for u in replica.answerers:
            act = sum(2 ** (-(cutoff - t).total_seconds() / h) for t in replica.answer_times[u])
            value = act
            if with_rate:
                acc, ans = replica.stats[(u, None)].at_time(cutoff, half_life=replica.half_life)
                value = act * scoring.shrunk_rate(
                    accepted=acc, answers=max(ans, acc), base_rate=p0, strength=k
                )
            cache[u] = value
        return lambda q, users: {u: cache.get(u, 0.0) for u in users}

    return make


def tag_smoothing(history, cutoff, half_life: float) -> float:
    """Dirichlet mu for P(tag | user) that best predicts each answer's tags from the
    answerer's earlier (decayed) tag counts: empirical Bayes, no routing labels. Large
    when tags say little about who answers (the evidence then fades by itself)."""
    import math
    from collections import defaultdict

    events = sorted(
        (a.created_at.timestamp(), a.author_id, tuple(set(history.questions[a.question_id].tags)))
        for a in history.answers.values()
        if a.author_id is not None
        and a.question_id in history.questions
        and history.questions[a.question_id].author_id != a.author_id
        and a.created_at < cutoff
    )
    grid = [10 ** (i / 8) for i in range(33)]  # 1 .. 10,000
    counts: dict = defaultdict(float)
    totals: dict = defaultdict(float)
    seen: dict = defaultdict(set)
    last: dict = {}
    background: dict = defaultdict(float)
    background_total = 0.0
    loglik = dict.fromkeys(grid, 0.0)
    for when, user, tags in events:
        if user in last:
            factor = 2 ** (-(when - last[user]) / half_life)
            for tag in seen[user]:
                counts[(user, tag)] *= factor
            totals[user] *= factor
            for tag in tags:
                p = (background[tag] + 1) / (background_total + len(background) + 1)
                for mu in grid:
                    loglik[mu] += math.log((counts[(user, tag)] + mu * p) / (totals[user] + mu))
        last[user] = when
        seen[user].update(tags)
        for tag in tags:
            counts[(user, tag)] += 1
            totals[user] += 1
            background[tag] += 1
            background_total += 1
    return max(grid, key=loglik.__getitem__)


def candidate_with_tag_evidence(replica, history, cutoff):
    import math
    from collections import defaultdict

    mu = tag_smoothing(history, cutoff, replica.half_life)
    print(f"    tag smoothing mu {mu:.0f}", flush=True)
    per_tag: dict = defaultdict(float)
    per_user: dict = defaultdict(float)
    mine: dict = {}
    for (user, tag), d in replica.tag_stats.items():
        answers = d.at_time(cutoff, half_life=replica.half_life)[1]
        mine[(user, tag)] = answers
        per_tag[tag] += answers
        per_user[user] += answers
    total = sum(per_tag.values())

    def score(q, users):
        base = replica.router_scores(q, users)
        out = {}
        for u in users:
            evidence = 0.0
            for tag in set(q.tags):
                p = (per_tag.get(tag, 0.0) + 1) / (total + len(per_tag) + 1)
                n = mine.get((u, tag), 0.0)
                evidence += math.log((n + mu * p) / (per_user.get(u, 0.0) + mu)) - math.log(p)
            out[u] = base.get(u, -1e9) + evidence
        return out

    return score


def learned(features=None, ridge=1.0, signs=True, shares=(0.6, 0.7, 0.8)):
    def make(replica, history, cutoff):
        weights = evaluation.fit_weights(
            history, cutoff, features=features, ridge=ridge, signs=signs, shares=shares
        )
        print("   ", {k: round(v, 2) for k, v in weights.items() if v}, flush=True)
        return lambda q, users: replica.learned_scores(q, users, weights)

    return make


LAB_MODELS = {
    "cand_tag_nb": candidate_with_tag_evidence,
    **{f"act{h}": activity(h) for h in (30, 90, 180, 365)},
    **{f"actrate{h}": activity(h, with_rate=True) for h in (30, 90, 180, 365)},
    "with_tag_feature": learned(
        (
            "log_answers",
            "log_category_answers",
            "log_accepted",
            "log_idle_days",
            "text",
            "log_tag_answers",
        )
    ),
    "no_text": learned(("log_answers", "log_category_answers", "log_accepted", "log_idle_days")),
    "no_idle": learned(("log_answers", "log_category_answers", "log_accepted", "text")),
    "unsigned": learned(signs=False),
    "ridge10": learned(ridge=10.0),
    "splits_5": learned(shares=(0.5, 0.6, 0.7, 0.8, 0.9)),
}


def rolling(history: evaluation.History, folds: int) -> None:
    pooled, _ = evaluation.evaluate_rolling(history, folds=folds, extra_models=LAB_MODELS)
    reference = pooled.ranks["decayed_accepted_count"]
    for name, ranks in pooled.ranks.items():
        diff, low, high = evaluation.paired_difference_ci(ranks, reference)["MRR"]
        mrr = evaluation.metrics_from_ranks(ranks)["MRR"]
        print(f"{name:<24} MRR {mrr:.3f}  vs decayed {diff:+.3f} [{low:+.3f}, {high:+.3f}]")


def main() -> None:
    history = load(sys.argv[1])
    if sys.argv[2:3] == ["--rolling"]:
        rolling(history, int(sys.argv[3]))
        return
    cutoffs = [datetime.fromisoformat(a) for a in sys.argv[2:]] or [
        datetime(2016, 6, 1, tzinfo=UTC),
        datetime(2017, 1, 1, tzinfo=UTC),
        datetime(2017, 6, 1, tzinfo=UTC),
        evaluation.default_cutoff(history),
    ]
    for cutoff in cutoffs:
        t = time.perf_counter()
        result = evaluation.evaluate(history, cutoff=cutoff, extra_models=LAB_MODELS)
        line = f"{cutoff:%Y-%m-%d} n={result.test_questions:<4}"
        for name, ranks in result.ranks.items():
            mrr = evaluation.metrics_from_ranks(ranks)["MRR"]
            line += f" {name}={mrr:.3f}"
        print(line, f"({time.perf_counter() - t:.1f}s)", flush=True)


if __name__ == "__main__":
    main()
