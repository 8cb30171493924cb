"""Reply by e-mail: an inbound mail provider posts the raw message to our webhook; a reply
to reply+<token>@NOTIFICATIONS_REPLY_DOMAIN becomes an answer in the token's thread."""

from __future__ import annotations

import hashlib
import hmac
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User
from core.exceptions import NotFound, PermissionDenied, ValidationError
from core.markup import html_to_text, sanitize_html
from forum import permissions
from forum.models import Post, Thread
from forum.services import answer_create
from notifications.emails import reply_token_read
from notifications.models import InboundMail

SIGNATURE_HEADER = "X-Inbound-Signature"
_REPLY_LOCAL_RE = re.compile(r"^reply\+([0-9a-zA-Z-]+)$")


class InboundRejected(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# --- The webhook request ----------------------------------------------------------------------


def signature_for(body: bytes, secret: str | None = None) -> str:
    secret = secret if secret is not None else settings.NOTIFICATIONS_INBOUND_SECRET
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(request: HttpRequest) -> bool:
    """HMAC-SHA256 of the raw request body with the shared secret; no secret, no entry."""
    secret = getattr(settings, "NOTIFICATIONS_INBOUND_SECRET", "")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not given:
        return False
    return hmac.compare_digest(given.strip(), signature_for(request.body, secret))


def raw_message_from(request: HttpRequest) -> bytes | None:
    if request.content_type == "message/rfc822":
        return request.body or None
    if "message" in request.FILES:
        return request.FILES["message"].read() or None
    value = request.POST.get("message", "")
    return value.encode("utf-8") if value else None


# --- Parsing ----------------------------------------------------------------------------------

# Lines that start the quoted original or the signature: everything from there on goes.
_CUT_PATTERNS = [
    re.compile(r"^\s*On\b.*\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.*\bschrieb\b.*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's divider above the quoted header block
    re.compile(r"^\s*(From|Von):\s.+$"),  # Outlook quotes start with the header block
]


def _is_cut_line(line: str, next_line: str) -> bool:
    if line.rstrip("\r\n") in {"-- ", "--"}:  # RFC 3676 signature separator
        return True
    if any(p.match(line) for p in _CUT_PATTERNS):
        return True
    # Clients wrap long attributions: "On Mon, 3 Mar 2025 at 10:00, Ann <a@b.c>\nwrote:".
    joined = f"{line.rstrip()} {next_line.strip()}"
    return bool(
        re.match(r"^\s*(On|Am)\b", line) and any(p.match(joined) for p in _CUT_PATTERNS[:2])
    )


def strip_quoted(text: str) -> str:
    """The new part of a reply: no quoted original, no "> " lines, no signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_cut_line(line, next_line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def message_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        # html_to_text separates inline elements with spaces ("<b>x</b>," -> "x ,").
        content = re.sub(r"[ \t]+([,.;:!?])", r"\1", html_to_text(sanitize_html(content)))
    return content


def _reply_token(message: EmailMessage) -> str | None:
    domain = getattr(settings, "NOTIFICATIONS_REPLY_DOMAIN", "").lower()
    headers = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        headers.extend(str(v) for v in message.get_all(name, []))
    for _name, address in getaddresses(headers):
        local, _at, addr_domain = address.rpartition("@")
        match = _REPLY_LOCAL_RE.match(local)
        if match and (not domain or addr_domain.lower() == domain):
            return match.group(1)
    return None


def reply_handle(*, raw: bytes) -> Post:
    """Create the answer a reply e-mail carries; InboundRejected says why not."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    token = _reply_token(message)
    parsed = reply_token_read(token) if token else None
    if parsed is None:
        raise InboundRejected("bad token", 400)
    user_id, thread_id = parsed
    user = User.objects.filter(pk=user_id, is_active=True).first()
    thread = Thread.objects.filter(pk=thread_id).first()
    if user is None or thread is None:
        raise InboundRejected("bad token", 400)
    senders = getaddresses([str(v) for v in message.get_all("From", [])])
    sender = senders[0][1].strip().lower() if senders else ""
    # The token alone would let anyone who saw the e-mail post as its recipient.
    if not sender or not user.email or sender != user.email.strip().lower():
        raise InboundRejected("sender does not match", 403)
    if not permissions.can_answer(user, thread):
        raise InboundRejected("may not answer", 403)
    body = strip_quoted(message_text(message))
    if not body:
        raise InboundRejected("empty reply", 400)
    message_id = str(message.get("Message-ID", "")).strip()[:255] or None
    try:
        with transaction.atomic():
            record = None
            if message_id:
                record = InboundMail.objects.create(message_id=message_id, user=user, thread=thread)
            post = answer_create(thread=thread, author=user, body=body)
            if record is not None:
                record.post = post
                record.save(update_fields=["post"])
    except IntegrityError as exc:
        raise InboundRejected("duplicate message", 409) from exc
    except ValidationError as exc:
        raise InboundRejected("invalid answer: " + "; ".join(exc.messages), 400) from exc
    except (PermissionDenied, NotFound) as exc:
        raise InboundRejected(exc.message, 403) from exc
    return post
