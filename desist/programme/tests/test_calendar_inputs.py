"""The calendar survives hostile input (issue 12, Low 1 and Low 2): an out-of-range week is
refused with a message instead of a server error, and text typed into a session's place can
never add or end events in the .ics feed."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from desist.programme import actions
from desist.programme.models import ProgrammeSession, Referral
from desist.programme.tests.conftest import book


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "1989-12-31"])
def test_an_implausible_week_shows_this_week_with_a_message(
    client: Any, practitioner: Any, week: str
) -> None:
    client.force_login(practitioner)
    response = client.get(reverse("programme:calendar"), {"week": week})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Showing this week instead" in page
    assert response.context["week"].start <= timezone.localdate()


def test_a_plausible_week_is_shown_without_a_message(client: Any, practitioner: Any) -> None:
    client.force_login(practitioner)
    response = client.get(reverse("programme:calendar"), {"week": "2026-03-04"})
    assert str(response.context["week"].start) == "2026-03-02"
    assert "There is a problem" not in response.content.decode()


HOSTILE_PLACES = [
    "Room 1\rBEGIN:VEVENT",
    "Room 2\nSUMMARY:Injected",
    "Room 3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Injected\r\nEND:VEVENT",
    "Room 4; with, punctuation\\ and a very long name that goes well past the seventy five octets",
]


def _parsed(client: Any, token: str) -> icalendar.Calendar:
    body = client.get(reverse("programme:calendar_ics", args=[token])).content
    # Every line ends CRLF, and no CR or LF stands anywhere else.
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    return icalendar.Calendar.from_ical(body)


def test_a_hostile_place_stays_inside_its_own_event(
    client: Any, active: Referral, practitioner: Any
) -> None:
    for n, place in enumerate(HOSTILE_PLACES):
        session = book(practitioner, active, -n - 1)
        ProgrammeSession.objects.filter(pk=session.pk).update(place=place)
    token = actions.calendar_token_create(actor=practitioner)
    calendar = _parsed(client, token)
    events = calendar.walk("VEVENT")
    assert len(events) == len(HOSTILE_PLACES)
    assert all(str(e["UID"]).startswith("programme-session-") for e in events)
    assert all(str(e["SUMMARY"]).startswith("Session ") for e in events)
    locations = sorted(str(e["LOCATION"]) for e in events)
    assert locations[0] == "Room 1 BEGIN:VEVENT"
    assert locations[3].startswith("Room 4; with, punctuation\\ and a very long name")
    # The feed keeps its content: a session and its referral, never the subject's name.
    assert all(active.reference in str(e["SUMMARY"]) for e in events)
    body = client.get(reverse("programme:calendar_ics", args=[token])).content.decode()
    assert active.subject.last_name not in body
