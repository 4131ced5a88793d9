"""The public self-referral form: creates a referral, reveals nothing, resists spam."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.safeguarding import views
from desist.safeguarding.models import AdvocacyCase, Victim

URL = "/safeguarding/refer/"


def _started(seconds_ago: float = 60) -> str:
    return signing.dumps(str(timezone.now().timestamp() - seconds_ago), salt=views._SIGNER_SALT)


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_names": "Juniper",
        "last_name": "Ashcombe-Vale",
        "phone": "07700 900 555",
        "email": "",
        "safe_channels": ["text"],
        "safe_times": "After 6pm",
        "notes": "A former colleague keeps turning up at my home.",
        "website": "",
        "started": _started(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def service(orgs: dict[str, Any]) -> Any:
    return orgs["advocacy"]


def test_url_and_page(client: Any, service: Any) -> None:
    assert reverse("safeguarding:self_refer") == URL
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-module="govuk-exit-this-page"' in html
    assert "Exit this page" in html
    assert "<script>" not in html  # no inline script (CSP)
    assert 'name="website"' in html and 'name="started"' in html


def test_self_referral_creates_a_referral_owned_by_the_service(client: Any, service: Any) -> None:
    response = client.post(URL, _form())
    assert response.status_code == 302
    assert response["Location"] == URL + "?sent=1"
    case = AdvocacyCase.objects.get()
    assert case.origin == "self" and case.service == service and case.status == "open"
    assert case.advocate is None and case.referral_notes.startswith("A former colleague")
    victim = case.victim
    assert victim.force_id is None and victim.owner == service
    assert victim.phone == "07700900555" and victim.safe_channels == ["text"]
    event = AuditEvent.objects.get(verb="advocacy.self_referral")
    assert event.actor_username == "self-referral"
    assert "Juniper" not in str(event.new_values)
    confirmation = client.get(response["Location"]).content.decode()
    assert "Your request has been sent" in confirmation


def test_validation_messages(client: Any, service: Any) -> None:
    html = client.post(URL, _form(first_names="", phone="", email="")).content.decode()
    assert "Enter your first name" in html
    assert "Enter a telephone number or an email address so we can contact you" in html
    assert not Victim.objects.exists()


def test_reveals_nothing_about_existing_records(
    client: Any, service: Any, officer: Any, case: Any
) -> None:
    from desist.people.tests.factories import VICTIM_IDENTITY, make_victim

    make_victim(officer, case)
    existing = _form(
        first_names=VICTIM_IDENTITY["first_names"],
        last_name=VICTIM_IDENTITY["last_name"],
        phone=VICTIM_IDENTITY["phone"],
    )
    new = _form(first_names="Nobody", last_name="Known", phone="07700 900 999")
    a = client.post(URL, existing)
    b = client.post(URL, new)
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    page_a = client.get(a["Location"]).content.decode()
    page_b = client.get(b["Location"]).content.decode()
    token = re.compile(r'"X-CSRFToken": "[^"]+"')
    assert token.sub("", page_a) == token.sub("", page_b)
    # Never matched against the existing victim: always a new record, owned by the service.
    assert Victim.objects.count() == 3
    assert Victim.objects.filter(owner=service, force__isnull=True).count() == 2


def test_honeypot_and_fill_time_save_nothing_but_look_the_same(client: Any, service: Any) -> None:
    for data in (
        _form(website="http://spam.example"),
        _form(started=_started(seconds_ago=0)),
        _form(started="tampered"),
        _form(started=""),
    ):
        response = client.post(URL, data)
        assert response.status_code == 302 and response["Location"] == URL + "?sent=1"
    assert not AdvocacyCase.objects.exists()
    assert not Victim.objects.exists()


@override_settings(DESIST_SELF_REFERRAL_RATE=(5, 3600))
def test_rate_limited_per_address(client: Any, service: Any) -> None:
    for _ in range(5):
        assert client.post(URL, _form()).status_code == 302
    limited = client.post(URL, _form())
    assert limited.status_code == 429
    assert "Too many requests from this connection" in limited.content.decode()
    assert AdvocacyCase.objects.count() == 5
    # Another address is not affected.
    assert client.post(URL, _form(), REMOTE_ADDR="203.0.113.9").status_code == 302


def test_no_service_configured_keeps_the_form(client: Any, db: Any) -> None:
    html = client.post(URL, _form()).content.decode()
    assert "This form is not available at the moment" in html
    assert not Victim.objects.exists()
