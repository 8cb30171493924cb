"""Turn what a person typed into a safe, backend-neutral query.

Nothing typed reaches a database parser as syntax: terms are reduced to word characters,
and each backend rebuilds its own query language from the parts (quoted FTS5 strings,
a clean ``websearch_to_tsquery`` string). So a stray quote, ``NEAR(``, ``:*`` or ``&|!``
can never be a syntax error at the database.

Supported, like web search engines: ``words`` (all must match), ``"a phrase"``,
``-excluded``, and ``or`` between words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 200
MAX_TERMS = 16
MAX_TERM_CHARS = 40

_TOKEN = re.compile(r'"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+", re.UNICODE)

# For "similar questions" (any-word matching) only: words that carry no topic. PostgreSQL
# drops its own stop words; SQLite's FTS5 does not, so these keep it from matching every
# "how do I" question.
STOP_WORDS = {
    "english": frozenset(
        """a about after all also am an and any are as at be been but by can could did do
        does doing for from get got had has have how i if in into is it its just me my no
        not of on or our should so some than that the their them then there these they this
        to too was we were what when where which who why will with would you your""".split()  # noqa: SIM905
    ),
    "german": frozenset(
        """aber als am an auch auf aus bei bin bis da das dass dem den der des die doch du
        ein eine einem einen einer es für hat habe ich ihr im in ist ja kann man mein mit
        nach nicht noch nur ob oder sich sie sind so und uns von vor war was wenn wie wir
        wird wo zu zum zur""".split()  # noqa: SIM905
    ),
}


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...] = ()  # each must match (or: see ``any_of``)
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = field(default=())  # groups joined by "or"

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.any_of)

    def words(self) -> list[str]:
        out = list(self.terms)
        for group in (*self.phrases, *self.any_of):
            out.extend(group)
        return out


def _words(text: str) -> list[str]:
    return [w[:MAX_TERM_CHARS].lower() for w in _WORD.findall(text)]


def parse_query(text: str) -> ParsedQuery:
    """Parse a search box query. Anything unusable is dropped, never an error."""
    text = (text or "")[:MAX_QUERY_CHARS]
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    or_groups: list[list[str]] = []
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(text):
        if count >= MAX_TERMS:
            break
        phrase, minus, raw = match.groups()
        if phrase is not None:
            words = _words(phrase)
            if len(words) == 1:
                terms.append(words[0])
            elif words:
                phrases.append(tuple(words))
            count += len(words)
            pending_or = False
            continue
        if raw.lower() == "or" and not minus:
            pending_or = bool(terms)
            continue
        words = _words(raw)
        if not words:
            continue
        count += len(words)
        if minus:
            excluded.extend(words)
            continue
        if pending_or and terms:
            # "a b or c" = a AND (b OR c), as in websearch_to_tsquery.
            previous = terms.pop()
            group = next((g for g in or_groups if g[-1] == previous), None)
            if group is None:
                or_groups.append([previous, words[0]])
            else:
                group.append(words[0])
            terms.append(words[0])  # placeholder, removed below
            terms.extend(words[1:])
            pending_or = False
            continue
        terms.extend(words)
    grouped = {w for g in or_groups for w in g}
    terms = [t for t in terms if t not in grouped]
    return ParsedQuery(
        terms=tuple(dict.fromkeys(terms)),
        phrases=tuple(phrases),
        excluded=tuple(dict.fromkeys(excluded)),
        any_of=tuple(tuple(dict.fromkeys(g)) for g in or_groups),
    )


def similarity_terms(title: str, *, language: str) -> list[str]:
    """Words of a draft title worth matching on, for "similar questions"."""
    stop = STOP_WORDS.get(language, STOP_WORDS["english"])
    words = [w for w in _words(title[:MAX_QUERY_CHARS]) if w not in stop and len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_TERMS]
