"""Escalation fixtures: a predictable SLA policy (plain hours), threads written through the
real forum services with their after-commit work (event dispatch, tasks) run like a request
would, and a real HTTP server on 127.0.0.1 for the helpdesk webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from escalations.models import SlaPolicy
from forum import services as forum_services
from tests.factories import CategoryFactory


@pytest.fixture
def sla_policy(category) -> SlaPolicy:
    """Plain wall-clock hours: 60 min to a first answer, 4 h to an accepted one."""
    return SlaPolicy.objects.create(
        name="Printers",
        category=category,
        business_hours=False,
        first_answer_minutes=60,
        accepted_answer_minutes=240,
        staff_response_minutes=30,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """Call a service and run its after-commit work (event dispatch, queued tasks)."""

    def run(fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


@pytest.fixture
def ask(committed, category, sla_policy) -> Callable[..., Any]:
    def make(author, *, title: str = "My printer prints blank pages", cat=None):
        return committed(
            forum_services.thread_create,
            author=author,
            category=cat or category,
            title=title,
            body="Since the last update every page comes out blank. I replaced the ink.",
        )

    return make


@pytest.fixture
def other_category(db):
    return CategoryFactory(name="Scanners", slug="scanners")


# --- A real HTTP server for outbound webhooks -------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HelpdeskServer:
    url: str
    received: list[Received] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once exhausted.
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def helpdesk_server() -> Iterator[HelpdeskServer]:
    state = HelpdeskServer(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                state.received.append(
                    Received(path=self.path, headers=dict(self.headers.items()), body=body)
                )
                status = state.statuses.pop(0) if state.statuses else 200
            payload = json.dumps({"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/community"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
