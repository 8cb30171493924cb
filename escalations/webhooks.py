"""Signed HTTP for the helpdesk hand-off: HMAC signatures, SSRF-safe sending.

Signature: ``X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with
``X-Timestamp: <unix seconds>``. Signing the timestamp with the body lets the receiver
refuse replays of an old, validly signed request.

SSRF: the target host is resolved at send time, every address it resolves to must be
public (unless private targets are explicitly allowed), and the connection is made to the
address that was checked, not re-resolved, so a DNS answer that changes between the check
and the connect (rebinding) cannot redirect the request to an internal service. Redirects
are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

SIGNATURE_PREFIX = "sha256="
USER_AGENT = "helpcommunity-escalations/1"


class WebhookRefused(Exception):
    """The target is not allowed (scheme, private address). Permanent: never retried."""


class TransientWebhookError(Exception):
    """Network trouble, timeout, 5xx or 429: worth retrying later."""


class SignatureError(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    max_age_seconds: float,
) -> None:
    """Raise SignatureError unless ``signature`` signs ``body`` at a recent ``timestamp``."""
    if not secret:
        raise SignatureError("Inbound webhooks are not configured.", code="not_configured")
    if not timestamp or not signature:
        raise SignatureError("X-Timestamp and X-Signature are required.", code="missing_signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("X-Timestamp must be unix seconds.", code="bad_timestamp") from None
    # Compare first, then check age: an attacker learns nothing from which check failed.
    expected = sign(secret, sent_at, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("The signature does not match.", code="bad_signature")
    if abs(now - sent_at) > max_age_seconds:
        raise SignatureError("The request is too old (or from the future).", code="stale_timestamp")


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global is False for private, loopback, link-local (incl. cloud metadata
    # 169.254.169.254), shared, reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast


def url_check_static(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """Checks that need no DNS: scheme, host, and literal IP addresses. Returns
    (scheme, host, port)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise WebhookRefused("Only http and https targets are allowed.")
    if not parts.hostname:
        raise WebhookRefused("The URL has no host.")
    if parts.username or parts.password:
        raise WebhookRefused("Credentials in the URL are not allowed; use the signing secret.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused("The URL has an invalid port.") from None
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host.lower() in {"localhost", "localhost.localdomain"} and not allow_private:
            raise WebhookRefused("Private or loopback targets are not allowed.") from None
    else:
        if not allow_private and not _address_allowed(host):
            raise WebhookRefused("Private or loopback targets are not allowed.")
    return parts.scheme, host, port


def resolve_checked(host: str, port: int, *, allow_private: bool) -> str:
    """Resolve ``host`` now and return one address to connect to; refuse if ANY address
    it resolves to is private (a mixed answer is the classic rebinding trick)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransientWebhookError(f"cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise TransientWebhookError(f"{host} has no addresses")
    if not allow_private:
        for address in addresses:
            if not _address_allowed(address):
                raise WebhookRefused(f"{host} resolves to a private address ({address}).")
    return addresses[0]


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


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str


def post_json(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool
) -> HttpResult:
    """POST ``body`` to ``url`` after the SSRF checks. Raises WebhookRefused (permanent) or
    TransientWebhookError (connection trouble); any HTTP status is returned."""
    scheme, host, port = url_check_static(url, allow_private=allow_private)
    address = resolve_checked(host, port, allow_private=allow_private)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = conn_class(host, port, address=address, timeout=timeout)
    try:
        conn.request(
            "POST",
            target,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = conn.getresponse()
        text = response.read(4096).decode("utf-8", "replace")
        return HttpResult(status=response.status, body=text)
    except (OSError, http.client.HTTPException) as exc:
        raise TransientWebhookError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
