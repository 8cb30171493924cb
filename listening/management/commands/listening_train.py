"""Retrain the listening classifier from the community's threads and the committed corpora."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from listening.services import classifier_train


class Command(BaseCommand):
    help = "Train the listening classifier (support / category) and store it as the newest model."

    def handle(self, *args: object, **options: object) -> None:
        model = classifier_train(save=True)
        self.stdout.write(self.style.SUCCESS(f"trained {model.version}: {model.trained_on}"))
