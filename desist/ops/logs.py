"""Structured logs: one JSON object a line on stderr, through structlog and django-structlog.

Every line carries `timestamp` (ISO 8601, UTC), `level`, `logger` and `event`; lines written
while a request runs also carry `request_id` (the X-Request-ID Desist returns and stores on
audit rows) and `user_id` (a number, never a name). Personal data never goes in: request lines
name the route pattern, not the path or query string (desist/ops/request_log.py), and no
client address, user agent or form value is logged.

Imported by the settings, so it imports nothing from Django.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from typing import IO, Any

import structlog

# Applied to structlog's own events and to plain `logging` records alike.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
    # Python's warnings too become log records (logger py.warnings), so JSON lines, not text.
    logging.captureWarnings(True)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter() -> dict[str, Any]:
    """The `logging` formatter (dictConfig form) that renders every record as one JSON line."""
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        # Django logs "Not Found: ..." after the middleware has left the request's context, so
        # NoPathsFilter puts its request id on the record and this copies it into the line.
        "foreign_pre_chain": [
            *SHARED_PROCESSORS,
            structlog.stdlib.ExtraAdder(allow=["request_id"]),
        ],
    }


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record is emitted, or to the real stderr behind
    a StderrAsLog (below), rather than to the stream there was when logging was configured."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        current = sys.stderr
        return current.real if isinstance(current, StderrAsLog) else current

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass  # always the current stderr


class NoPathsFilter(logging.Filter):
    """Django's own records name what they should not: django.request says "Not Found:
    /programme/calendar/<token>.ics", django.security.* quotes the Host or path it refused.
    The path becomes the route pattern (or "unmatched"); a security record keeps only its
    kind, without the message or traceback that quote the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security"):
            record.msg = f"{record.name.rsplit('.', 1)[-1]}: request refused"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        elif record.name == "django.server" and isinstance(record.args, tuple) and record.args:
            # runserver's '"GET /path HTTP/1.1"': the method alone.
            line = str(record.args[0]).strip('"').split(" ", 1)[0]
            record.args = (line, *record.args[1:])
        elif record.name == "django.request":
            request = getattr(record, "request", None)
            paths = {getattr(request, "path", None), getattr(request, "get_full_path", str)()}
            match = getattr(request, "resolver_match", None)
            route = f"/{match.route}" if match is not None else "unmatched"
            if isinstance(record.args, tuple):
                record.args = tuple(route if a in paths else a for a in record.args)
            if getattr(request, "request_id", None):
                record.request_id = request.request_id  # type: ignore[union-attr]
            if request is None or not isinstance(record.args, tuple):
                record.msg, record.args = "request line withheld", ()  # no request to judge by
        return True


def logging_config(*, level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter()},
        "filters": {"no_paths": {"()": NoPathsFilter}},
        "handlers": {
            "console": {"()": StderrHandler, "formatter": "json", "filters": ["no_paths"]}
        },
        "root": {"handlers": ["console"], "level": level.upper()},
    }


class StderrAsLog(io.TextIOBase):
    """Stands in for sys.stderr in a gunicorn worker: whatever is printed there (gunicorn prints
    a failing worker's error after logging it) becomes a log record a line, so JSON too. A log
    handler bound to this stream writes through it to the real stderr (the re-entry below)."""

    def __init__(self, real: IO[str], logger: str) -> None:
        self.real = real
        self._log = logging.getLogger(logger)
        self._local = threading.local()
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if getattr(self._local, "logging", False):  # a handler's own write: pass it through
            return self.real.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        self._emit(lines)
        return len(text)

    def flush(self) -> None:
        if not getattr(self._local, "logging", False):
            self._emit([self._pending])
            self._pending = ""
        self.real.flush()

    def _emit(self, lines: list[str]) -> None:
        self._local.logging = True
        try:
            for line in lines:
                if line.strip():
                    self._log.error("%s", line)
        finally:
            self._local.logging = False
