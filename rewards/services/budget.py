"""Monthly cash budgets of programs and the queue of rewards waiting for budget."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from rewards.models import BudgetTopUp, GrantStatus, Program, RewardGrant


def period_start(when: date | None = None) -> date:
    today = when or timezone.localdate()
    return today.replace(day=1)


def program_cash_spent(*, program: Program, period: date | None = None) -> int:
    start = period_start(period)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else (start.replace(month=start.month + 1))
    )
    spent = RewardGrant.objects.filter(
        program=program,
        status=GrantStatus.CREDITED,
        cash_pending=False,
        cash_credited_at__date__gte=start,
        cash_credited_at__date__lt=end,
    ).aggregate(total=Sum("cash_minor"))["total"]
    return int(spent or 0)


def program_cash_budget(*, program: Program, period: date | None = None) -> int:
    start = period_start(period)
    top_ups = BudgetTopUp.objects.filter(program=program, period=start).aggregate(
        total=Sum("amount_minor")
    )["total"]
    return program.monthly_budget_minor + int(top_ups or 0)


def program_cash_available_locked(*, program: Program) -> int:
    """Cash the program may still pay this month. Caller holds the program's row lock, so
    two grants cannot both spend the last euro."""
    return program_cash_budget(program=program) - program_cash_spent(program=program)


@transaction.atomic
def program_top_up(*, program: Program, amount_minor: int, actor) -> BudgetTopUp:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationError({"amount_minor": ["Must be a positive whole number."]})
    top_up = BudgetTopUp.objects.create(
        program=program, period=period_start(), amount_minor=amount_minor, created_by=actor
    )
    transaction.on_commit(lambda: _release_later(program.pk))
    return top_up


def _release_later(program_id: int) -> None:
    from core.tasks_queue import enqueue_on_commit

    enqueue_on_commit("rewards.tasks.release_pending_rewards", program_id)


def pending_rewards_release(*, program_id: int | None = None, limit: int = 500) -> int:
    """Credit queued cash, oldest first, while the program's budget lasts. Returns how many."""
    from rewards.ledger import ledger_post
    from rewards.services.acceptance import cash_lines

    released = 0
    programs = Program.objects.filter(grants__cash_pending=True).distinct().order_by("id")
    if program_id is not None:
        programs = programs.filter(pk=program_id)
    for program_pk in list(programs.values_list("pk", flat=True)):
        # One grant per transaction: each locks the program, then one wallet and the budget
        # (sorted), never several wallets in turn, so it cannot deadlock with a sync.
        for _ in range(limit):
            with transaction.atomic():
                program = Program.objects.select_for_update().get(pk=program_pk)
                available = program_cash_available_locked(program=program)
                # skip_locked: a grant being reversed right now (its thread's sync holds the
                # row) is left for the next run instead of waited for.
                grant = (
                    RewardGrant.objects.select_for_update(skip_locked=True)
                    .filter(program=program, cash_pending=True, status=GrantStatus.CREDITED)
                    .order_by("created_at", "id")
                    .first()
                )
                if grant is None or grant.cash_minor > available:
                    break
                ledger_post(
                    idempotency_key=f"grant:{grant.pk}:cash",
                    lines=cash_lines(
                        user_id=grant.user_id, currency=grant.cash_currency, amount=grant.cash_minor
                    ),
                    memo=f"reward cash released from the queue (grant {grant.pk})",
                    cause_type="grant_cash",
                    cause_id=grant.pk,
                )
                grant.cash_pending = False
                grant.cash_credited_at = timezone.now()
                grant.save(update_fields=["cash_pending", "cash_credited_at"])
                released += 1
    return released
