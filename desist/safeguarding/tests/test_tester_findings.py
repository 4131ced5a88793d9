"""Findings of the independent test of issue 11: "never" ways of contact are enforced even
with no safe ways ticked, an override needs a real reason, and UK numbers written with the
'(0)' trunk prefix are stored in one form."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.people.validators import normalise_phone
from desist.safeguarding import services
from desist.safeguarding.models import AdvocacyCase, ContactLogEntry, Victim

pytestmark = pytest.mark.django_db

REASON = "She asked us to ring her today from the refuge's phone."


def _never(victim: Victim, note: str) -> None:
    Victim.objects.filter(pk=victim.pk).update(safe_channels=[])
    victim.refresh_from_db()
    victim.never_contact = note
    victim.save(update_fields=["never_contact"])


def _log(actor: Any, case: AdvocacyCase, channel: str, reason: str = "") -> ContactLogEntry:
    case.refresh_from_db()
    return services.contact_log_add(
        actor=actor,
        case=case,
        kind="contact",
        occurred_at=timezone.now(),
        channel=channel,
        summary="Talked through the safety plan.",
        override_reason=reason,
    )


# --- "never" ways of contact ----------------------------------------------------------------


@pytest.mark.parametrize("channel", ["phone", "letter"])
def test_never_ways_need_a_reason_with_no_safe_ways_ticked(
    allocated: Any, advocate: Any, channel: str
) -> None:
    _never(allocated.victim, "Never phone / never write to home")
    with pytest.raises(ValidationError) as exc:
        _log(advocate, allocated, channel)
    message = exc.value.message_dict["override_reason"][0]
    assert "one of the ways the victim said never to use" in message
    assert not ContactLogEntry.objects.exists()
    entry = _log(advocate, allocated, channel, REASON)
    assert entry.against_preferences and entry.override_reason == REASON
    assert AuditEvent.objects.filter(
        verb="advocacy.contact_preference_override", object_id=str(entry.pk)
    ).exists()


def test_ways_the_note_does_not_name_stay_open(allocated: Any, advocate: Any) -> None:
    _never(allocated.victim, "Never phone / never write to home")
    assert allocated.victim.never_channels() == ["phone", "letter"]
    entry = _log(advocate, allocated, "email")
    assert not entry.against_preferences and entry.override_reason == ""


@pytest.mark.parametrize("reason", [".", "ok", "   x   ", "1234567890", "!!!!!!!!!!!!", "n/a"])
def test_an_override_needs_a_meaningful_reason(allocated: Any, advocate: Any, reason: str) -> None:
    _never(allocated.victim, "Never phone")
    with pytest.raises(ValidationError) as exc:
        _log(advocate, allocated, "phone", reason)
    assert exc.value.message_dict["override_reason"] == [
        "Give the reason for contacting the victim in a way the victim said was not safe, "
        "in words (at least 10 characters)"
    ]
    assert not ContactLogEntry.objects.exists()


def test_the_contact_page_stops_a_never_way(client: Any, allocated: Any, advocate: Any) -> None:
    _never(allocated.victim, "Never phone / never write to home")
    client.force_login(advocate)
    url = reverse("safeguarding:contact_add", args=[allocated.pk])
    form = {
        "kind": "contact",
        "occurred_on": timezone.localdate().isoformat(),
        "occurred_time": "",
        "channel": "phone",
        "summary": "Talked through the safety plan.",
        "override_reason": ".",
    }
    html = client.post(url, form).content.decode()
    assert 'href="#id_override_reason"' in html
    assert "in a way the victim said was not safe" in html
    assert not ContactLogEntry.objects.exists()
    assert client.post(url, {**form, "override_reason": REASON}).status_code == 302
    assert ContactLogEntry.objects.get().against_preferences


# --- telephone numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+44 (0)7700-900-105",
        "+44 7700 900105",
        "+4407700900105",
        "0044 7700 900 105",
        "07700 900 105",
        "(07700) 900-105",
    ],
)
def test_uk_numbers_have_one_stored_form(typed: str) -> None:
    assert normalise_phone(typed) == "07700900105"


def test_other_international_numbers_keep_their_plus() -> None:
    assert normalise_phone("+353 (1) 555 0123") == "+35315550123"
    with pytest.raises(ValidationError):
        normalise_phone("+44 (0)7700 900")


def test_self_referral_stores_the_national_form(client: Any, orgs: dict[str, Any]) -> None:
    from desist.safeguarding.tests.test_self_referral import URL, _form

    assert client.post(URL, _form(phone="+44 (0)7700-900-105")).status_code == 302
    assert AdvocacyCase.objects.get().victim.phone == "07700900105"


def test_staff_edit_stores_the_national_form(
    client: Any, advocate: Any, victim: Victim, referral: AdvocacyCase
) -> None:
    client.force_login(advocate)
    url = reverse("safeguarding:victim_edit", args=[victim.pk])
    data = {
        "version": str(victim.version),
        "first_names": "Philippa",
        "last_name": "Quorndon-Zeal",
        "sex": "female",
        "alternative_phone": "+44 (0)1632 960 001",
        "postcode": "BN3 7QZ",
        "phone": "+44 (0)7700-900-105",
        "email": "philippa.qz@example.org",
        "address": "17 Wisteria Crescent, Hove",
    }
    assert client.post(url, data).status_code == 302
    victim.refresh_from_db()
    assert victim.phone == "07700900105" and victim.alternative_phone == "01632960001"
