"""A small constructed history (Europe/Berlin days in March 2026) shared by the metrics tests.

Rows are written directly, each at its own moment under time-machine (``auto_now_add``
fields take the travelled time); money goes through the real ledger service.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations.models import Case, CaseSource, CaseState, ClockState, Resolution, SlaClock
from forum.models import DeflectionEvent, ThreadStatus
from tests.factories import CategoryFactory, PostFactory, ThreadFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = datetime(2026, 3, 10, 12, 0, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def history(db):
    """Two categories, five questions, one escalation, deflections, rewards and a payout."""
    from rewards.ledger import Line, ledger_post, system_account, user_account
    from rewards.models import AccountKind

    printers = CategoryFactory(name="Printers", slug="printers")
    scanners = CategoryFactory(name="Scanners", slug="scanners")
    asker = UserFactory(display_name="Asker", roles=["customer"])
    erika = UserFactory(username="erika", display_name="Erika Expert", roles=["customer"])
    sam = UserFactory(username="sam", display_name="Sam Staff", roles=["support"])

    # t1: printers, answered after 30 min, accepted (community) next day.
    t1 = ThreadFactory(category=printers, author=asker, created_at=at(2, 10))
    a1 = PostFactory(thread=t1, author=erika, created_at=at(2, 10, 30))
    t1.first_answer_at = at(2, 10, 30)
    _accept(t1, a1, at(3, 10))

    # t2: printers, first answer after two days is an official staff answer, accepted.
    t2 = ThreadFactory(category=printers, author=asker, created_at=at(2, 11))
    a2 = PostFactory(thread=t2, author=sam, created_at=at(4, 11), is_official=True)
    t2.first_answer_at = at(4, 11)
    _accept(t2, a2, at(4, 12))

    # t3: scanners, answered after 5 min, never accepted; escalated and resolved by staff.
    t3 = ThreadFactory(category=scanners, author=asker, created_at=at(3, 9))
    PostFactory(thread=t3, author=erika, created_at=at(3, 9, 5))
    t3.first_answer_at = at(3, 9, 5)
    t3.status = ThreadStatus.CLOSED
    t3.save()
    Case.objects.create(
        thread=t3, customer=asker, source=CaseSource.SLA_ACCEPTED_ANSWER,
        state=CaseState.RESOLVED, resolution=Resolution.BY_STAFF,
        opened_at=at(3, 20), updated_at=at(4, 8), resolved_at=at(4, 8),
    )  # fmt: skip
    SlaClock.objects.create(
        thread=t1, state=ClockState.STOPPED, started_at=at(2, 10),
        first_answer_due_at=at(2, 14), accepted_due_at=at(4, 10),
    )  # fmt: skip
    SlaClock.objects.create(
        thread=t3, state=ClockState.BREACHED, started_at=at(3, 9), first_answer_due_at=at(3, 13),
        accepted_due_at=at(3, 20), breached_at=at(3, 20),
    )  # fmt: skip

    # t4: deleted, counts nowhere. t5: late evening local time = still the 5th in Berlin.
    ThreadFactory(category=scanners, author=asker, created_at=at(5, 9), is_deleted=True)
    t5 = ThreadFactory(category=printers, author=asker, created_at=at(5, 23, 30))

    with time_machine.travel(at(3, 15), tick=False):
        DeflectionEvent.objects.create(session_key="s1", thread=t1, posted_after=False)
        DeflectionEvent.objects.create(session_key="s2", thread=t1, posted_after=True)
        ledger_post(
            idempotency_key="test:grant:1",
            lines=[
                Line(user_account(user_id=erika.pk, currency="EUR"), 200),
                Line(system_account(kind=AccountKind.PROGRAM_BUDGET, currency="EUR"), -200),
            ],
            memo="reward",
            cause_type="grant",
            cause_id=1,
            allow_overdraw=True,
        )
    with time_machine.travel(at(4, 15), tick=False):
        ledger_post(
            idempotency_key="test:paid:1",
            lines=[
                Line(user_account(user_id=erika.pk, currency="EUR"), -150),
                Line(system_account(kind=AccountKind.PAID_OUT, currency="EUR"), 150),
            ],
            memo="payout",
            cause_type="payout",
            cause_id=1,
        )
    return {
        "printers": printers, "scanners": scanners, "erika": erika, "sam": sam,
        "threads": [t1, t2, t3, t5],
    }  # fmt: skip


def _accept(thread, post, when) -> None:
    post.is_accepted = True
    post.accepted_at = when
    post.save()
    thread.accepted_answer = post
    thread.status = ThreadStatus.SOLVED
    thread.solved_at = when
    thread.save()
