from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from experts import learn, scoring
from experts.evaluation import (
    AnswerRec,
    History,
    QuestionRec,
    accepted_cases,
    evaluate,
    evaluate_rolling,
    fit_weights,
    load_history_xml,
    metrics_from_ranks,
    paired_difference_ci,
    rank_of,
)

T0 = datetime(2020, 1, 1, tzinfo=UTC)


def _dump(tmp_path):
    """A tiny Stack Exchange dump: user 10 answers hop questions, user 20 yeast ones."""
    rows = []
    votes = []
    pid = 1
    for n in range(40):
        topic = "hops" if n % 2 else "yeast"
        expert = 10 if topic == "hops" else 20
        asker = 100 + n
        q, a, noise = pid, pid + 1, pid + 2
        pid += 3
        day = T0 + timedelta(days=n)
        rows.append(
            f'<row Id="{q}" PostTypeId="1" AcceptedAnswerId="{a}" '
            f'CreationDate="{day:%Y-%m-%dT%H:%M:%S}.000" OwnerUserId="{asker}" Score="99" '
            f'Title="Question about {topic} number {n}" Body="&lt;p&gt;{topic} {topic} '
            f'brewing&lt;/p&gt;" Tags="&lt;{topic}&gt;" />'
        )
        rows.append(
            f'<row Id="{a}" PostTypeId="2" ParentId="{q}" OwnerUserId="{expert}" '
            f'CreationDate="{day + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}.000" Score="5" />'
        )
        rows.append(
            f'<row Id="{noise}" PostTypeId="2" ParentId="{q}" OwnerUserId="30" '
            f'CreationDate="{day + timedelta(hours=2):%Y-%m-%dT%H:%M:%S}.000" Score="1" />'
        )
        votes.append(
            f'<row Id="{n + 1}" PostId="{a}" VoteTypeId="1" '
            f'CreationDate="{day:%Y-%m-%d}T00:00:00.000" />'
        )
    (tmp_path / "Posts.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>"
    )
    (tmp_path / "Votes.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<votes>\n' + "\n".join(votes) + "\n</votes>"
    )
    return tmp_path


def test_ties_share_the_average_rank_and_missing_targets_rank_last():
    assert rank_of({1: 3.0, 2: 1.0, 3: 1.0}, 2) == 2.5
    assert rank_of({1: 3.0, 2: 1.0}, 9) == 3
    assert metrics_from_ranks([1, 2, 10]) == pytest.approx(
        {"MRR": (1 + 0.5 + 0.1) / 3, "Hit@1": 1 / 3, "Hit@5": 2 / 3, "Hit@10": 1.0}
    )


def test_the_router_learns_topics_from_the_xml_dump(tmp_path):
    history = load_history_xml(_dump(tmp_path))
    assert len(history.questions) == 40
    result = evaluate(history)
    summary = result.summary()
    # Topic decides the expert: the router finds them, raw counts cannot tell them apart.
    assert summary["router"]["Hit@1"] == 1.0
    assert summary["router"]["MRR"] > summary["baselines"]["accepted_count"]["MRR"]


def test_training_never_sees_answers_after_the_cutoff():
    q = QuestionRec(
        id=1, author_id=5, created_at=T0, category_id=0, title="t", body="b", tags=(),
        accepted_answer_id=2,
    )  # fmt: skip
    later = QuestionRec(
        id=3, author_id=6, created_at=T0 + timedelta(days=10), category_id=0, title="t",
        body="b", tags=(), accepted_answer_id=4,
    )  # fmt: skip
    history = History(
        questions={1: q, 3: later},
        answers={
            2: AnswerRec(id=2, question_id=1, author_id=7, created_at=T0, accepted_at=T0),
            4: AnswerRec(
                id=4, question_id=3, author_id=8, created_at=later.created_at,
                accepted_at=later.created_at,
            ),
        },
    )  # fmt: skip
    result = evaluate(history, cutoff=T0 + timedelta(days=5))
    assert result.candidates == 1  # only user 7 answered before the cutoff
    assert result.ranks["router"] == [2.0]  # user 8 is unknown: ranked last


def test_the_command_prints_json_with_router_and_baselines(tmp_path, capsys):
    call_command("experts_evaluate", "--json", "--source", "xml", str(_dump(tmp_path)))
    data = json.loads(capsys.readouterr().out)
    assert {"router", "baselines", "alternatives", "weights"} <= set(data)
    assert set(data["alternatives"]) == {"learned_model"}
    assert data["model"] == "candidate"
    # Two experts answering every other day: a timescale is chosen from the ladder.
    assert data["routing_half_life_days"] in scoring.ACTIVITY_HALF_LIVES_DAYS
    assert (
        data["ci95"]["router"]["MRR"][0]
        <= data["router"]["MRR"]
        <= data["ci95"]["router"]["MRR"][1]
    )
    lead = data["router_minus_baseline"]["accepted_count"]["MRR"]
    assert lead["difference"] == pytest.approx(
        data["router"]["MRR"] - data["baselines"]["accepted_count"]["MRR"]
    )
    assert lead["ci"][0] <= lead["difference"] <= lead["ci"][1]
    assert set(data["baselines"]) == {
        "accepted_count",
        "decayed_accepted_count",
        "tag_answer_count",
    }
    assert set(data["router"]) == {"MRR", "Hit@1", "Hit@5", "Hit@10"}


