"""Turn what a source delivers (feed bytes, a webhook's JSON, an RFC 822 message) into
``RawItem``s. Nothing here trusts its input: every field is cut to size before any
further work, and HTML is only ever passed on to be sanitized (``services.item_fields``).
"""

from __future__ import annotations

import calendar
import email
import email.policy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

# Raw HTML is cut to this before sanitizing, so a huge item costs bounded work; the stored
# text is cut again (settings.LISTENING_ITEM_MAX_CHARS) after sanitizing.
MAX_RAW_CHARS = 100_000
MAX_ENTRIES_PER_FEED = 500


class ParseError(Exception):
    """The document is not a feed (or message) we can read at all."""


@dataclass(frozen=True)
class RawItem:
    external_id: str
    link: str = ""
    author: str = ""
    title: str = ""
    html: str = ""  # untrusted HTML (or plain text, which is valid HTML after escaping)
    published_at: datetime | None = None


def _cut(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _from_struct(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _fallback_id(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_feed(body: bytes) -> list[RawItem]:
    """RSS or Atom bytes -> items. A feed with recoverable errors still yields its entries
    (feedparser's "bozo" flag); one with no entries and an error raises ParseError."""
    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        raise ParseError(f"not a readable feed: {parsed.get('bozo_exception')}"[:300])
    items = []
    for entry in parsed.entries[:MAX_ENTRIES_PER_FEED]:
        content = entry.get("content") or []
        html = (content[0].get("value") if content else None) or entry.get("summary") or ""
        link = _cut(entry.get("link"), 1000)
        title = _cut(entry.get("title"), 2000)
        html = _cut(html, MAX_RAW_CHARS)
        external_id = _cut(entry.get("id"), 500) or link or _fallback_id(title, html)
        items.append(
            RawItem(
                external_id=external_id,
                link=link,
                author=_cut(entry.get("author"), 500),
                title=title,
                html=html,
                published_at=_from_struct(
                    entry.get("published_parsed") or entry.get("updated_parsed")
                ),
            )
        )
    return items


def parse_mention(data: Any) -> RawItem:
    """One mention from the social-media tool's webhook:
    ``{"id", "url", "author", "title", "text" or "html", "published_at" (ISO 8601)}``."""
    if not isinstance(data, dict):
        raise ParseError("a mention must be a JSON object")
    external_id = _cut(data.get("id"), 500).strip()
    if not external_id:
        raise ParseError("a mention needs an id")
    published_at = None
    if isinstance(data.get("published_at"), str):
        try:
            published_at = datetime.fromisoformat(data["published_at"][:40])
        except ValueError:
            published_at = None
        if published_at is not None and published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
    return RawItem(
        external_id=external_id,
        link=_cut(data.get("url"), 1000),
        author=_cut(data.get("author"), 500),
        title=_cut(data.get("title"), 2000),
        html=_cut(
            data.get("html") or _escape_text(_cut(data.get("text"), MAX_RAW_CHARS)), MAX_RAW_CHARS
        ),
        published_at=published_at,
    )


def _escape_text(text: str) -> str:
    from html import escape

    return escape(text)


def parse_message(raw: bytes) -> RawItem:
    """An RFC 822 message (IMAP or forwarded) -> item: the subject is the title, the
    plain-text part (else the HTML part) the text, the Message-ID the id."""
    if len(raw) > MAX_RAW_CHARS * 20:
        raw = raw[: MAX_RAW_CHARS * 20]
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this is for truly broken input
        raise ParseError(f"not a readable message: {exc}"[:300]) from exc
    if not isinstance(message, EmailMessage):
        raise ParseError("not a readable message")
    html = ""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            content = part.get_content()
            if isinstance(content, str):
                content = content[:MAX_RAW_CHARS]
                html = content if part.get_content_subtype() == "html" else _escape_text(content)
    except (LookupError, ValueError, AssertionError):
        html = ""
    subject = _cut(message.get("Subject"), 2000)
    sender = _cut(message.get("From"), 500)
    message_id = _cut(message.get("Message-ID"), 500).strip()
    published_at = None
    if message.get("Date"):
        try:
            published_at = parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            published_at = None
        if published_at is not None and published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
    return RawItem(
        external_id=message_id or _fallback_id(sender, subject, html),
        author=sender,
        title=subject,
        html=html,
        published_at=published_at,
    )
