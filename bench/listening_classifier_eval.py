"""How well does the listening classifier sort brand mentions?

On the labelled sample tests/listening/data/labelled_posts.jsonl (220 hand-written brand
mentions: 110 support requests with category and urgency, 110 news/marketing/praise):

* **held-out split** (seed 7, 70 % train / 30 % test), the split the tests use;
* **5-fold cross-validation**, mean and range, so one lucky split does not decide;
* **day one**: the support model trained only on the committed corpora (seed questions vs.
  non-questions), no labelled data at all, as on a fresh install before the community
  has threads (categories still need some labelled questions, so they come from the split);
* a threshold sweep (precision/recall trade-off), urgency accuracy, and throughput.

    .venv/bin/python bench/listening_classifier_eval.py

Pure Python: no database, no Django setup needed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from listening import classifier

SAMPLE = Path(__file__).resolve().parent.parent / "tests/listening/data/labelled_posts.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def fit(train: list[dict], *, labelled_support: bool = True) -> classifier.Model:
    questions = [(t, None) for t in classifier.seed_question_corpus()]
    negatives = classifier.non_question_corpus()
    if labelled_support:
        questions += [(r["text"], r["category"]) for r in train if r["support"]]
        negatives += [r["text"] for r in train if not r["support"]]
        return classifier.train(questions=questions, non_questions=negatives)
    support_only = classifier.train(questions=questions, non_questions=negatives)
    with_categories = classifier.train(
        questions=questions + [(r["text"], r["category"]) for r in train if r["support"]],
        non_questions=negatives,
    )
    support_only.category_priors = with_categories.category_priors
    support_only.category_weights = with_categories.category_weights
    return support_only


def score(model: classifier.Model, test: list[dict], threshold: float = 0.5) -> dict[str, float]:
    tp = fp = fn = tn = 0
    cat_right = urg_right = n_support = 0
    for row in test:
        result = model.classify(row["text"])
        predicted = result.probability >= threshold
        truth = row["support"]
        tp += predicted and truth
        fp += predicted and not truth
        fn += (not predicted) and truth
        tn += (not predicted) and not truth
        if truth:
            n_support += 1
            cat_right += result.category == row["category"]
            urg_right += result.urgency == row["urgency"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "accuracy": (tp + tn) / len(test),
        "category_accuracy": cat_right / n_support,
        "urgency_accuracy": urg_right / n_support,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
    }  # fmt: skip


def line(name: str, m: dict[str, float]) -> str:
    return (
        f"{name:<28} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
        f"acc={m['accuracy']:.3f} category={m['category_accuracy']:.3f} "
        f"urgency={m['urgency_accuracy']:.3f}"
    )


def main() -> None:
    rows = load()
    print(f"labelled sample: {len(rows)} items, {sum(r['support'] for r in rows)} support")
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    cut = int(len(shuffled) * 0.7)
    train, test = shuffled[:cut], shuffled[cut:]
    print(f"held-out split: train {len(train)}, test {len(test)}")

    model = fit(train)
    held = score(model, test)
    print(
        line("held-out (seed 7)", held),
        f"tp={held['tp']} fp={held['fp']} fn={held['fn']} tn={held['tn']}",
    )
    print(line("day one (corpora only)", score(fit(train, labelled_support=False), test)))

    folds = 5
    order = list(rows)
    random.Random(11).shuffle(order)
    results = []
    for k in range(folds):
        fold_test = order[k::folds]
        fold_train = [r for i, r in enumerate(order) if i % folds != k]
        results.append(score(fit(fold_train), fold_test))
    for key in ("precision", "recall", "category_accuracy"):
        values = [r[key] for r in results]
        mean = sum(values) / folds
        print(f"5-fold {key:<18} mean={mean:.3f} min={min(values):.3f} max={max(values):.3f}")

    print("threshold sweep (held-out):")
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        m = score(model, test, threshold)
        print(f"  t={threshold:<4} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}")

    started = time.perf_counter()
    n = 0
    for _ in range(20):
        for row in rows:
            model.classify(row["text"])
            n += 1
    elapsed = time.perf_counter() - started
    print(f"throughput: {n / elapsed:,.0f} items/s ({elapsed / n * 1e6:.0f} µs per item)")
    size_kib = len(json.dumps(model.to_json())) // 1024
    print(
        f"model: {len(model.support_weights)} support features, "
        f"{len(model.category_weights)} category features, {size_kib} KiB JSON"
    )

    print("misclassified on the held-out split:")
    for row in test:
        result = model.classify(row["text"])
        if result.is_support != row["support"]:
            top = ", ".join(t["term"] for t in result.explanation["support"]["for"][:3])
            kind = "FP" if result.is_support else "FN"
            print(f"  {kind} p={result.probability:.2f} [{top}] {row['text']}")


if __name__ == "__main__":
    main()
