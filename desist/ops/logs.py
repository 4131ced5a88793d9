"""Structured logs: one JSON object a line on stderr, through structlog and django-structlog.

Every line carries `timestamp` (ISO 8601, UTC), `level`, `logger` and `event`; lines written
while a request runs also carry `request_id` (the X-Request-ID Desist returns and stores on
audit rows) and `user_id` (a number, never a name). Personal data never goes in: request lines
name the route pattern, not the path or query string (desist/ops/request_log.py), and no
client address, user agent or form value is logged.

Imported by the settings, so it imports nothing from Django.
"""

from __future__ import annotations

from typing import Any

import structlog

# Applied to structlog's own events and to plain `logging` records alike.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
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
        "foreign_pre_chain": SHARED_PROCESSORS,
    }


def logging_config(*, level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter()},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": level.upper()},
    }
