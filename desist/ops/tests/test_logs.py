"""Request log lines are JSON with timestamp, level, request id and user id, and carry no
personal data: not a name typed in a query string or a form, not the client's address."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from desist.core.roles import RoleCode
from desist.ops.logs import json_formatter

VICTIM_NAME = "Philippa Quennell-Armstrong"
VICTIM_ADDRESS = "14 Larkspur Gardens"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The request logger's output, rendered by the formatter the settings configure."""
    stream = io.StringIO()
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter()},
        "handlers": {
            "capture": {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}
        },
        "loggers": {
            "django_structlog": {"handlers": ["capture"], "level": "INFO", "propagate": False}
        },
    }
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)
    logging.getLogger("django_structlog").handlers.clear()


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_line_has_its_fields_and_no_personal_data(
    client: Any, users: dict[RoleCode, Any], log_lines: io.StringIO
) -> None:
    officer = users[RoleCode.POLICE_OFFICER]
    client.force_login(officer)
    query = {"q": VICTIM_NAME, "address": VICTIM_ADDRESS}
    response = client.get("/subjects/search/", query, REMOTE_ADDR="203.0.113.9")
    client.post(
        "/safeguarding/refer/",
        {"name": VICTIM_NAME, "address": VICTIM_ADDRESS},
        HTTP_USER_AGENT="Mozilla/5.0 (Quennell laptop)",
    )
    lines = _lines(log_lines)
    text = log_lines.getvalue()
    finished = [
        line
        for line in lines
        if line["event"] == "request_finished" and line["request_id"] == response["X-Request-ID"]
    ]
    assert len(finished) == 1
    line = finished[0]
    assert {"timestamp", "level", "request_id", "user_id", "route"} <= set(line)
    assert line["level"] == "info" and line["user_id"] == officer.pk
    assert line["timestamp"].endswith("Z")
    for personal in (
        VICTIM_NAME,
        "Philippa",
        "Quennell",
        "Larkspur",
        "203.0.113.9",
        officer.username,
        "Mozilla",
    ):
        assert personal not in text, personal
    assert len(lines) >= 4  # both requests were logged, start and finish


def test_djangos_own_records_carry_no_path_or_host(
    client: Any, users: dict[RoleCode, Any], capsys: Any
) -> None:
    # What the configured handler (settings.LOGGING) writes to stderr, not one logger's capture.
    logging.config.dictConfig(settings.LOGGING)
    token = "Zq3secretfeedtoken9Xv"
    capsys.readouterr()
    client.force_login(users[RoleCode.POLICE_OFFICER])
    assert client.get("/subjects/987654321/").status_code == 404
    missing = client.get(f"/no-such-page/{token}/")
    assert missing.status_code == 404
    assert client.get("/", HTTP_HOST=f"{token}.example").status_code == 400
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert token not in err and "987654321" not in err
    events = {(line["logger"], line["event"]) for line in lines}
    assert any(e[1].startswith("Not Found: /subjects/<") for e in events), events
    assert ("django.request", "Not Found: unmatched") in events
    # Logged after the request's context ended, yet tied to it (tester finding).
    not_found = [line for line in lines if line["event"] == "Not Found: unmatched"]
    assert [line.get("request_id") for line in not_found] == [missing["X-Request-ID"]]
    assert ("django.security.DisallowedHost", "DisallowedHost: request refused") in events
