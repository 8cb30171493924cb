"""What every search backend does, and the pieces they share."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from forum.models import Thread
from forum.search.query import ParsedQuery

# Highlight markers chosen so they cannot occur in text (control characters are stripped
# from indexed text); replaced by <mark> only after the text is HTML-escaped.
MARK_START = "\x02"
MARK_END = "\x03"
_CONTROL = str.maketrans({c: " " for c in map(chr, range(32)) if c not in "\n\t"})


def clean_text(text: str) -> str:
    return text.translate(_CONTROL)


def highlight_html(marked: str) -> SafeString:
    """Escape ``marked`` (plain text with markers) and turn the markers into <mark>."""
    escaped = html.escape(marked, quote=False)
    # Text must never be able to produce markers of its own (clean_text removed them).
    return mark_safe(  # noqa: S308 - escaped above; only our own markers become tags
        escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


@dataclass(frozen=True)
class ThreadDocument:
    thread_id: int
    title: str
    body: str
    answers: str


@dataclass
class RankedPage:
    """Thread ids of one page in rank order, with highlighted fragments per id."""

    ids: list[int]
    total: int
    titles: dict[int, SafeString]
    snippets: dict[int, SafeString]
    # True when more threads matched than the backend ranks (``total`` is then the number
    # ranked, not the number matching).
    capped: bool = False


class SearchBackend(Protocol):
    vendor: str

    def index(self, documents: list[ThreadDocument], *, delete_ids: list[int]) -> None:
        """Replace the index entries of these threads (and drop ``delete_ids``)."""

    def search(
        self, query: ParsedQuery, candidates: QuerySet[Thread], *, offset: int, limit: int
    ) -> RankedPage:
        """Rank ``candidates`` (already filtered for visibility and filters) by ``query``."""

    def similar(self, terms: list[str], candidates: QuerySet[Thread], *, limit: int) -> list[int]:
        """Ids of threads matching any of ``terms``, best first."""


# --- "similar questions": a bounded BM25F re-rank shared by the backends ----------------------
#
# Both backends find candidates cheaply through their index (an OR of the draft's words,
# ranked by the database; two lists of ``SIMILAR_POOL``), then re-rank them here with BM25F
# (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009):
# term frequencies are length-normalised per field, weighted, summed, then saturated once,
# and weighted by the term's IDF over the whole index. Unlike FTS5's bm25() (one length for
# the whole row, so a thread with many answers is penalised even for a title match) and
# PostgreSQL's ts_rank (no IDF at all, so "beer" counts as much as "lambic"), a short title
# match of a rare word wins here. Constants are the usual textbook values, not fitted to
# any evaluation set.

SIMILAR_POOL = 30
BM25_K1 = 1.2
# field -> (weight, length normalisation b). Titles are short and say what the thread is
# about; answers are long and wander, so they count least.
BM25F_FIELDS: dict[str, tuple[float, float]] = {
    "title": (3.0, 0.5),
    "body": (1.0, 0.75),
    "answers": (0.5, 0.75),
}
# Stage 1 matches at most about this many threads (the sum of its words' document
# frequencies), so its cost does not grow with the forum. A small forum uses every word.
RETRIEVAL_BUDGET = 5_000
# Words in half of all threads or more do not retrieve either, unless so few threads have
# them that matching them costs nothing (a small forum keeps all its words).
COMMON_FRACTION_DIVISOR = 2
COMMON_MIN_DF = 500


@dataclass
class CandidateHits:
    """What the re-rank needs to know about one candidate thread."""

    thread_id: int
    solved: bool = False
    # field -> term -> occurrences; terms are whatever keys the backend's IDF uses
    tf: dict[str, dict[str, int]] = field(default_factory=dict)
    # field -> length (tokens, or distinct lexemes: only ratios to the pool mean are used)
    lengths: dict[str, int] = field(default_factory=dict)


def bm25_idf(df: int, n: int) -> float:
    # Lucene's always-positive variant: a word in most threads still counts a little.
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def retrieval_terms(terms: list[str], dfs: dict[str, int], *, n: int) -> list[str]:
    """The words stage 1 retrieves with: the rarest first, while their document frequencies
    add up to less than ``RETRIEVAL_BUDGET``, leaving out words in half the threads or more
    (but more than ``COMMON_MIN_DF`` of them); always keeping the rarest word.

    A word found in a large share of all threads ("beer" on a beer forum) makes the OR match
    most of the table while saying little about which threads are best (the classic
    Robertson-Sparck Jones IDF of a word in half the threads is zero); it still counts in
    the re-rank of the candidates the rarer words found.
    """
    chosen: list[str] = []
    total = 0
    for term in sorted(terms, key=lambda t: dfs.get(t, 0)):
        df = dfs.get(term, 0)
        total += df
        common = df * COMMON_FRACTION_DIVISOR >= n and df > COMMON_MIN_DF
        if chosen and (total > RETRIEVAL_BUDGET or common):
            break
        chosen.append(term)
    return chosen


def bm25f_rank(candidates: list[CandidateHits], idf: dict[str, float], *, limit: int) -> list[int]:
    """Ids of the best ``limit`` candidates by BM25F (ties: solved first, then the database's
    order); candidates matching no term are left out."""
    if not candidates:
        return []
    average = {
        name: (sum(c.lengths.get(name, 0) for c in candidates) / len(candidates)) or 1.0
        for name in BM25F_FIELDS
    }
    scored = []
    for position, candidate in enumerate(candidates):
        score = 0.0
        for term, weight_idf in idf.items():
            pseudo_tf = 0.0
            for name, (weight, b) in BM25F_FIELDS.items():
                tf = candidate.tf.get(name, {}).get(term, 0)
                if tf:
                    norm = 1.0 - b + b * candidate.lengths.get(name, 0) / average[name]
                    pseudo_tf += weight * tf / max(norm, 0.1)
            if pseudo_tf:
                score += weight_idf * pseudo_tf / (BM25_K1 + pseudo_tf)
        # Solved only breaks ties: a boost did not help find the thread that answers the
        # question, and the page shows the chosen suggestions solved-first anyway.
        scored.append((-round(score, 9), not candidate.solved, position, candidate.thread_id))
    scored.sort()
    return [thread_id for score, _, _, thread_id in scored[:limit] if score < 0]
