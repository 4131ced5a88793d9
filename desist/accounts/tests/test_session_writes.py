"""A signed-in request saves the session only when it changes (issue 21).

The idle clock (SessionLifetimeMiddleware) moves on at most once a minute: a page shown within
a minute of the last stamp writes nothing to the session table. The idle check stays exact on
the stored stamp, so the sign-out comes within a minute of the idle timeout after the last
request, never after it; pages count down from that stamp, so session.js's countdown ends when
the server signs out, and "Stay signed in" always moves the clock.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.accounts.middleware import LAST_SEEN_RESOLUTION_SECONDS
from desist.core.roles import RoleCode

R = RoleCode
LOGIN = reverse("accounts:login")


def _session_writes(client: Any, path: str = "/") -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    return status, writes


def test_a_second_page_within_a_minute_writes_no_session(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    client.force_login(users[R.PRACTITIONER])
    client.get("/")  # the first page stamps the idle clock
    status, writes = _session_writes(client)
    assert status == 200
    assert writes == []


def test_a_page_after_a_minute_moves_the_idle_clock_on(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    client.force_login(users[R.PRACTITIONER])
    client.get("/")
    session = client.session
    session["desist_last_seen"] = time.time() - LAST_SEEN_RESOLUTION_SECONDS - 1
    session.save()
    status, writes = _session_writes(client)
    assert status == 200
    assert writes, "a stamp over a minute old must be written"
    assert time.time() - client.session["desist_last_seen"] < 5


def _stamp(client: Any, seconds_ago: float) -> None:
    session = client.session
    session["desist_last_seen"] = time.time() - seconds_ago
    session.save()


@override_settings(DESIST_IDLE_TIMEOUT_MINUTES=30)
def test_the_page_counts_down_from_the_stamp_the_server_checks(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    """session.js signs out when the page's countdown ends: it must count from the stamp the
    server checks, not from the page load, or the reload it makes then would find the
    session still alive (up to a minute) and the sign-out would not come."""
    client.force_login(users[R.PRACTITIONER])
    client.get("/")
    _stamp(client, 50)  # within the minute: this page does not move it
    html = client.get("/").content.decode()
    found = re.search(r'data-desist-idle-seconds="(\d+)"', html)
    assert found
    assert 30 * 60 - 52 <= int(found.group(1)) <= 30 * 60 - 49


def test_stay_signed_in_moves_the_clock_within_the_minute(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    client.force_login(users[R.PRACTITIONER])
    client.get("/")
    _stamp(client, 30)
    assert client.post(reverse("accounts:session_keepalive")).status_code == 200
    assert time.time() - client.session["desist_last_seen"] < 5


@override_settings(DESIST_IDLE_TIMEOUT_MINUTES=30)
def test_a_stamp_past_the_idle_timeout_signs_out(client: Any, users: dict[RoleCode, Any]) -> None:
    """The check is on the stored stamp, not stretched by the minute it may trail by."""
    client.force_login(users[R.PRACTITIONER])
    client.get("/")
    _stamp(client, 30 * 60 + 2)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
