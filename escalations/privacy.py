"""Escalations' part of a data export / erasure (see accounts.privacy).

Cases stay after an erasure (they are the company's support record and count in its
numbers) but the customer's own words in them are removed.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from escalations.models import Case


def export_user(user: User) -> list[dict[str, Any]]:
    return list(
        Case.objects.filter(customer=user)
        .order_by("id")
        .values("id", "thread_id", "source", "reason", "state", "resolution", "opened_at",
                "resolved_at")
    )  # fmt: skip


def erase_user(user: User) -> None:
    Case.objects.filter(customer=user).update(reason="")
