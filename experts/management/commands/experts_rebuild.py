"""Recompute all expertise statistics from forum history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from experts.services import experts_rebuild


class Command(BaseCommand):
    help = "Rebuild expertise scores, profiles and ranks from the forum's history."

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(items: list, total: int) -> Any:
            return tqdm(items, total=total, unit="event", disable=options["verbosity"] == 0)

        counts = experts_rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                "Rebuilt from {questions} questions, {answers} answers, "
                "{acceptances} acceptances.".format(**counts)
            )
        )
