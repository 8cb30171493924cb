"""User text never becomes script, and no page needs an inline script.

The CSP (settings.SECURE_CSP) allows scripts from our own origin only; these tests make
sure no page depends on an inline <script> or an on* attribute (they would be blocked, or
worse, would tempt someone to add 'unsafe-inline'), and that every place user text appears
escapes or sanitizes the XSS corpus of tests/forum/test_markup_xss.py: titles, bodies,
names, tags, search snippets, notifications, e-mails, flags, sanctions, the audit log.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from forum import services as forum_services
from forum.moderation import services as moderation_services
from notifications.emails import notification_message
from notifications.models import Notification
from tests.factories import CategoryFactory, TagFactory, UserFactory
from tests.forum.test_markup_xss import PAYLOADS

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text")


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k.lower() for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}>")
        for key, value in attrs:
            key = key.lower()
            if key.startswith("on"):
                self.problems.append(f"<{tag} {key}=…>")
            url_attr = key in ("href", "src", "action", "formaction", "xlink:href")
            scheme = (value or "").strip().lower().replace("\t", "")
            if url_attr and scheme.startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {key}={(value or '')[:30]}>")


def problems_in(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    return audit.problems


def test_the_auditor_catches_what_it_should():
    assert problems_in("<script>alert(1)</script>") == ["inline <script>"]
    assert problems_in('<img src=x onerror="alert(1)">') == ["<img onerror=…>"]
    assert problems_in('<a href="javascript:alert(1)">x</a>')
    assert problems_in('<script src="/static/js/site.js"></script>') == []


CORPUS = "\n\n".join(PAYLOADS)
SHORT = [p for p in PAYLOADS if len(p) <= 80][:12]


@pytest.fixture
def hostile(db):
    """A community where every user-typed field carries XSS payloads."""
    author = UserFactory(display_name=SHORT[6][:80], roles=["customer"])
    answerer = UserFactory(display_name='"><svg onload=alert(1)>', roles=["customer"])
    moderator = UserFactory(display_name="<b onmouseover=alert(1)>Mod</b>", roles=["moderator"])
    category = CategoryFactory(name="<img src=x onerror=alert(1)>", slug="hostile")
    TagFactory(name="x-onerror", slug="x-onerror")
    thread = forum_services.thread_create(
        author=author, category=category,
        title="<script>alert('title')</script> printer help",
        body="Question text.\n\n" + CORPUS, tags=["x-onerror"],
    )  # fmt: skip
    post = forum_services.answer_create(thread=thread, author=answerer, body=CORPUS)
    moderation_services.flag_create(
        flagger=author, thread=thread, post=post, reason="other",
        text='<img src=x onerror=alert("flag")>',
    )  # fmt: skip
    moderation_services.thread_lock(
        thread=thread, moderator=moderator, locked=True, reason="<script>alert(2)</script>"
    )
    moderation_services.user_sanction(
        moderator=moderator, user=answerer, kind="silence", days=1,
        reason='<a href="javascript:alert(1)">why</a>',
    )  # fmt: skip
    note = Notification.objects.create(
        recipient=author, kind="answer", title="<script>alert('note')</script>",
        url=f"/t/{thread.pk}/", thread=thread,
    )  # fmt: skip
    return {
        "author": author, "answerer": answerer, "moderator": moderator, "thread": thread,
        "post": post, "category": category, "note": note,
    }  # fmt: skip


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _pages(h: dict) -> list[tuple[Client, str]]:
    t = h["thread"]
    anon, author = _client(), _client(h["author"])
    mod, silenced = _client(h["moderator"]), _client(h["answerer"])
    return [
        (anon, "/"),
        (anon, f"/c/{h['category'].slug}/"),
        (anon, f"/t/{t.pk}/"),
        (anon, f"/t/{t.pk}/revisions/"),
        (anon, "/tags/x-onerror/"),
        (anon, f"/u/{h['answerer'].username}/"),
        (anon, "/search/?q=printer"),
        (anon, "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E"),
        (anon, "/experts/"),
        (anon, "/legal/privacy/"),
        (author, f"/t/{t.pk}/"),
        (author, "/notifications/"),
        (author, "/settings/"),
        (author, "/settings/privacy/"),
        (author, f"/moderation/a/{h['post'].pk}/flag/"),
        (mod, f"/t/{t.pk}/"),
        (mod, "/moderation/"),
        (mod, "/moderation/log/"),
        (mod, f"/moderation/t/{t.pk}/manage/"),
        (mod, f"/moderation/u/{h['answerer'].username}/sanction/"),
        (mod, "/staff/escalations/"),
        (silenced, "/moderation/me/"),
    ]


def test_no_page_has_inline_script_or_event_handlers_even_with_hostile_content(hostile):
    found = {}
    for client, url in _pages(hostile):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        problems = problems_in(response.content.decode())
        if problems:
            found[url] = problems
    assert not found


def test_every_page_is_served_with_a_csp_without_unsafe_inline_scripts(hostile):
    for client, url in _pages(hostile):
        csp = client.get(url).headers.get("Content-Security-Policy", "")
        script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
        assert script_src and "unsafe-inline" not in script_src, url


def test_notification_emails_escape_user_text(hostile):
    message = notification_message(hostile["note"])
    html = next(body for body, mime in message.alternatives if mime == "text/html")
    assert problems_in(html) == []
    assert "<script>alert('note')" not in html


def test_the_api_returns_user_text_as_data_not_html(hostile):
    response = _client().get(f"/api/v1/threads/{hostile['thread'].pk}/")
    assert response["Content-Type"].startswith("application/json")
    assert problems_in(response.json()["body_html"]) == []


def test_hostile_text_is_shown_escaped_not_dropped(hostile):
    page = _client().get(f"/t/{hostile['thread'].pk}/").content.decode()
    assert "&lt;script&gt;alert(" in page  # the title, visible as text
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page  # the answerer's name
    queue = _client(hostile["moderator"]).get("/moderation/").content.decode()
    assert "&lt;img src=x onerror=alert(&quot;flag&quot;)&gt;" in queue
