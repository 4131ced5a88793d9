"""Invisible characters are stripped from every submitted form value in one place, and a date
far in the future is told one error, not two."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from desist.cases.models import Incident
from desist.core.text import strip_invisible
from desist.people.tests.factories import case, officer, subject  # noqa: F401
from desist.safeguarding.models import Victim
from desist.safeguarding.tests.test_self_referral import URL, _form

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # right-to-left override: 'Ann\u202eeB' displays as 'AnnBe'


@pytest.mark.parametrize(
    "typed,stored",
    [
        (f"Juni{RLO}per", "Juniper"),
        ("Ju\u200bni\u2066per\u2069\ufeff", "Juniper"),  # zero-width space, isolates, BOM
        ("O\u00adBrien\u200e", "OBrien"),  # soft hyphen, left-to-right mark
        ("line one\r\nline\ttwo\x00\x07", "line one\r\nline\ttwo"),
        ("Zoë O’Brien-Smith 👩\u200d👧", "Zoë O’Brien-Smith 👩👧"),
    ],
)
def test_strip_invisible(typed: str, stored: str) -> None:
    assert strip_invisible(typed) == stored


def test_a_self_referred_name_is_stored_without_them(client: Any, orgs: dict[str, Any]) -> None:
    data = _form(first_names=f"Juni{RLO}per", last_name="Ash\u200bcombe", notes=f"He{RLO} waits")
    assert client.post(URL, data).status_code == 302
    victim = Victim.objects.get()
    assert (victim.first_names, victim.last_name) == ("Juniper", "Ashcombe")
    assert victim.advocacy_cases.get().referral_notes == "He waits"


def test_a_staff_form_stores_them_stripped_too(
    client: Any,
    officer: Any,  # noqa: F811
    case: Any,  # noqa: F811
) -> None:
    client.force_login(officer)
    url = reverse("cases:incident_add", args=[case.pk])
    response = client.post(
        url,
        {
            "occurred_on": "2025-03-01",
            "incident_type": Incident._meta.get_field("incident_type").choices[0][0],
            "description": f"Left a note{RLO} at the door",
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().description == "Left a note at the door"


def test_an_incident_in_2099_shows_one_date_error(
    client: Any,
    officer: Any,  # noqa: F811
    case: Any,  # noqa: F811
) -> None:
    client.force_login(officer)
    url = reverse("cases:incident_add", args=[case.pk])
    html = client.post(url, {"occurred_on": "2099-01-01", "incident_type": ""}).content.decode()
    messages = re.findall(r'<p id="id_occurred_on-error"[^>]*>(.*?)</p>', html, re.S)
    assert len(messages) == 1, messages
    assert "The date of the incident must be today or in the past" in messages[0]
    assert not Incident.objects.exists()
