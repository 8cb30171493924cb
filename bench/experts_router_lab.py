"""Lab: measure candidate routing models on a Stack Exchange dump at several cutoffs.

    .venv/bin/python bench/experts_router_lab.py DUMP_DIR [CUTOFF ...]

Each cutoff an ISO datetime (default: 2016-06-01, 2017-01-01, 2017-06-01 and the 80/20
split). Prints MRR of the router, the baselines and the variants in ``LAB_MODELS``:
``act<h>`` decayed answer activity (any answers) with half-life h days; ``actrate<h>``
the same times the Beta-shrunk acceptance rate; the others the conditional logit of
``experts.learn`` fitted on the training period with another feature set.

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


def learned(features=None, ridge=1.0, signs=True, shares=(0.6, 0.7, 0.8)):
    def make(replica, history, cutoff):
        weights = evaluation.fit_weights(
            history, cutoff, features=features, ridge=ridge, signs=signs, shares=shares
        )
        print("   ", {k: round(v, 2) for k, v in weights.items() if v}, flush=True)
        return lambda q, users: replica.learned_scores(q, users, weights)

    return make


LAB_MODELS = {
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


def main() -> None:
    history = load(sys.argv[1])
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