def test_the_command_prints_confidence_intervals(tmp_path, capsys):
    call_command("experts_evaluate", "--source", "xml", str(_dump(tmp_path)), "--bootstrap", "50")
    out = capsys.readouterr().out
    assert "router" in out and "MRR" in out and "[" in out


def test_a_cutoff_that_leaves_no_test_questions_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="Nothing to evaluate"):
        call_command("experts_evaluate", "--source", "xml", str(_dump(tmp_path)),
                     "--cutoff", "2031-01-01")  # fmt: skip


@pytest.mark.django_db
def test_the_command_reads_the_database_too(customer, expert, category, capsys):
    import time_machine

    from tests.experts.helpers import solved_question

    for n in range(5):
        with time_machine.travel(T0 + timedelta(days=n), tick=False):
            solved_question(
                asker=customer, answerer=expert, category=category, title=f"Database question {n}"
            )
    call_command("experts_evaluate", "--json", "--source", "db")
    data = json.loads(capsys.readouterr().out)
    assert data["router"]["MRR"] == 1.0


def test_training_examples_never_use_an_accept_made_after_the_cutoff():
    q = QuestionRec(
        id=1, author_id=5, created_at=T0, category_id=0, title="t", body="b", tags=(),
        accepted_answer_id=2,
    )  # fmt: skip
    history = History(
        questions={1: q},
        answers={
            2: AnswerRec(
                id=2, question_id=1, author_id=7, created_at=T0,
                accepted_at=T0 + timedelta(days=30),
            )
        },
    )  # fmt: skip
    assert accepted_cases(history, start=T0, end=T0 + timedelta(days=10)) == []
    assert [t for _, t in accepted_cases(history, start=T0, end=T0 + timedelta(days=40))] == [7]


def test_too_short_a_training_period_falls_back_to_the_default_weights(tmp_path):
    history = load_history_xml(_dump(tmp_path))
    assert fit_weights(history, T0 + timedelta(days=3)) is None
    result = evaluate(history, cutoff=T0 + timedelta(days=3))
    assert not result.weights_fitted
    assert result.weights == learn.DEFAULT_WEIGHTS


def test_the_evaluation_reports_how_many_accepted_answerers_were_known(tmp_path):
    history = load_history_xml(_dump(tmp_path))
    result = evaluate(history)
    assert result.known_targets == result.test_questions  # the two experts answer throughout
    assert set(result.weights) == set(learn.FEATURES)


def test_a_paired_difference_of_identical_rankings_is_exactly_zero():
    ranks = [1.0, 3.0, 2.0, 10.0, 1.0]
    for difference, low, high in paired_difference_ci(ranks, ranks, samples=200).values():
        assert (difference, low, high) == (0.0, 0.0, 0.0)


def test_a_model_that_is_always_one_place_ahead_is_clearly_better_paired():
    # Separate intervals of the two models overlap; the paired one shows the lead.
    reference = [float(r) for r in (2, 3, 5, 2, 8, 4, 3, 2, 6, 2) * 3]
    better = [r - 1 for r in reference]
    mrr = paired_difference_ci(better, reference, samples=500)["MRR"]
    assert mrr[0] > 0 and mrr[1] > 0  # the whole interval is above zero
    with pytest.raises(ValueError):
        paired_difference_ci(better, reference[:-1])


def test_the_static_oracle_bound_is_reported_and_bounds_every_static_baseline(tmp_path):
    result = evaluate(load_history_xml(_dump(tmp_path)))
    summary = result.summary()
    # The accepted-count baseline ranks everyone the same way for every question.
    assert summary["baselines"]["accepted_count"]["MRR"] <= result.static_oracle_mrr + 1e-9
    assert 0 < result.static_oracle_mrr <= 1


def test_rolling_origins_pool_the_folds_test_questions(tmp_path):
    history = load_history_xml(_dump(tmp_path))
    pooled, folds = evaluate_rolling(history, folds=3)
    assert len(folds) == 3
    # Each fold tests only until the next cutoff: no question is counted twice.
    assert [f.end for f in folds[:-1]] == [f.cutoff for f in folds[1:]]
    assert folds[-1].end is None
    assert pooled.test_questions == sum(f.test_questions for f in folds)
    assert len(pooled.ranks["router"]) == pooled.test_questions
    assert metrics_from_ranks(pooled.ranks["router"])["Hit@1"] == 1.0


def test_the_command_runs_rolling_origins_and_lists_the_folds(tmp_path, capsys):
    call_command(
        "experts_evaluate", "--json", "--rolling", "3", "--source", "xml", str(_dump(tmp_path))
    )
    data = json.loads(capsys.readouterr().out)
    assert len(data["folds"]) == 3
    assert data["test_questions"] == sum(f["test_questions"] for f in data["folds"])
    assert set(data["folds"][0]["MRR"]) >= {"router", "decayed_accepted_count"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rolling", "3", "--cutoff", "2020-01-20"], "leave out --cutoff"),
        (["--rolling", "0"], "1 to 20 folds"),
    ],
)
def test_bad_rolling_arguments_fail_clearly(tmp_path, extra, message):
    with pytest.raises(CommandError, match=message):
        call_command("experts_evaluate", "--source", "xml", str(_dump(tmp_path)), *extra)


def test_the_learned_model_can_be_evaluated_as_the_router(tmp_path, settings):
    settings.EXPERTS_ROUTER_MODEL = "learned"
    result = evaluate(load_history_xml(_dump(tmp_path)))
    assert result.model == "learned"
    assert set(result.summary()["alternatives"]) == {"candidate_model"}
