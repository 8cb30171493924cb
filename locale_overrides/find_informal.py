#!/usr/bin/env python
"""Find django-allauth's German messages that address the reader informally ("du").

Our German UI says "Sie"; allauth's German catalog says "du". Every allauth message whose
German text uses the informal address must be overridden in locale_overrides/de (or in
locale/de, which Django consults first). This script reads the *installed* allauth catalog,
works out which translation Django will actually serve (locale/ > locale_overrides/ > allauth,
the same precedence as trans_real.DjangoTranslation) and prints every entry that still comes
out informal, as .po entries ready to paste and translate. Exit status 1 if there is any, so
it doubles as a check (tests/accounts/test_german_formal_address.py runs it).

    .venv/bin/python locale_overrides/find_informal.py          # what still needs overriding
    .venv/bin/python locale_overrides/find_informal.py --all    # every informal allauth entry

Only the standard library is used, so it runs without Django settings.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "de"
# Highest precedence first, as in settings.LOCALE_PATHS.
PROJECT_CATALOGS = (
    PROJECT_ROOT / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po",
    PROJECT_ROOT / "locale_overrides" / LANGUAGE / "LC_MESSAGES" / "django.po",
)

# Informal pronouns. "Ihr"/"Ihre" with a capital is the formal possessive and must not match,
# so "ihr" is only informal when written in lower case (mid-sentence "ihr habt").
_PRONOUNS = re.compile(r"\b(?:du|dich|dir|dein\w*|euch|euer|eure\w*)\b", re.IGNORECASE)
_LOWER_IHR = re.compile(r"\bihr\b")
# Informal imperatives allauth uses ("Bitte gib ...", "Klicke ...", "Melde dich ..."). The formal
# forms ("Geben Sie", "Klicken Sie") end in -en and never match. German nouns are capitalised,
# so a verb is only matched in lower case, or capitalised where a sentence starts: that keeps
# "Beim Versuch" or "die Folge" out while "Folge dem Link." is still caught. After "ich" the
# same form is the first person ("die ich stelle"), not an imperative.
_IMPERATIVE_WORDS = (
    "gib gebe bestätige klicke klick melde gehe geh überprüfe prüfe versuche versuch "
    "kontaktiere wähle nutze verwende benutze füge ändere lösche öffne scanne trage erstelle "
    "beachte speichere lade sieh schau schaue warte fordere richte kopiere bewahre drucke "
    "logge registriere aktiviere deaktiviere entferne generiere vergiss nimm lies tippe "
    "ignoriere besuche sende schicke erneuere authentifiziere verbinde bestimme fahre kehre "
    "setze stelle stell hinterlege antworte folge rufe lass teile wende"
)
_IMPERATIVE_VERBS = _IMPERATIVE_WORDS.split()
_IMPERATIVES = re.compile(
    r"(?<!\bich )\b(?:" + "|".join(_IMPERATIVE_VERBS) + r")\b"
    r"|(?:^|[.!?:]\s+|\n)(?:" + "|".join(v.capitalize() for v in _IMPERATIVE_VERBS) + r")\b"
)


def is_informal(text: str) -> bool:
    return bool(_PRONOUNS.search(text) or _LOWER_IHR.search(text) or _IMPERATIVES.search(text))


@dataclass(frozen=True)
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: tuple[str, ...]  # one string, or one per plural form
    flags: tuple[str, ...] = ()  # "python-format", "fuzzy", ...

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        # compilemessages (msgfmt) drops fuzzy and untranslated entries: Django never sees them.
        return not self.fuzzy and bool(self.msgstrs) and all(self.msgstrs)


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: msgctxt, msgid(_plural), msgstr([n]), the fuzzy flag.

    Obsolete (#~) entries and the header are skipped.
    """
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    current: str | None = None
    flags: list[str] = []

    def flush() -> None:
        nonlocal fields, current, flags
        if "msgid" in fields and fields["msgid"] != "":
            plural_keys = sorted(
                (k for k in fields if k.startswith("msgstr[")),
                key=lambda k: int(k[len("msgstr[") : -1]),
            )
            msgstrs = tuple(fields[k] for k in plural_keys) or (fields.get("msgstr", ""),)
            entries.append(
                Entry(
                    msgctxt=fields.get("msgctxt"),
                    msgid=fields["msgid"],
                    msgid_plural=fields.get("msgid_plural"),
                    msgstrs=msgstrs,
                    flags=tuple(flags),
                )
            )
        fields, current, flags = {}, None, []

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                if "msgid" in fields:  # a flag starts a new entry
                    flush()
                flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            continue
        if line.startswith('"'):
            if current is not None:
                fields[current] += ast.literal_eval(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and "msgid" in fields and current != "msgctxt":
            flush()  # entries not separated by a blank line
        current = keyword
        fields[keyword] = ast.literal_eval(rest)
    flush()
    return entries


def allauth_catalog() -> Path:
    spec = importlib.util.find_spec("allauth")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("django-allauth is not installed in this Python")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"


def informal_entries(entries: Iterable[Entry]) -> list[Entry]:
    return [e for e in entries if e.translated and any(is_informal(s) for s in e.msgstrs)]


def served_translation(entry: Entry, project: Sequence[dict]) -> Entry:
    """The entry Django serves for entry.key: the first project catalog that translates it."""
    for catalog in project:
        override = catalog.get(entry.key)
        if override is not None and override.translated:
            return override
    return entry


def still_informal(allauth: Sequence[Entry], project: Sequence[dict]) -> list[Entry]:
    return [
        e
        for e in informal_entries(allauth)
        if any(is_informal(s) for s in served_translation(e, project).msgstrs)
    ]


def load_project_catalogs(paths: Sequence[Path] = PROJECT_CATALOGS) -> list[dict]:
    return [{e.key: e for e in parse_po(p)} if p.exists() else {} for p in paths]


def format_entry(entry: Entry) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = []
    flags = [f for f in entry.flags if f != "fuzzy"]
    if flags:
        lines.append("#, " + ", ".join(flags))
    if entry.msgctxt is not None:
        lines.append(f"msgctxt {q(entry.msgctxt)}")
    lines.append(f"msgid {q(entry.msgid)}")
    if entry.msgid_plural is not None:
        lines.append(f"msgid_plural {q(entry.msgid_plural)}")
        lines += [f"msgstr[{i}] {q(s)}" for i, s in enumerate(entry.msgstrs)]
    else:
        lines.append(f"msgstr {q(entry.msgstrs[0])}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--all", action="store_true", help="list every informal allauth entry, overridden or not"
    )
    args = parser.parse_args(argv)

    source = allauth_catalog()
    allauth = parse_po(source)
    project = load_project_catalogs()
    found = informal_entries(allauth) if args.all else still_informal(allauth, project)
    for entry in found:
        print("# allauth: " + " | ".join(entry.msgstrs).replace("\n", "\\n"))
        print(format_entry(entry))
        print()

    # Overrides of messages allauth no longer has are dead weight after an upgrade.
    allauth_keys = {e.key for e in allauth}
    overrides = project[-1]
    stale = [e for e in overrides.values() if e.key not in allauth_keys]
    for entry in stale:
        print(f"note: override no longer in allauth's catalog: {entry.msgid!r}", file=sys.stderr)

    print(
        f"{len(found)} informal entr{'y' if len(found) == 1 else 'ies'} in {source}"
        + ("" if args.all else " not overridden"),
        file=sys.stderr,
    )
    return 1 if found and not args.all else 0


if __name__ == "__main__":
    sys.exit(main())
