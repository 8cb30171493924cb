"""Log-spaced response-time histograms: compact per day, mergeable over any period.

Bucket ``i`` (0 < i < len(BOUNDS)) holds durations in ``[BOUNDS[i-1], BOUNDS[i])`` seconds;
bucket 0 everything under ``BOUNDS[0]``, the last bucket everything from ``BOUNDS[-1]``.
Bounds grow by a factor of 1.5, so a percentile read from merged buckets is within one
bucket (at most 50 % relative error, typically far less with log interpolation) of the
exact value. Stored as ``{"<bucket>": count}`` with empty buckets left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import Expression
from django.db.models.lookups import LessThan

GROWTH = 1.5
# 60 s … ~150 days.
BOUNDS: tuple[int, ...] = tuple(int(60 * GROWTH**k) for k in range(32))
BUCKET_COUNT = len(BOUNDS) + 1


def bucket_of(seconds: float) -> int:
    for index, bound in enumerate(BOUNDS):
        if seconds < bound:
            return index
    return len(BOUNDS)


def bucket_range(index: int) -> tuple[float, float]:
    low = 0.0 if index == 0 else float(BOUNDS[index - 1])
    high = float(BOUNDS[index]) if index < len(BOUNDS) else float(BOUNDS[-1]) * GROWTH
    return low, high


def bucket_expression(duration: Expression) -> Case:
    """SQL CASE turning a duration expression into its bucket number (both databases)."""
    return Case(
        *[
            When(LessThan(duration, Value(timedelta(seconds=bound))), then=Value(index))
            for index, bound in enumerate(BOUNDS)
        ],
        default=Value(len(BOUNDS)),
        output_field=IntegerField(),
    )


def merge(histograms: Iterable[Mapping[str, int] | None]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for key, count in (histogram or {}).items():
            merged[int(key)] = merged.get(int(key), 0) + int(count)
    return merged


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0 < q < 1) in seconds, interpolated log-linearly in its bucket."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index in sorted(histogram):
        count = histogram[index]
        if count == 0:
            continue
        if seen + count >= rank:
            low, high = bucket_range(index)
            fraction = (rank - seen) / count
            if low <= 0:
                return high * fraction
            return math.exp(math.log(low) + fraction * (math.log(high) - math.log(low)))
        seen += count
    return bucket_range(max(histogram))[1]
