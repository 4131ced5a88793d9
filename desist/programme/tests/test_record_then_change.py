"""'Record' becomes 'Change' once something is recorded (issue 20 item 7): the session page's
actions for attendance and for what was delivered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from desist.programme import actions
from desist.programme.models import Attendance, Referral
from desist.programme.tests.conftest import book

pytestmark = pytest.mark.django_db


def _actions(client: Any, session_id: int) -> dict[str, str]:
    """Visually hidden row name -> the action's visible text, from the summary list."""
    html = client.get(reverse("programme:session", args=[session_id])).content.decode()
    found = re.findall(
        r'summary-list__actions"><a [^>]*>(\w+)<span class="govuk-visually-hidden"> ([^<]+)</span>',
        html,
    )
    return {row: text for text, row in found}


def test_record_becomes_change_once_attendance_and_delivery_are_recorded(
    client: Any, active: Referral, practitioner: Any
) -> None:
    session = book(practitioner, active, days_ago=2)
    client.force_login(practitioner)
    assert _actions(client, session.pk) == {
        "attendance": "Record",
        "what was delivered": "Record",
    }
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    session.refresh_from_db()
    actions.session_record_delivery(
        actor=practitioner,
        session=session,
        version=session.version,
        module_delivered=session.module or "formulation",
        content="Practised noticing urges.",
        fidelity=["agenda"],
        engagement="good",
    )
    assert _actions(client, session.pk) == {
        "attendance": "Change",
        "what was delivered": "Change",
    }
