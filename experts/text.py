"""Turning a question into terms for the routing language model."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W\d_][\w'-]{1,40}", re.UNICODE)
_TAG_PREFIX = "#"

# Function words of the two site languages; they carry no topic.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves i'm it's don't doesn't can't i've i'd anyone does get got would like know
    der die das und ist ich nicht ein eine mit auf für den dem des von zu im es sich auch wie
    wenn aber oder kann bei hat mein meine""".split()  # noqa: SIM905
)


def tokens(text: str) -> list[str]:
    words = (m.group(0).lower().strip("'-") for m in _WORD.finditer(text or ""))
    return [w for w in words if len(w) > 1 and w not in STOPWORDS][:400]


def question_terms(*, title: str, body: str, tags: Iterable[str]) -> set[str]:
    """The distinct terms of a question: words of title and body, plus ``#tag`` terms.

    Binary per question so one long body does not outweigh many short questions.
    """
    terms = set(tokens(title)) | set(tokens(body))
    terms.update(_TAG_PREFIX + t.lower() for t in tags)
    return {t[:64] for t in terms}


def query_terms(*, title: str, body: str, tags: Iterable[str]) -> dict[str, float]:
    return dict.fromkeys(question_terms(title=title, body=body, tags=tags), 1.0)
