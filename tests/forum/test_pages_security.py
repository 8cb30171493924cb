"""CSRF on every write form, and no user-typed text ever reaching the page as markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import Post, Thread, Vote
from tests.factories import TagFactory, UserFactory

# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Printer blinks orange after the update",
        body="It blinks orange and will not print anything at all.",
    )


@pytest.fixture
def answer(question, expert):
    return services.answer_create(thread=question, author=expert, body="Reseat the cartridges.")


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_write_without_a_csrf_token_is_refused(customer, category, question, answer):
    client = _csrf_client(customer)
    posts = [
        (reverse("forum:ask"), {"title": "A valid question title", "category": category.pk}),
        (reverse("forum:answer_create", kwargs={"pk": question.pk}), {"body": "An answer."}),
        (reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": "1"}),
        (reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk}), {}),
        (reverse("forum:unaccept", kwargs={"pk": question.pk}), {}),
        (reverse("forum:thread_edit", kwargs={"pk": question.pk}), {"title": "New title here"}),
        (reverse("accounts:preferences"), {"display_name": "Someone"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Thread.objects.count() == 1
    assert Post.objects.count() == 1
    assert not Vote.objects.exists()
    assert not Post.objects.filter(is_accepted=True).exists()


def test_a_write_with_the_pages_csrf_token_goes_through(customer, question, answer):
    client = _csrf_client(customer)
    client.get(question.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("forum:vote", kwargs={"pk": answer.pk}),
        {"value": "1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Vote.objects.filter(user=customer, post=answer, value=1).exists()


# --- XSS ------------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click me</a>',
    "[click me](javascript:alert(1))",
    "<body onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<style>body{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "{{ request }}{% debug %}<b>tpl</b>",
    "<input autofocus onfocus=alert(1)>",
    '![x](x" onerror="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "javascript:/*--></title></style></textarea></script><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<a href='&#106;avascript:alert(1)'>encoded</a>",
]

# Tags our own templates emit; anything else in a page means user text became markup.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "span", "header", "nav",
    "details", "summary", "ul", "ol", "li", "form", "input", "button", "label", "select",
    "option", "main", "footer", "div", "p", "h1", "h2", "h3", "section", "article", "time",
    "dl", "dt", "dd", "strong", "small", "textarea", "aside", "table", "thead", "tbody", "tr",
    "th", "td", "code", "pre", "em", "br", "img", "blockquote", "hr", "del", "s", "b", "i",
}  # fmt: skip


class _PageAudit(HTMLParser):
    """Collects every tag and attribute the browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unexpected <{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.problems.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action", "data"} and (
                value.startswith(("javascript:", "vbscript:", "data:text"))
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.problems.append("inline <script>")
        if tag == "details" and dict(attrs).get("class") != "user-menu":
            self.problems.append("user <details>")

    handle_startendtag = handle_starttag


def _audit(html: str) -> list[str]:
    parser = _PageAudit()
    parser.feed(html)
    return parser.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_never_reaches_the_page_as_markup(client, category, expert, payload):
    index = PAYLOADS.index(payload)
    author = UserFactory(display_name=payload[:80], roles=["customer"])
    tag = TagFactory(name=payload[:40], slug=f"xss-{index}")
    thread = services.thread_create(
        author=author,
        category=category,
        title=f"Question {payload}"[:200],
        body=f"Body text: {payload}",
        tags=[tag.slug],
    )
    services.answer_create(thread=thread, author=author, body=f"Answer text: {payload}")
    services.answer_create(thread=thread, author=expert, body="A harmless other answer.")
    viewer = Client()
    viewer.force_login(expert)
    pages = [
        thread.get_absolute_url(),
        reverse("forum:home"),
        reverse("forum:profile", kwargs={"username": author.username}),
        reverse("forum:category", kwargs={"slug": category.slug}),
        reverse("forum:tag", kwargs={"slug": tag.slug}),
        reverse("forum:thread_revisions", kwargs={"pk": thread.pk}),
    ]
    for url in pages:
        html = viewer.get(url).content.decode()
        assert _audit(html) == [], url
        if "<" in payload or '"' in payload:
            assert payload not in html, url
        # Template syntax in user text is data, never evaluated.
        assert "{% debug %}" not in html or "<b>tpl</b>" not in html


def test_imported_content_credits_its_source_but_never_links_to_script(client, question, answer):
    Thread.objects.filter(pk=question.pk).update(
        source_url="https://example.stackexchange.com/q/1",
        source_author='Ann "<b>" Author',
        source_licence="CC BY-SA 4.0",
    )
    Post.objects.filter(pk=answer.pk).update(source_url="javascript:alert(1)")
    html = client.get(question.get_absolute_url()).content.decode()
    assert 'href="https://example.stackexchange.com/q/1"' in html
    assert "Ann &quot;&lt;b&gt;&quot; Author" in html
    assert "CC BY-SA 4.0" in html
    assert "javascript:alert(1)" not in html
    assert _audit(html) == []
