"""Poll an IMAP mailbox (e.g. a support@ alias customers write to, or a mailbox a
social-media tool forwards mentions into).

``Source.url`` is ``imaps://user@host:993/FOLDER`` (``imap://`` for plain IMAP with
STARTTLS); the password is the source's secret. New messages are found with
``UNSEEN`` and marked seen after they are read; the item id is the Message-ID, so a
message read twice (a crash between fetch and store) is still one item.
The host passes the same SSRF checks as feeds.
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from urllib.parse import unquote, urlsplit

from django.conf import settings

from escalations.webhooks import TransientWebhookError, WebhookRefused, resolve_checked
from listening.fetch import FetchError, FetchRefused
from listening.models import Source

MAX_MESSAGES_PER_POLL = 200
MAX_MESSAGE_BYTES = 2 * 1024 * 1024


def imap_fetch_new(source: Source) -> list[bytes]:
    parts = urlsplit(source.url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
        raise FetchRefused("The mailbox URL must look like imaps://user@host:993/INBOX.")
    allow_private = source.allow_private or settings.LISTENING_ALLOW_PRIVATE
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    try:
        address = resolve_checked(parts.hostname, port, allow_private=allow_private)
    except WebhookRefused as exc:
        raise FetchRefused(str(exc)) from exc
    except TransientWebhookError as exc:
        raise FetchError(str(exc)) from exc
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    timeout = settings.LISTENING_FETCH_TIMEOUT
    try:
        if parts.scheme == "imaps":
            conn: imaplib.IMAP4 = _PinnedIMAP4SSL(
                parts.hostname, port, address=address, timeout=timeout
            )
        else:
            conn = _PinnedIMAP4(parts.hostname, port, address=address, timeout=timeout)
            conn.starttls(ssl_context=ssl.create_default_context())
        try:
            conn.login(unquote(parts.username), source.secret)
            conn.select(f'"{folder}"')
            _status, data = conn.search(None, "UNSEEN")
            numbers = (data[0] or b"").split()[:MAX_MESSAGES_PER_POLL]
            messages = []
            for number in numbers:
                _status, fetched = conn.fetch(number, "(RFC822)")
                messages.extend(
                    part[1]
                    for part in fetched
                    if isinstance(part, tuple) and len(part[1]) <= MAX_MESSAGE_BYTES
                )
                conn.store(number, "+FLAGS", "\\Seen")
            return messages
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()
    except (OSError, imaplib.IMAP4.error) as exc:
        raise FetchError(f"IMAP: {type(exc).__name__}: {exc}"[:300]) from exc


class _PinnedIMAP4(imaplib.IMAP4):
    """Connects to the address that passed the checks; TLS still verifies the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._address, self.port), timeout)


class _PinnedIMAP4SSL(imaplib.IMAP4_SSL):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
