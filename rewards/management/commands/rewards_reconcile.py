"""Prove the books: exit 0 when balanced, 1 with a listing of every difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from rewards.selectors import ledger_reconcile


class Command(BaseCommand):
    help = "Check cached balances, per-currency balance of every transaction, and rewards."

    def handle(self, *args: object, **options: object) -> None:
        problems = ledger_reconcile()
        if problems:
            for line in problems:
                self.stderr.write(line)
            # CommandError makes manage.py exit non-zero (returncode 1).
            raise CommandError(f"{len(problems)} difference(s) in the rewards ledger")
        self.stdout.write(self.style.SUCCESS("rewards ledger reconciled: no differences"))
