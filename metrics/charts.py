"""Chart geometry for the server-rendered SVG charts (no chart library, no CDN).

Functions return plain dicts of coordinates; the templates draw them as <rect>, <polyline>
and <text>, each bar with a <title> (the browser's tooltip) and data-* attributes that
static/js/dashboard-charts.js reads for its hover read-out.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.utils.formats import date_format

from metrics import histogram

LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return math.ceil(step * magnitude)
    return int(10 * magnitude)


def _ticks(top: int, height: float) -> list[dict[str, Any]]:
    return [
        {"y": round(TOP + height - height * i / 4, 1), "label": _short(top * i / 4)}
        for i in range(5)
    ]


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _label(day: date, granularity: str) -> str:
    if granularity == "month":
        return date_format(day, "M Y")
    return date_format(day, "j M")


def activity_chart(
    series: list[dict[str, Any]], granularity: str, *, width: int = 1000, height: int = 260
) -> dict[str, Any]:
    """Stacked bars (solved by the community / by staff) and a line for questions asked.
    Drawn full width: the wide viewBox keeps its text about the page's size."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    n = max(len(series), 1)
    top = _nice_max(max([max(s["asked"] or 0, s["solved"] or 0) for s in series] or [0]))
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1)
    bars, points, labels = [], [], []
    label_every = max(1, math.ceil(n / 8))
    for i, s in enumerate(series):
        x = LEFT + i * slot + (slot - bar_w) / 2
        community, staff, asked = s["by_community"] or 0, s["by_staff"] or 0, s["asked"] or 0
        h_comm = plot_h * community / top
        h_staff = plot_h * staff / top
        base = TOP + plot_h
        label = _label(s["bucket"], granularity)
        bars.append(
            {
                "x": round(x, 1),
                "w": round(bar_w, 1),
                # The whole column answers the pointer, so empty days can be inspected too.
                "slot_x": round(LEFT + i * slot, 1),
                "slot_w": round(slot, 1),
                "community_y": round(base - h_comm, 1),
                "community_h": round(h_comm, 1),
                "staff_y": round(base - h_comm - h_staff, 1),
                "staff_h": round(h_staff, 1),
                "label": label,
                "asked": asked,
                "community": community,
                "staff": staff,
            }
        )
        points.append(f"{x + bar_w / 2:.1f},{base - plot_h * asked / top:.1f}")
        if i % label_every == 0:
            labels.append({"x": round(x + bar_w / 2, 1), "text": label})
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "plot_right": width - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "asked_points": " ".join(points),
        "top": TOP,
        "plot_h": plot_h,
        "labels": labels,
        "ticks": _ticks(top, plot_h),
    }


# Bucket edges worth a label on the response-time chart.
_EDGE_LABELS = {60: "1m", 3600: "1h", 86400: "1d", 7 * 86400: "7d", 30 * 86400: "30d"}


def response_time_chart(
    merged: dict[int, int], *, width: int = 560, height: int = 240
) -> dict[str, Any]:
    """Bars: how many first answers fell in each log-spaced bucket (half-width card)."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    count = histogram.BUCKET_COUNT
    slot = plot_w / count
    top = _nice_max(max(merged.values(), default=0))
    bars, labels = [], []
    for index in range(count):
        n = merged.get(index, 0)
        low, high = histogram.bucket_range(index)
        h = plot_h * n / top
        x = LEFT + index * slot
        bars.append(
            {
                "x": round(x + 1, 1),
                "w": round(slot - 2, 1),
                "y": round(TOP + plot_h - h, 1),
                "h": round(h, 1),
                "n": n,
                "range": f"{_duration(low)} to {_duration(high)}",
            }
        )
        for edge, text in _EDGE_LABELS.items():
            if low <= edge < high:
                labels.append({"x": round(x + slot * (edge - low) / (high - low), 1), "text": text})
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "plot_right": width - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "labels": labels,
        "ticks": _ticks(top, plot_h),
    }


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h".replace(".0h", "h")
    return f"{seconds / 86400:.1f}d".replace(".0d", "d")
