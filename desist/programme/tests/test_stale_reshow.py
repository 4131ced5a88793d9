"""A practice form refused as stale is re-shown with the version now saved, so a deliberate
second submit works, and with each field the other save changed marked (issue 20)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from desist.programme import actions
from desist.programme.models import Attendance, EngagementRating, Referral
from desist.programme.tests.conftest import book

pytestmark = pytest.mark.django_db


def test_a_stale_delivery_form_is_reshown_with_the_current_version(
    client: Any, active: Referral, practitioner: Any
) -> None:
    session = book(practitioner, active, days_ago=7)
    session = actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    opened_at = session.version
    mine = {
        "version": opened_at,
        "module_delivered": session.module or "engagement",
        "content": "My account of the session",
        "engagement": EngagementRating.choices[0][0],
    }
    # A colleague saves first.
    actions.session_record_delivery(
        actor=practitioner,
        session=session,
        version=opened_at,
        module_delivered=mine["module_delivered"],
        content="Their account",
        fidelity=[],
        engagement=mine["engagement"],
    )
    client.force_login(practitioner)
    url = reverse("programme:delivery", args=[session.pk])
    html = client.post(url, mine).content.decode()
    assert "Someone else changed this record" in html
    shown = re.search(r'name="version" value="(\d+)"', html)
    assert shown is not None and int(shown.group(1)) == opened_at + 1
    assert "This differs from the latest saved version (Their account)" in html
    assert "My account of the session" in html
    # Submitting the re-shown form on purpose saves.
    again = client.post(url, {**mine, "version": shown.group(1)})
    assert again.status_code == 302
    session.refresh_from_db()
    assert session.content == "My account of the session"
