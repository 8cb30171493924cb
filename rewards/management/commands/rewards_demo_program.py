"""``manage.py rewards_demo_program``: the demo's reward program (idempotent).

Run before ``seed_demo`` (``make run`` does), so the demo questions' accepted answers earn
points and cash through the real event handlers and the demo has wallets, a ledger and a
budget to look at. Rules only apply to acceptances after they were created, so running
it after the demo data leaves that data unrewarded (by design: never retroactive).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from rewards.models import Program, RewardRule, RewardTrigger

DEMO_PROGRAM = "Community helpers (demo)"


class Command(BaseCommand):
    help = "Create the demo reward program and its rules, unless they exist."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        program, created = Program.objects.get_or_create(
            name=DEMO_PROGRAM,
            defaults={
                "currency": "EUR",
                "monthly_budget_minor": 50_000,  # 500 € a month
                "starts_at": timezone.now() - timedelta(days=60),
            },
        )
        if created:
            RewardRule.objects.bulk_create(
                [
                    RewardRule(
                        program=program,
                        trigger=RewardTrigger.ANSWER_ACCEPTED,
                        amount_points=10,
                        amount_cash_minor=200,
                        rank_multipliers={"expert": 150, "champion": 200},
                    ),
                    RewardRule(
                        program=program,
                        trigger=RewardTrigger.FIRST_ANSWER_WITHIN,
                        within_hours=24,
                        amount_points=5,
                    ),
                ]
            )
        state = "created" if created else "already there"
        self.stdout.write(
            self.style.SUCCESS(
                f"Reward program {program.name!r} {state}: "
                f"{program.rules.count()} rules, budget {program.monthly_budget_minor / 100:.2f} "
                f"{program.currency} a month"
            )
        )
