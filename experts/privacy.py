"""Experts' part of a data export / erasure (see accounts.privacy)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from experts.models import BadgeAward, ExpertAvailability, ExpertiseScore, ExpertProfile


def export_user(user: User) -> dict[str, Any]:
    return {
        "scores": list(
            ExpertiseScore.objects.filter(user=user).values("category_id", "score", "rank")
        ),
        "badges": list(
            BadgeAward.objects.filter(user=user).values("badge__kind", "category_id", "awarded_at")
        ),
        "availability": list(
            ExpertAvailability.objects.filter(user=user).values("routing_opt_out", "max_per_day")
        ),
        "profile_terms": list(ExpertProfile.objects.filter(user=user).values("terms")),
    }


def erase_user(user: User) -> None:
    # The text profile is derived from the person's answers: drop it, and take the
    # erased account out of routing for good.
    ExpertProfile.objects.filter(user=user).delete()
    ExpertAvailability.objects.update_or_create(user=user, defaults={"routing_opt_out": True})
