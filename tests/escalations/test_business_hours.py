"""add_business_time over weekends, Bavarian public holidays, DST and lunch breaks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from escalations.business_hours import (
    DEFAULT_OPENING_HOURS,
    CalendarError,
    add_business_time,
    business_time_between,
    calendar_build,
    parse_opening_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def bavaria():
    return calendar_build(
        time_zone="Europe/Berlin",
        opening_hours=DEFAULT_OPENING_HOURS,
        holiday_country="DE",
        holiday_subdiv="BY",
    )


def test_four_hours_from_friday_afternoon_end_on_monday_before_noon(bavaria):
    # Friday 2 January 2026, 16:00 in Berlin: one hour left on Friday, the weekend does not
    # count, three more hours from Monday 09:00.
    with time_machine.travel(datetime(2026, 1, 2, 16, 0, tzinfo=BERLIN), tick=False):
        due = add_business_time(timezone.now(), timedelta(hours=4), bavaria)
    assert due == datetime(2026, 1, 5, 12, 0, tzinfo=BERLIN)


def test_a_bavarian_public_holiday_does_not_count(bavaria):
    # Monday 5 January 15:00: two hours on Monday, Tuesday 6 January is Epiphany (a
    # public holiday in Bavaria), two more hours on Wednesday from 09:00.
    with time_machine.travel(datetime(2026, 1, 5, 15, 0, tzinfo=BERLIN), tick=False):
        due = add_business_time(timezone.now(), timedelta(hours=4), bavaria)
    assert due == datetime(2026, 1, 7, 11, 0, tzinfo=BERLIN)


def test_the_same_holiday_counts_where_it_is_not_a_holiday():
    berlin_state = calendar_build(
        time_zone="Europe/Berlin",
        opening_hours=DEFAULT_OPENING_HOURS,
        holiday_country="DE",
        holiday_subdiv="BE",
    )
    start = datetime(2026, 1, 5, 15, 0, tzinfo=BERLIN)
    assert add_business_time(start, timedelta(hours=4), berlin_state) == datetime(
        2026, 1, 6, 11, 0, tzinfo=BERLIN
    )


def test_a_weekend_and_a_holiday_together_are_skipped(bavaria):
    # Thursday 30 April 2026 16:00; Friday 1 May is Labour Day; then the weekend.
    start = datetime(2026, 4, 30, 16, 0, tzinfo=BERLIN)
    assert add_business_time(start, timedelta(hours=3), bavaria) == datetime(
        2026, 5, 4, 11, 0, tzinfo=BERLIN
    )


def test_a_start_at_night_begins_counting_at_the_next_opening(bavaria):
    start = datetime(2026, 1, 7, 22, 30, tzinfo=BERLIN)
    assert add_business_time(start, timedelta(minutes=30), bavaria) == datetime(
        2026, 1, 8, 9, 30, tzinfo=BERLIN
    )


def test_counting_across_the_change_to_summer_time_uses_real_hours(bavaria):
    # Clocks go forward on Sunday 29 March 2026; Monday's 10:00 is CEST.
    start = datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN)
    due = add_business_time(start, timedelta(hours=2), bavaria)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)
    assert due.utcoffset() is not None
    assert due.astimezone(BERLIN).utcoffset() == timedelta(hours=2)


def test_a_lunch_break_is_not_business_time():
    cal = calendar_build(
        time_zone="Europe/Berlin",
        opening_hours={"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
    )
    start = datetime(2026, 1, 5, 11, 0, tzinfo=BERLIN)
    assert add_business_time(start, timedelta(hours=2), cal) == datetime(
        2026, 1, 5, 14, 0, tzinfo=BERLIN
    )


def test_plain_hours_count_nights_and_weekends():
    start = datetime(2026, 1, 2, 16, 0, tzinfo=BERLIN)
    assert add_business_time(start, timedelta(hours=72), None) == start + timedelta(hours=72)


def test_zero_duration_is_due_at_once(bavaria):
    start = datetime(2026, 1, 3, 12, 0, tzinfo=BERLIN)  # a Saturday
    assert add_business_time(start, timedelta(0), bavaria) == start


def test_business_time_between_is_the_inverse_of_adding(bavaria):
    start = datetime(2026, 1, 2, 16, 0, tzinfo=BERLIN)
    due = add_business_time(start, timedelta(hours=13), bavaria)
    assert business_time_between(start, due, bavaria) == timedelta(hours=13)
    assert business_time_between(due, start, bavaria) == -timedelta(hours=13)


@pytest.mark.parametrize(
    "spec",
    [
        {"monday": [["09:00", "17:00"]]},
        {"mon": [["17:00", "09:00"]]},
        {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]},
        {"mon": [["nine", "17:00"]]},
        {"mon": [["09:00"]]},
    ],
)
def test_bad_opening_hours_are_refused(spec):
    with pytest.raises(CalendarError):
        parse_opening_hours(spec)


def test_a_calendar_that_never_opens_is_refused():
    with pytest.raises(CalendarError):
        calendar_build(time_zone="Europe/Berlin", opening_hours={})
    with pytest.raises(CalendarError):
        calendar_build(time_zone="Mars/Olympus", opening_hours=DEFAULT_OPENING_HOURS)


def test_naive_start_times_are_refused(bavaria):
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 1, 5, 9, 0), timedelta(hours=1), bavaria)
