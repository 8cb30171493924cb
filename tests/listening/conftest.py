"""A feed server on loopback, served by the tests themselves: nothing reaches the internet."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from listening import services


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path, Route(status=404, body=b"not here"))
                if (
                    route.headers.get("ETag")
                    and self.headers.get("If-None-Match") == route.headers["ETag"]
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes | str, status: int = 200, **headers: str) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(status=status, body=body, headers=headers)
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _listening_settings(settings):
    settings.LISTENING_ALLOW_PRIVATE = True
    settings.LISTENING_SUPPORT_THRESHOLD = 0.5
    # Each test trains (or loads) its own model: forget the process's cached one.
    services._loaded = None
    yield
    services._loaded = None


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Mentions of Lumio</title><link>https://social.example/search?q=lumio</link>"
        "<description>saved search</description>" + "".join(items) + "</channel></rss>"
    )


def rss_item(guid: str, title: str, description: str, link: str = "", author: str = "") -> str:
    from xml.sax.saxutils import escape

    return (
        f'<item><guid isPermaLink="false">{escape(guid)}</guid><title>{escape(title)}</title>'
        f"<link>{escape(link)}</link><description>{escape(description)}</description>"
        f"<author>{escape(author)}</author><pubDate>Sun, 22 Nov 2026 10:00:00 GMT</pubDate></item>"
    )


def atom(*entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Forum mentions</title><id>urn:forum</id><updated>2026-11-22T10:00:00Z</updated>"
        + "".join(entries)
        + "</feed>"
    )


def atom_entry(entry_id: str, title: str, html: str, link: str) -> str:
    from xml.sax.saxutils import escape

    return (
        f"<entry><id>{escape(entry_id)}</id><title>{escape(title)}</title>"
        f'<link rel="alternate" href="{escape(link)}"/><updated>2026-11-22T09:00:00Z</updated>'
        f'<author><name>Fiona</name></author><content type="html">{escape(html)}</content></entry>'
    )
