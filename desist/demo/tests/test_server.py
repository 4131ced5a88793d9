"""The demo server does not announce its software or Python version (issue 12, Low 5)."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desist.demo.server import QuietRunserver, QuietWSGIServer


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    from django.core.servers.basehttp import WSGIRequestHandler

    httpd = QuietWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    httpd.set_app(_app)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()


def test_no_server_header_on_a_page(server: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*server, timeout=5)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"ok"
    assert response.getheader("Server") is None
    assert "Python" not in str(response.headers)


def test_no_server_header_on_a_malformed_request(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(b"GET / two-paths HTTP/1.1\r\n\r\n")
        raw = sock.recv(4096).decode("latin-1")
    assert raw.split(" ")[1] == "400" and "Date:" in raw
    assert "Server:" not in raw and "Python" not in raw


def test_serve_uses_the_quiet_server() -> None:
    assert QuietRunserver.server_cls is QuietWSGIServer
