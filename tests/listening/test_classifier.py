"""The support classifier on our labelled sample (tests/listening/data/labelled_posts.jsonl):
220 hand-written brand mentions, half of them support requests, each with a category and
an urgency. Trained on a fixed 70 % split plus the committed corpora, measured on the other
30 %; bench/listening_classifier_eval.py prints the full numbers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from listening import classifier

SAMPLE = Path(__file__).parent / "data" / "labelled_posts.jsonl"


def labelled() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def split(rows: list[dict], seed: int = 7) -> tuple[list[dict], list[dict]]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    cut = int(len(rows) * 0.7)
    return rows[:cut], rows[cut:]


def trained_on(train: list[dict]) -> classifier.Model:
    questions = [(text, None) for text in classifier.seed_question_corpus()]
    questions += [(r["text"], r["category"]) for r in train if r["support"]]
    negatives = classifier.non_question_corpus() + [r["text"] for r in train if not r["support"]]
    return classifier.train(questions=questions, non_questions=negatives)


def test_the_labelled_sample_is_large_enough_and_well_formed():
    rows = labelled()
    assert len(rows) >= 200
    assert {r["support"] for r in rows} == {True, False}
    for row in rows:
        assert row["text"].strip()
        if row["support"]:
            assert row["category"] in {"printers", "networking", "billing", "app"}
            assert row["urgency"] in {"low", "normal", "high"}
    assert len(classifier.non_question_corpus()) >= 150


def test_on_the_held_out_split_precision_and_recall_of_support_requests_are_high():
    train, test = split(labelled())
    model = trained_on(train)
    tp = fp = fn = 0
    for row in test:
        predicted = model.classify(row["text"]).is_support
        tp += predicted and row["support"]
        fp += predicted and not row["support"]
        fn += (not predicted) and row["support"]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    # Measured: precision 0.85, recall 1.00 (seed 7). The floor leaves room for corpus edits.
    assert precision >= 0.8
    assert recall >= 0.9


def test_on_the_held_out_split_most_support_requests_get_the_right_category():
    train, test = split(labelled())
    model = trained_on(train)
    support = [r for r in test if r["support"]]
    right = sum(model.classify(r["text"]).category == r["category"] for r in support)
    assert right / len(support) >= 0.75


def test_a_decision_is_explained_by_the_weights_of_the_terms_it_matched():
    model = trained_on(labelled())
    text = "My Lumio printer shows a paper jam, how do I fix it? urgent!!"
    result = model.classify(text)
    support = result.explanation["support"]
    assert result.is_support
    assert support["probability"] == pytest.approx(result.probability, abs=0.001)
    terms = {t["term"] for t in support["for"]}
    assert terms & {"how do", "fix", "[question mark]", "how"}
    assert all(t["weight"] > 0 for t in support["for"])
    # The explanation adds up: prior + every matched weight is the logit.
    logit, contributions = model.support_score(classifier.features(text))
    assert logit == pytest.approx(model.support_prior + sum(contributions.values()))
    assert result.explanation["category"]["slug"] == "printers"
    assert result.urgency == "high"
    assert result.explanation["urgency"]["rules"]


def test_praise_and_news_are_not_support_requests():
    model = trained_on(labelled())
    assert not model.classify("Lumio announces record revenue and a new factory.").is_support
    assert not model.classify("Love my new Lumio router, best purchase this year.").is_support


def test_urgency_rules_are_readable_and_ordered():
    assert classifier.urgency_of("I was charged twice, refund please")[0] == "high"
    assert classifier.urgency_of("just wondering if it does duplex")[0] == "low"
    assert classifier.urgency_of("how do I print on envelopes")[0] == "normal"


def test_a_model_survives_the_round_trip_through_json():
    model = trained_on(labelled())
    again = classifier.Model.from_json(json.loads(json.dumps(model.to_json())))
    text = "The Lumio app keeps logging me out, how do I fix that?"
    assert again.classify(text) == model.classify(text)
