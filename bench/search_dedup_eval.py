"""How well do "similar questions" find the original of a known duplicate?

For every beer.stackexchange.com question closed as a duplicate (PostLinks LinkTypeId=3,
both questions imported), ask for suggestions with the duplicate's *title* only, as the
ask page does while it is typed, and look for the original among them:

* recall@1, recall@5, recall@10 — the original is the first / among the first 5 / 10;
* MRR@10 — mean of 1/rank of the original within the first ten (0 if absent).

Settings: "realistic" searches only threads older than the duplicate (what existed when it
was asked) and excludes the duplicate itself — the headline figures; "all" only excludes
the duplicate; "title + first sentence" is the realistic setting with the first sentence
of the duplicate's question appended to its title (what a customer has typed a little
later; a check that the ranking is not fitted to titles alone).
Ranking is by relevance (``solved_first=False``); the page's solved-first reordering of the
five suggestions changes recall@1 only, which is reported separately.

    SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/search_dedup_eval.py
(import first with bench/import_beer.py; works the same on PostgreSQL)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import re  # noqa: E402

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402

from core.markup import html_to_text  # noqa: E402
from forum.models import Thread  # noqa: E402
from forum.search import similar_threads  # noqa: E402


def first_sentence(thread: Thread) -> str:
    text = " ".join(html_to_text(thread.body_html).split())
    return re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0][:200]


def evaluate(
    pairs: list[tuple[Thread, Thread]], *, realistic: bool, with_sentence: bool = False
) -> dict[str, float]:
    r1 = r5 = r10 = r1_shown = 0
    rr = 0.0
    for dup, original in pairs:
        title = f"{dup.title} {first_sentence(dup)}" if with_sentence else dup.title
        ranked = similar_threads(
            title=title,
            viewer=AnonymousUser(),
            limit=10,
            exclude_ids=[dup.pk],
            created_before=dup.created_at if realistic else None,
            solved_first=False,
        )
        ids = [t.pk for t in ranked]
        if original.pk in ids:
            rank = ids.index(original.pk) + 1
            rr += 1 / rank
            r1 += rank == 1
            r5 += rank <= 5
            r10 += 1
        shown = sorted(ranked[:5], key=lambda t: t.status != "solved")
        r1_shown += bool(shown) and shown[0].pk == original.pk
    n = len(pairs) or 1
    return {
        "pairs": len(pairs),
        "recall@1": r1 / n,
        "recall@5": r5 / n,
        "recall@10": r10 / n,
        "MRR@10": rr / n,
        "recall@1 (solved first, as shown)": r1_shown / n,
    }


def main() -> None:
    pairs = [
        (dup, dup.duplicate_of)
        for dup in Thread.objects.filter(duplicate_of__isnull=False)
        .select_related("duplicate_of")
        .order_by("id")
    ]
    if not pairs:
        sys.exit("no duplicates in this database: run bench/import_beer.py first")
    older = [(d, o) for d, o in pairs if o.created_at < d.created_at]
    print(
        f"database: {connection.vendor}; duplicate pairs: {len(pairs)} "
        f"({len(older)} with the original older than the duplicate)"
    )
    for label, subset, realistic, with_sentence in (
        ("realistic (older threads only)", older, True, False),
        ("all threads", pairs, False, False),
        ("title + first sentence (realistic)", older, True, True),
    ):
        scores = evaluate(subset, realistic=realistic, with_sentence=with_sentence)
        print(f"\n{label}:")
        for key, value in scores.items():
            print(
                f"  {key:<36} {value:.3f}" if isinstance(value, float) else f"  {key:<36} {value}"
            )


if __name__ == "__main__":
    main()
