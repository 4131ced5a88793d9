"""The demo server (`desist serve`, `make demo`): Django's development server without the
`Server: WSGIServer/0.2 CPython/3.x` header, which told every client the exact Python version
(issue 12, Low 5). Production runs behind a WSGI server of its own (issue 15)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.runserver import Command as RunserverCommand
from django.core.servers import basehttp


class _ServerHandler(basehttp.ServerHandler):
    server_software = ""  # wsgiref sends no Server header when this is empty


class QuietRequestHandler(basehttp.WSGIRequestHandler):
    def send_response(self, code: int, message: str | None = None) -> None:
        # http.server's own responses (400, 414, ...) would add Server: BaseHTTP/... Python/...
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def handle_one_request(self) -> None:
        """Django's WSGIRequestHandler.handle_one_request with the quiet ServerHandler."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ())
        handler.request_handler = self  # type: ignore[attr-defined]  # as Django does
        handler.run(self.server.get_app())  # type: ignore[attr-defined]


class QuietWSGIServer(basehttp.WSGIServer):
    def __init__(self, server_address: Any, handler: Any, *args: Any, **kwargs: Any) -> None:
        # runserver passes its WSGIRequestHandler; serve every request with the quiet one.
        super().__init__(server_address, QuietRequestHandler, *args, **kwargs)


class QuietRunserver(RunserverCommand):
    server_cls = QuietWSGIServer
