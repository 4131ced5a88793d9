"""The calendar feed carries the protective marking where calendar apps show it (ADR 0030):
the calendar's name and description, and each event's description, since a phone's agenda
shows an event without its calendar."""

from __future__ import annotations

from typing import Any

import icalendar
from django.urls import reverse

from desist.core.marking import MARKING
from desist.programme import actions
from desist.programme.models import Referral
from desist.programme.tests.conftest import book


def test_the_feed_and_every_event_carry_the_marking(
    client: Any, active: Referral, practitioner: Any
) -> None:
    for n in range(2):
        book(practitioner, active, n + 1)
    token = actions.calendar_token_create(actor=practitioner)
    body = client.get(reverse("programme:calendar_ics", args=[token])).content
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]).startswith(f"{MARKING}: ")
    assert MARKING in str(calendar["X-WR-CALDESC"])
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    for event in events:
        assert str(event["DESCRIPTION"]).startswith(f"Protective marking: {MARKING}")
        assert str(event["CLASS"]) == "CONFIDENTIAL"
        assert MARKING not in str(event["SUMMARY"])  # the title stays the session's own


def test_an_unknown_address_gets_an_empty_calendar_still_marked(client: Any, db: Any) -> None:
    """Nothing about accounts is revealed: the empty feed is the same as any other's."""
    body = client.get(reverse("programme:calendar_ics", args=["no-such-token"])).content
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == f"{MARKING}: Desist sessions"
    assert calendar.walk("VEVENT") == []
