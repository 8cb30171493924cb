"""Offline evaluation of expert routing with a temporal split (see experts.evaluation)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from experts.evaluation import (
    EvaluationResult,
    NoTestQuestions,
    evaluate,
    evaluate_rolling,
    load_history_db,
    load_history_xml,
    metrics_from_ranks,
)


class Command(BaseCommand):
    help = "Measure how well routing predicts who gives the accepted answer (MRR, Hit@k)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cutoff", help="ISO date; default: 80/20 split of questions by time")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--source",
            nargs="+",
            default=["db"],
            metavar="SOURCE",
            help="'db' (default) or 'xml DIR' (a Stack Exchange dump directory)",
        )
        parser.add_argument("--bootstrap", type=int, default=1000)
        parser.add_argument(
            "--rolling",
            type=int,
            metavar="FOLDS",
            help="rolling-origin evaluation: retrain at FOLDS cutoffs from 50%% to 90%% of "
            "the questions, test each until the next one, pool the test questions",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["source"]
        if source[0] == "xml":
            if len(source) != 2:
                raise CommandError("--source xml needs the dump directory: --source xml DIR")
            history = load_history_xml(source[1])
        elif source == ["db"]:
            history = load_history_db()
        else:
            raise CommandError("--source is 'db' or 'xml DIR'")
        cutoff = None
        if options["cutoff"]:
            try:
                cutoff = datetime.fromisoformat(options["cutoff"])
            except ValueError as exc:
                raise CommandError(f"--cutoff is not an ISO date: {exc}") from exc
            if cutoff.tzinfo is None:
                cutoff = cutoff.replace(tzinfo=UTC)
        folds = []
        if options["rolling"] is not None:
            if cutoff is not None:
                raise CommandError("--rolling chooses its own cutoffs; leave out --cutoff")
            if not 1 <= options["rolling"] <= 20:
                raise CommandError("--rolling takes 1 to 20 folds")
        try:
            if options["rolling"] is not None:
                result, folds = evaluate_rolling(history, folds=options["rolling"])
            else:
                result = evaluate(history, cutoff=cutoff)
        except NoTestQuestions as exc:
            raise CommandError(f"Nothing to evaluate: {exc}.") from exc
        summary = result.summary()
        confidence = result.confidence(samples=options["bootstrap"])
        if options["json"]:
            summary |= {
                "ci95": confidence["intervals"],
                "router_minus_baseline": confidence["router_minus_baseline"],
                "test_questions": result.test_questions,
                "known_targets": result.known_targets,
                "static_oracle_mrr": result.static_oracle_mrr,
                "cutoff": result.cutoff.isoformat(),
                "model": result.model,
                "routing_half_life_days": result.routing_half_life_days,
            }
            if folds:
                summary["folds"] = [_fold_summary(fold) for fold in folds]
            self.stdout.write(json.dumps(summary, indent=2, sort_keys=True))
            return
        for fold in folds:
            cells = "  ".join(
                f"{name} {metrics_from_ranks(ranks)['MRR']:.3f}"
                for name, ranks in fold.ranks.items()
            )
            self.stdout.write(
                f"fold {fold.cutoff:%Y-%m-%d} ({fold.test_questions} questions) MRR: {cells}"
            )
        scope = f"{len(folds)} rolling folds pooled, first " if folds else ""
        self.stdout.write(
            f"{scope}cutoff {result.cutoff:%Y-%m-%d %H:%M} UTC, {result.test_questions} test "
            f"questions, {result.candidates} candidate answerers; {result.known_targets} "
            "accepted answerers had answered before their cutoff (newcomers rank last under "
            "every model)"
        )
        self.stdout.write(
            f"bound: MRR {result.static_oracle_mrr:.3f} for the best ranking that is the same "
            "for every question (it knows who went on to win how many; only per-question "
            "signals such as text and tags can beat it)"
        )
        self.stdout.write(
            f"router: the {result.model} model (EXPERTS_ROUTER_MODEL); routing timescale "
            f"{result.routing_half_life_days:g} days, chosen from the training period"
        )
        source = "fitted on the training period" if result.weights_fitted else "defaults"
        weights = ", ".join(f"{k} {v:+.2f}" for k, v in result.weights.items())
        self.stdout.write(f"learned model weights ({source}): {weights}")
        for name, ranks in result.ranks.items():
            metrics = metrics_from_ranks(ranks)
            ci = confidence["intervals"][name]
            cells = "  ".join(
                f"{k} {v:.3f} [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" for k, v in metrics.items()
            )
            self.stdout.write(f"{name:<24} {cells}")
        self.stdout.write(
            "router minus baseline (paired bootstrap; clearly better = interval above 0):"
        )
        for name, diffs in confidence["router_minus_baseline"].items():
            cells = "  ".join(
                f"{k} {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]"
                for k, d in diffs.items()
            )
            self.stdout.write(f"  vs {name:<24} {cells}")


def _fold_summary(fold: EvaluationResult) -> dict[str, Any]:
    return {
        "cutoff": fold.cutoff.isoformat(),
        "end": fold.end.isoformat() if fold.end else None,
        "test_questions": fold.test_questions,
        "MRR": {name: metrics_from_ranks(ranks)["MRR"] for name, ranks in fold.ranks.items()},
    }
