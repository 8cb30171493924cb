"""Every German text we ship addresses the customer as "Sie" (see locale_overrides/ for
allauth's texts): a "du" slipping into one app's catalog is caught here."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*|euch)\b", re.IGNORECASE)
CATALOGS = sorted(
    p
    for p in ROOT.glob("**/locale*/de/LC_MESSAGES/django.mo")
    if ".venv" not in p.parts and ".peerbench" not in p.parts
)


def test_the_catalogs_are_found():
    names = {p.relative_to(ROOT).parts[0] for p in CATALOGS}
    assert {"locale", "locale_overrides", "notifications", "metrics", "listening"} <= names


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_german_message_says_du(path):
    # The compiled catalogs are what Django serves (and what the repository ships).
    with path.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # msgid (or (msgid, n)) -> text
    informal = [text for key, text in catalog.items() if key and INFORMAL.search(text)]
    assert informal == []
