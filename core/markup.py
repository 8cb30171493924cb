"""User content: Markdown in, safe HTML out. The only module that imports bleach.

Content is rendered once, at write time, and the HTML is stored; pages output it as is.
Raw HTML in Markdown is escaped by the parser and the result is sanitized again with an
allow-list, so what a user types can never become script.
"""

from __future__ import annotations

import html
import re
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub",
        "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "code": ["class"],
    "img": ["src", "alt", "title"],
    "td": ["align"],
    "th": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#-]{1,30}$")

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)


def _set_rel(attrs: dict, new: bool = False) -> dict:
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = LINK_REL
        attrs.pop((None, "target"), None)
    return attrs


def _code_class(tag: str, name: str, value: str) -> bool:
    if tag == "code" and name == "class":
        return bool(_LANGUAGE_CLASS.match(value))
    return name in ALLOWED_ATTRIBUTES.get(tag, [])


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_code_class,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def sanitize_html(unsafe_html: str) -> str:
    """Reduce any HTML (ours or imported) to the allow-list; links get ``rel=nofollow ugc``."""
    return _cleaner.clean(unsafe_html)


def render_markdown(text: str) -> str:
    """Markdown source -> sanitized HTML, ready to store and show."""
    return sanitize_html(_markdown.render(text))


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def html_to_text(safe_html: str) -> str:
    """Plain text of sanitized HTML, for search, excerpts and e-mail."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", safe_html))).strip()


def excerpt(safe_html: str, length: int = 200) -> str:
    text = html_to_text(safe_html)
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"
