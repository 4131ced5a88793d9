"""A real HTTP receiver for the tests: http.server in a thread on 127.0.0.1, recording each
request and checking its signature the way docs/integration.md tells receivers to."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from desist.events import signing


def free_port() -> int:
    """A port nothing listens on (bound, then closed): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    signature_ok: bool
    answered: int


@dataclass
class Receiver:
    port: int
    secrets: dict[str, str]  # path -> the subscription's secret
    clock: Callable[[], int]  # the receiver's idea of now (seconds), for the replay window
    status: int = 200
    requests: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                secret = receiver.secrets.get(self.path, "")
                ok = signing.verify(
                    secret=secret,
                    timestamp=self.headers.get("Desist-Timestamp", ""),
                    body=body,
                    signature_header=self.headers.get("Desist-Signature", ""),
                    now=receiver.clock(),
                )
                answered = receiver.status if ok else 400
                receiver.requests.append(
                    Received(self.path, dict(self.headers.items()), body, ok, answered)
                )
                self.send_response(answered)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def delivered(self, path: str | None = None) -> list[Received]:
        return [r for r in self.requests if 200 <= r.answered < 300 and path in (None, r.path)]
