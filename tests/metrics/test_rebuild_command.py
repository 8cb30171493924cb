"""``manage.py metrics_rebuild``: whole history or from --since, with a progress bar."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command

from metrics.models import DailyRollup
from tests.metrics.conftest import TODAY


def test_the_rebuild_covers_every_day_from_the_first_question_to_today(history):
    out = io.StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("metrics_rebuild", stdout=out, stderr=io.StringIO())
    days = DailyRollup.objects.filter(category__isnull=True)
    assert days.order_by("date").first().date == date(2026, 3, 2)
    assert days.order_by("date").last().date == date(2026, 3, 10)
    assert "Rebuilt" in out.getvalue()


def test_since_limits_the_rebuild_and_leaves_older_days_alone(history):
    with time_machine.travel(TODAY, tick=False):
        call_command("metrics_rebuild", since="2026-03-05", verbosity=0, stdout=io.StringIO())
    assert not DailyRollup.objects.filter(date__lt=date(2026, 3, 5)).exists()
    assert (
        DailyRollup.objects.get(date=date(2026, 3, 5), category__isnull=True).questions_asked == 1
    )


def test_a_malformed_since_is_refused(db):
    with pytest.raises(CommandError):
        call_command("metrics_rebuild", since="March", stdout=io.StringIO())


def test_an_empty_forum_has_nothing_to_rebuild(db):
    out = io.StringIO()
    call_command("metrics_rebuild", stdout=out)
    assert "Nothing to rebuild" in out.getvalue()
