"""Fetch a feed over HTTP(S): size limit, timeout, no private targets, no redirects to them.

The address checks are escalations' SSRF guard (``escalations.webhooks``): the host is
resolved once, every address must be public unless private targets are allowed
(``settings.LISTENING_ALLOW_PRIVATE`` or the source's ``allow_private``), and the
connection goes to the checked address, so DNS rebinding cannot point it elsewhere.
Redirects are followed by hand (at most ``MAX_REDIRECTS``), each hop checked again.
We use http.client rather than urllib.request because urllib re-resolves the host name
when it connects, which would undo the check.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from escalations.webhooks import (
    TransientWebhookError,
    WebhookRefused,
    resolve_checked,
    url_check_static,
)

USER_AGENT = "helpcommunity-listening/1 (+feed reader)"
MAX_REDIRECTS = 3
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # Certificate and SNI are checked against the host name, not the pinned address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class FetchError(Exception):
    """The fetch failed; the message is safe to show to staff in the source's health."""


class FetchRefused(FetchError):
    """The target is not allowed (scheme, private address): a configuration error."""


@dataclass(frozen=True)
class FetchResult:
    status: int  # 200, or 304 when the feed has not changed
    body: bytes
    etag: str = ""
    last_modified: str = ""


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> FetchResult:
    allow_private = allow_private or settings.LISTENING_ALLOW_PRIVATE
    max_bytes = max_bytes or settings.LISTENING_FETCH_MAX_BYTES
    timeout = timeout or settings.LISTENING_FETCH_TIMEOUT
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            scheme, host, port = url_check_static(url, allow_private=allow_private)
            address = resolve_checked(host, port, allow_private=allow_private)
        except WebhookRefused as exc:
            raise FetchRefused(str(exc)) from exc
        except TransientWebhookError as exc:
            raise FetchError(str(exc)) from exc
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = conn_class(host, port, address=address, timeout=timeout)
        try:
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                if not location:
                    raise FetchError(f"HTTP {response.status} without a Location")
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return FetchResult(status=304, body=b"", etag=etag, last_modified=last_modified)
            if response.status != 200:
                raise FetchError(f"HTTP {response.status} {response.reason}"[:200])
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"the feed is larger than {max_bytes} bytes")
            # Read one byte past the limit to tell "exactly the limit" from "too big".
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchError(f"the feed is larger than {max_bytes} bytes")
            return FetchResult(
                status=200,
                body=body,
                etag=(response.getheader("ETag") or "")[:300],
                last_modified=(response.getheader("Last-Modified") or "")[:100],
            )
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            conn.close()
    raise FetchError("too many redirects")
