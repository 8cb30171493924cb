"""A local fake of the one Stripe endpoint we call (POST /v1/transfers), in a thread.

It insists on an Idempotency-Key, answers a repeated key with the stored first answer (as
Stripe does), and counts real transfers. ``drop_first_response`` records the transfer and
then hangs up without answering: the worker "dies" between the provider's action and its
answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeStripe:
    def __init__(self) -> None:
        self.transfers: dict[str, dict] = {}  # idempotency key -> transfer
        self.requests: list[dict] = []
        self.drop_first_response = False
        self.fail_destination: str | None = None
        self.missing_key_requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                key = self.headers.get("Idempotency-Key")
                fake.requests.append({"path": self.path, "form": form, "key": key})
                if not key:
                    fake.missing_key_requests += 1
                    return self._send(
                        400,
                        {
                            "error": {
                                "type": "invalid_request_error",
                                "message": "Idempotency-Key required",
                            }
                        },
                    )
                if form.get("destination") == fake.fail_destination:
                    return self._send(
                        400,
                        {
                            "error": {
                                "type": "invalid_request_error",
                                "message": "No such destination",
                                "param": "destination",
                            }
                        },
                    )
                if key in fake.transfers:
                    return self._send(200, fake.transfers[key])
                transfer = {
                    "id": f"tr_{len(fake.transfers) + 1:06d}",
                    "object": "transfer",
                    "amount": int(form["amount"]),
                    "currency": form["currency"],
                    "destination": form["destination"],
                    "metadata": {"payout_id": form.get("metadata[payout_id]")},
                }
                fake.transfers[key] = transfer
                if fake.drop_first_response:
                    fake.drop_first_response = False
                    # The transfer happened; the caller never hears about it.
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._send(200, transfer)

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
