"""Recompute every denormalised forum field (vote scores, answer counts, accepted answers,
category counters) from the rows it summarises, and say how many rows were wrong."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from forum import synchronize
from forum.models import Category, Post, Thread


class Command(BaseCommand):
    help = "Repair the forum's denormalised counters and states."

    def handle(self, *args: object, **options: object) -> None:
        # Bottom-up: post scores, then the threads that count posts, then the categories
        # that count threads. Each function locks and fixes one row in its own transaction,
        # so the site stays usable while this runs.
        steps = [
            ("answers", Post.objects.order_by("pk"), synchronize.post_synchronize),
            ("questions", Thread.objects.order_by("pk"), synchronize.thread_synchronize),
            ("categories", Category.objects.order_by("pk"), synchronize.category_synchronize),
        ]
        total_fixed = 0
        for label, qs, repair in steps:
            ids = list(qs.values_list("pk", flat=True))
            fixed = 0
            for pk in tqdm(ids, desc=f"Checking {label}", unit="row", disable=not ids):
                if repair(pk):
                    fixed += 1
            total_fixed += fixed
            self.stdout.write(f"{label}: {len(ids)} checked, {fixed} fixed")
        style = self.style.WARNING if total_fixed else self.style.SUCCESS
        self.stdout.write(style(f"{total_fixed} rows fixed in total."))
