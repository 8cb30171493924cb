"""Percentiles from merged log-spaced histograms stay within one bucket of the exact value."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db.models import DurationField, ExpressionWrapper, F

from forum.models import Thread
from metrics import histogram
from tests.factories import ThreadFactory


def _exact_quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_median_and_p90_of_merged_daily_histograms_are_within_bucket_tolerance(seed):
    rng = random.Random(seed)
    days = [[rng.lognormvariate(8, 2) for _ in range(rng.randint(5, 60))] for _ in range(30)]
    daily = []
    for values in days:
        counts: dict[str, int] = {}
        for v in values:
            key = str(histogram.bucket_of(v))
            counts[key] = counts.get(key, 0) + 1
        daily.append(counts)
    merged = histogram.merge(daily)
    everything = [v for values in days for v in values]
    for q in (0.5, 0.9):
        estimate = histogram.percentile(merged, q)
        exact = _exact_quantile(everything, q)
        # Same bucket, or the neighbour at a rank boundary: within one growth factor.
        assert exact / histogram.GROWTH**1.01 <= estimate <= exact * histogram.GROWTH**1.01


def test_an_empty_histogram_has_no_percentile():
    assert histogram.percentile({}, 0.5) is None


def test_the_database_puts_a_duration_in_the_same_bucket_as_python(db):
    created = ThreadFactory().created_at
    edges = [1, 59, 60, 61, 89, 90, 3600, 86400, 10**8]
    for seconds in edges:
        ThreadFactory(created_at=created, first_answer_at=created + timedelta(seconds=seconds))
    rows = (
        Thread.objects.filter(first_answer_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(
                F("first_answer_at") - F("created_at"), output_field=DurationField()
            )
        )
        .annotate(bucket=histogram.bucket_expression(F("wait")))
        .order_by("first_answer_at")
        .values_list("bucket", flat=True)
    )
    assert list(rows) == [histogram.bucket_of(s) for s in edges]
