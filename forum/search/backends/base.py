"""What every search backend does, and the pieces they share."""

from __future__ import annotations

import html
from dataclasses import dataclass
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
