"""German customers are addressed as "Sie" on allauth's pages too, not with allauth's "du".

locale_overrides/de re-translates every allauth message whose German text is informal;
locale_overrides/find_informal.py finds them. These tests run the finder as a check and look
at the German pages, form errors and e-mails a customer actually sees.
"""

from __future__ import annotations

import array
import importlib.util
import re
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

# The words the brief forbids on a German page; find_informal.is_informal is stricter
# (imperatives) and is applied to the catalog itself.
INFORMAL_WORDS = re.compile(r"\b(?:du|dich|dir|dein\w*|euch)\b", re.IGNORECASE)
FORMAL_WORDS = re.compile(r"\b(?:Sie|Ihr\w*|Ihnen)\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _load_finder() -> ModuleType:
    path = Path(settings.BASE_DIR) / "locale_overrides" / "find_informal.py"
    spec = importlib.util.spec_from_file_location("find_informal", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolves the module's annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


finder = _load_finder()
ALLAUTH = finder.parse_po(finder.allauth_catalog())
INFORMAL = finder.informal_entries(ALLAUTH)
OVERRIDE_PO = Path(settings.BASE_DIR) / "locale_overrides" / "de" / "LC_MESSAGES" / "django.po"
OVERRIDES = finder.parse_po(OVERRIDE_PO)


def _german(msgid: str) -> str:
    # A variable, not a literal, so makemessages does not copy test msgids into locale/de.
    with translation.override("de"):
        return translation.gettext(msgid)


def _django_translations(entry) -> list[str]:
    """What Django serves in German for this allauth msgid, every plural form included."""
    with translation.override("de"):
        if entry.msgid_plural is not None:
            if entry.msgctxt is not None:
                return [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                ]
            return [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        if entry.msgctxt is not None:
            return [translation.pgettext(entry.msgctxt, entry.msgid)]
        return [translation.gettext(entry.msgid)]


class _VisibleText(HTMLParser):
    """Text a visitor reads: element text plus placeholders, titles and labels; no scripts."""

    _HIDDEN = {"script", "style", "template"}
    _VISIBLE_ATTRS = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        values = dict(attrs)
        self.parts += [v for k, v in attrs if k in self._VISIBLE_ATTRS and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def german_page(client: Client, url: str, data: dict | None = None) -> str:
    if data is None:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    else:
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert 'lang="de"' in html
    return visible_text(html)


def assert_formal(text: str) -> None:
    informal = sorted({m.group(0) for m in INFORMAL_WORDS.finditer(text)})
    assert not informal, f"informal address {informal} in: {text}"


# --- the catalog ------------------------------------------------------------------------------


def test_the_finder_reports_nothing_left_to_override(capsys):
    assert finder.main([]) == 0, capsys.readouterr().out


def test_the_finder_still_sees_allauths_informal_german_so_the_check_is_not_vacuous():
    # If allauth ever switches to "Sie" these tests and the overrides can go.
    assert len(INFORMAL) >= 50
    assert finder.is_informal("Bitte gib dein aktuelles Passwort ein.")
    assert finder.is_informal("Folge dem Link.")
    assert not finder.is_informal("Bitte geben Sie Ihr aktuelles Passwort ein.")
    assert not finder.is_informal("Beim Versuch, sich über Ihr Konto anzumelden, gab es Folgen.")
    # Without our catalogs every one of them would reach the customer.
    assert finder.still_informal(ALLAUTH, [{}, {}]) == INFORMAL


@pytest.mark.parametrize("entry", INFORMAL, ids=lambda e: e.msgid[:60])
def test_every_informal_allauth_message_is_served_formally_in_german(entry):
    for served in _django_translations(entry):
        assert served != entry.msgid, "not translated at all"
        assert not finder.is_informal(served), served


def test_the_override_catalog_holds_only_allauths_informal_messages():
    informal_keys = {e.key for e in INFORMAL}
    assert OVERRIDES
    assert [e.msgid for e in OVERRIDES if e.key not in informal_keys] == []


@pytest.mark.parametrize("override", OVERRIDES, ids=lambda e: e.msgid[:60])
def test_overrides_keep_allauths_placeholders_plurals_and_context(override):
    original = {e.key: e for e in ALLAUTH}[override.key]
    assert override.msgid_plural == original.msgid_plural
    assert len(override.msgstrs) == len(original.msgstrs)
    for ours, theirs in zip(override.msgstrs, original.msgstrs, strict=True):
        assert sorted(PLACEHOLDER.findall(ours)) == sorted(PLACEHOLDER.findall(theirs))
        assert not finder.is_informal(ours)


def test_the_committed_mo_file_matches_the_po_file():
    import gettext

    with (OVERRIDE_PO.with_suffix(".mo")).open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in OVERRIDES:
        assert entry.msgctxt is None and entry.msgid_plural is None  # none in allauth today
        assert compiled.gettext(entry.msgid) == entry.msgstrs[0], "run `make messages`"


# --- how Django merges the catalogs -------------------------------------------------------------


def test_locale_paths_put_our_catalog_first_and_the_overrides_second():
    base = Path(settings.BASE_DIR)
    assert [Path(p) for p in settings.LOCALE_PATHS] == [base / "locale", base / "locale_overrides"]


def _write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU .mo file (the format of CPython's Tools/i18n/msgfmt.py), so no msgfmt is needed."""
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
    catalog = sorted({"": header, **messages}.items())
    ids = strs = b""
    offsets = []
    for msgid, msgstr in catalog:
        key, value = msgid.encode(), msgstr.encode()
        offsets.append((len(ids), len(key), len(strs), len(value)))
        ids += key + b"\0"
        strs += value + b"\0"
    keystart = 7 * 4 + 16 * len(catalog)
    valuestart = keystart + len(ids)
    table = [x for o1, l1, _, _ in offsets for x in (l1, o1 + keystart)]
    table += [x for _, _, o2, l2 in offsets for x in (l2, o2 + valuestart)]
    path.parent.mkdir(parents=True)
    path.write_bytes(
        struct.pack("Iiiiiii", 0x950412DE, 0, len(catalog), 28, 28 + 8 * len(catalog), 0, 0)
        + array.array("i", table).tobytes()
        + ids
        + strs
    )


def test_every_locale_path_beats_allauth_and_the_first_locale_path_beats_the_second(tmp_path):
    first, second = tmp_path / "locale", tmp_path / "locale_overrides"
    _write_mo(first / "de" / "LC_MESSAGES" / "django.mo", {"Password": "Kennwort (erste)"})
    _write_mo(
        second / "de" / "LC_MESSAGES" / "django.mo",
        {"Password": "Kennwort (zweite)", "Sign In": "Einloggen (zweite)"},
    )
    # Changing LOCALE_PATHS resets Django's translation cache (django.test.signals).
    with override_settings(LOCALE_PATHS=[first, second]):
        assert _german("Password") == "Kennwort (erste)"
        assert _german("Sign In") == "Einloggen (zweite)"  # allauth: "Anmeldung"
    # Same rule with the real catalogs: locale/de ("erstellt") beats allauth ("Erstellt").
    assert _german("created") == "erstellt"


# --- the pages a German customer sees -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "formal_sentence"),
    [
        ("account_login", "Sie haben noch kein Konto?"),
        ("account_signup", "Sie haben bereits ein Konto?"),
        ("account_reset_password", "Geben Sie unten Ihre E-Mail-Adresse ein."),
        ("account_reset_password_done", "Wir haben Ihnen eine E-Mail geschickt."),
    ],
)
def test_german_sign_in_pages_say_sie(client, url_name, formal_sentence):
    text = german_page(client, reverse(url_name))

    assert_formal(text)
    assert FORMAL_WORDS.search(text)
    assert formal_sentence in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "formal_sentence"),
    [
        ("account_email", "Die Bestätigung Ihrer E-Mail-Adresse steht noch aus."),
        ("account_change_password", "Passwort ändern"),
        ("account_logout", "Sind Sie sicher, dass Sie sich abmelden möchten?"),
        ("mfa_index", "Zwei-Faktor-Authentifizierung"),
    ],
)
def test_german_account_management_pages_say_sie(client, customer, url_name, formal_sentence):
    client.force_login(customer)

    text = german_page(client, reverse(url_name))

    assert_formal(text)
    assert formal_sentence in text


@pytest.mark.django_db
def test_a_wrong_password_on_the_german_login_page_is_reported_without_du(client, customer):
    text = german_page(
        client, reverse("account_login"), {"login": customer.email, "password": "wrong-pass-1"}
    )

    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in text
    assert_formal(text)


@pytest.mark.django_db
def test_mismatched_passwords_on_the_german_sign_up_page_are_reported_formally(client):
    text = german_page(
        client,
        reverse("account_signup"),
        {
            "display_name": "Greta",
            "email": "greta@example.com",
            "password1": "a-long-Passphrase-1",
            "password2": "another-Passphrase-2",
        },
    )

    assert "Sie müssen zweimal dasselbe Passwort eingeben." in text
    assert_formal(text)


@pytest.mark.django_db
def test_a_wrong_current_password_in_german_asks_for_ihr_aktuelles_passwort(client, customer):
    client.force_login(customer)

    text = german_page(
        client,
        reverse("account_change_password"),
        {
            "oldpassword": "not-my-password",
            "password1": "New-pass-123x",
            "password2": "New-pass-123x",
        },
    )

    assert "Bitte geben Sie Ihr aktuelles Passwort ein." in text
    assert_formal(text)


@pytest.mark.django_db
def test_the_german_password_reset_mail_says_sie(client, customer):
    response = client.post(
        reverse("account_reset_password"), {"email": customer.email}, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert_formal(message.subject + "\n" + message.body)
    assert "Sie erhalten diese E-Mail, weil Sie oder jemand anderes" in message.body
    assert "Vielen Dank, dass Sie" in message.body


@pytest.mark.django_db
def test_the_german_sign_up_confirmation_mail_says_sie(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Greta",
            "email": "greta@example.com",
            "password1": "a-long-Passphrase-1",
            "password2": "a-long-Passphrase-1",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in message.subject
    assert_formal(message.subject + "\n" + message.body)
    assert FORMAL_WORDS.search(message.body)
