"""Rewards fixtures. Money state is built only through the real services (forum accepts
dispatched through the outbox, ledger_post, payout_request), never by writing rows."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services as forum_services
from rewards.ledger import Line, ledger_post, system_account, user_account
from rewards.models import AccountKind, Program, RewardRule, RewardTrigger
from tests.factories import UserFactory

_counter = itertools.count()


@pytest.fixture
def finance(db):
    return UserFactory(display_name="Fiona Finance", roles=["finance"])


@pytest.fixture
def program(db, category):
    program = Program.objects.create(
        name="Printer helpers",
        monthly_budget_minor=100_000,
        starts_at=timezone.now() - timedelta(days=30),
    )
    program.categories.add(category)
    return program


@pytest.fixture
def rule(program):
    return RewardRule.objects.create(
        program=program,
        trigger=RewardTrigger.ANSWER_ACCEPTED,
        amount_points=50,
        amount_cash_minor=200,
    )


def ask(author, category, title: str = "Printer blinks orange all day"):
    return forum_services.thread_create(
        author=author, category=category, title=title, body="It blinks orange and will not print."
    )


def answer(thread, author, body: str = "Replace the ink cartridge, then restart."):
    return forum_services.answer_create(thread=thread, author=author, body=body)


def fund_cash(user, amount: int, *, hold: bool = False) -> None:
    """Credit cash through the ledger as an already-matured grant would have (cause
    'adjustment' is not held). Only for payout tests that need a balance to spend."""
    n = next(_counter)
    ledger_post(
        idempotency_key=f"test-funding:{user.pk}:{n}",
        lines=[
            Line(user_account(user_id=user.pk, currency="EUR"), amount),
            Line(system_account(kind=AccountKind.PROGRAM_BUDGET, currency="EUR"), -amount),
        ],
        memo="test funding",
        cause_type="grant" if hold else "adjustment",
        cause_id=f"test-{n}",
    )


def fund_points(user, amount: int) -> None:
    n = next(_counter)
    ledger_post(
        idempotency_key=f"test-points:{user.pk}:{n}",
        lines=[
            Line(user_account(user_id=user.pk, currency="PTS"), amount),
            Line(system_account(kind=AccountKind.POINTS_ISSUED, currency="PTS"), -amount),
        ],
        memo="test points",
        cause_type="adjustment",
        cause_id=f"test-{n}",
    )
