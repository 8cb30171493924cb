"""Business-time arithmetic for SLA due times. Pure: no database, no settings, no clock.

A ``BusinessCalendar`` says when the support desk is open: intervals per weekday in a time
zone, minus public holidays. ``add_business_time(start, duration, calendar)`` answers "when
has ``duration`` of opening time passed after ``start``?". With ``calendar=None`` time is
plain wall time (24/7).

All arithmetic is done in UTC: subtracting two aware datetimes that share a ``ZoneInfo``
compares wall clocks and would be off by an hour across a DST change.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Mon-Fri 09:00-17:00: the default opening hours of a new policy.
DEFAULT_OPENING_HOURS: dict[str, list[list[str]]] = {
    day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]
}
# No calendar in the world is closed this long; a longer search means "never open".
_MAX_DAYS = 3 * 366


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: ZoneInfo
    # weekday (0 = Monday) -> sorted, non-overlapping (open, close) local times.
    hours: Mapping[int, tuple[tuple[time, time], ...]]
    holidays: Container[date] = field(default_factory=frozenset)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Opening intervals of ``day`` as UTC datetimes (empty on holidays)."""
        if day in self.holidays:
            return []
        result = []
        for opens, closes in self.hours.get(day.weekday(), ()):
            start = datetime.combine(day, opens, tzinfo=self.time_zone).astimezone(UTC)
            end = datetime.combine(day, closes, tzinfo=self.time_zone).astimezone(UTC)
            if end > start:
                result.append((start, end))
        return result


def _parse_time(value: str) -> time:
    if value in {"24:00", "24:00:00"}:
        return time.max
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise CalendarError(f"{value!r} is not a time of day (HH:MM)") from exc


def parse_opening_hours(
    spec: Mapping[str, Sequence[Sequence[str]]],
) -> dict[int, tuple[tuple[time, time], ...]]:
    """``{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}`` -> weekday -> intervals."""
    if not isinstance(spec, Mapping):
        raise CalendarError("opening hours must map weekdays to lists of [open, close]")
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, intervals in spec.items():
        if key not in WEEKDAYS:
            raise CalendarError(f"{key!r} is not a weekday ({', '.join(WEEKDAYS)})")
        parsed = []
        for interval in intervals:
            if len(interval) != 2:
                raise CalendarError(f"{key}: each interval is [open, close]")
            opens, closes = _parse_time(interval[0]), _parse_time(interval[1])
            if closes <= opens:
                raise CalendarError(f"{key}: {interval[0]}-{interval[1]} closes before it opens")
            parsed.append((opens, closes))
        parsed.sort()
        for (_, end), (start, _) in pairwise(parsed):
            if start < end:
                raise CalendarError(f"{key}: opening intervals overlap")
        hours[WEEKDAYS.index(key)] = tuple(parsed)
    return hours


@lru_cache(maxsize=32)
def public_holidays(country: str, subdiv: str = "") -> Container[date]:
    """Public holidays of a country (and region), e.g. ("DE", "BY") for Bavaria.

    ``holidays`` computes years lazily on lookup, so one object serves every year.
    """
    import holidays

    try:
        return holidays.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError as exc:
        raise CalendarError(f"no holiday calendar for {country}/{subdiv}") from exc


def calendar_build(
    *,
    time_zone: str,
    opening_hours: Mapping[str, Sequence[Sequence[str]]],
    holiday_country: str = "",
    holiday_subdiv: str = "",
) -> BusinessCalendar:
    try:
        zone = ZoneInfo(time_zone)
    except (ValueError, LookupError) as exc:
        raise CalendarError(f"unknown time zone {time_zone!r}") from exc
    hours = parse_opening_hours(opening_hours)
    if not any(hours.values()):
        raise CalendarError("the desk must be open at least one day a week")
    days_off = public_holidays(holiday_country, holiday_subdiv) if holiday_country else frozenset()
    return BusinessCalendar(time_zone=zone, hours=hours, holidays=days_off)


def add_business_time(
    start: datetime, duration: timedelta, calendar: BusinessCalendar | None
) -> datetime:
    """The moment ``duration`` of opening time has passed after ``start`` (aware, UTC).

    Time outside opening hours, on weekends without hours and on holidays does not count.
    A start outside opening hours begins counting at the next opening. ``duration`` of
    zero returns ``start`` itself: nothing is owed, so nothing can be late.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    start = start.astimezone(UTC)
    if calendar is None or duration == timedelta(0):
        return start + duration
    remaining = duration
    day = start.astimezone(calendar.time_zone).date()
    for _ in range(_MAX_DAYS):
        for opens, closes in calendar.intervals_on(day):
            if closes <= start:
                continue
            cursor = max(opens, start)
            available = closes - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        day += timedelta(days=1)
    raise CalendarError("the calendar has no opening hours in the next three years")


def business_time_between(
    start: datetime, end: datetime, calendar: BusinessCalendar | None
) -> timedelta:
    """Opening time between two moments (negative when ``end`` is before ``start``)."""
    if end < start:
        return -business_time_between(end, start, calendar)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if calendar is None:
        return end - start
    total = timedelta(0)
    day = start.astimezone(calendar.time_zone).date()
    last = end.astimezone(calendar.time_zone).date()
    while day <= last:
        for opens, closes in calendar.intervals_on(day):
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
