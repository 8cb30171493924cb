"""Celery entry points of moderation (the beat schedule is in config/settings.py)."""

from __future__ import annotations

from celery import shared_task

from forum.moderation import services


@shared_task(name="forum.moderation.tasks.expire_sanctions", time_limit=120)
def expire_sanctions() -> int:
    """Safe to run twice: it only re-derives group membership from the sanction rows."""
    return services.sanctions_expire()
