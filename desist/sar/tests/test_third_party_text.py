"""Third parties typed in free text (ADR 0031): a tester's texts, all synthetic. Other people's
police numbers and dates of birth in the usual written forms, and e-mail addresses whole,
before any name inside them is replaced."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from desist.cases.models import Case, CaseStatus, Incident, IncidentType
from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers
from desist.people.models import SubjectAddress
from desist.safeguarding.models import (
    AdvocacyCase,
    Channel,
    ContactKind,
    ContactLogEntry,
    Origin,
    Victim,
)
from desist.sar import services, text
from desist.sar.registry import REDACTED

CONTACT_NOTE = (
    "He (Owen Underhill, SUS-P000920, PNC 2019/0508571H, born 10/10/1964) still lives at "
    "85 Sea Lane, Lewes BN7 2AQ."
)


def _run(actor: Any, kind: str, person: Any) -> str:
    made = services.access_request_log(
        actor=actor,
        person_kind=kind,
        person_id=person.pk,
        requester="person",
        received_on=timezone.localdate(),
    )
    services.access_request_run(actor=actor, request=made)
    made.refresh_from_db()
    return json.dumps(services.bundle_of(made), ensure_ascii=False)


@pytest.fixture
def world(orgs: dict[str, Any]) -> dict[str, Any]:
    force = orgs["police_force"]
    subject = helpers.make_subject(force, first="Owen", last="Underhill", dob=dt.date(1964, 10, 10))
    subject.pnc_number, subject.force_reference = "19/508571H", "SUS-P000920"
    subject.save()
    SubjectAddress.objects.create(
        subject=subject,
        address="85 Sea Lane, Lewes",
        postcode="BN7 2AQ",
        from_date=dt.date(2024, 1, 1),
    )
    victim = Victim.objects.create(
        force=force,
        first_names="Aisha",
        last_name="Okonkwo-Reeve",
        address="2 Quarry Mews, Ringmer",
        postcode="BN8 5RT",
        email="aisha.52@example.org",
    )
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference="CR/921",
        relationship="ex_partner",
        summary="Repeated messages.",
        opened_on=dt.date(2025, 3, 1),
        status=CaseStatus.OPEN,
    )
    case.victims.add(victim)
    advocacy = AdvocacyCase.objects.create(
        victim=victim, service=orgs["advocacy"], origin=Origin.POLICE, referred_at=timezone.now()
    )
    return {"subject": subject, "victim": victim, "case": case, "advocacy": advocacy}


def test_victim_bundle_drops_the_subjects_pnc_and_date_of_birth_as_typed(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    ContactLogEntry.objects.create(
        case=world["advocacy"],
        kind=ContactKind.CONTACT,
        occurred_at=timezone.now(),
        channel=Channel.PHONE,
        summary=CONTACT_NOTE,
        created_by=users[RoleCode.VICTIM_ADVOCATE],
    )
    bundle = _run(users[RoleCode.ADVOCACY_MANAGER], "victim", world["victim"])
    for leaked in ("2019/0508571H", "0508571", "10/10/1964", "SUS-P000920", "Sea Lane", "BN7"):
        assert leaked not in bundle, leaked
    assert f"He (Owen Underhill, {REDACTED}, PNC {REDACTED}, born {REDACTED})" in bundle


def test_police_victim_bundle_drops_the_subjects_date_of_birth_from_an_incident(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    world["subject"].date_of_birth = dt.date(1972, 1, 15)
    world["subject"].save()
    Incident.objects.create(
        case=world["case"],
        occurred_on=dt.date(2025, 3, 2),
        incident_type=IncidentType.STALKING,
        description="Owen Underhill (born 15/01/1972) waited by her car.",
    )
    bundle = _run(users[RoleCode.POLICE_SUPERVISOR], "victim", world["victim"])
    assert "15/01/1972" not in bundle
    assert f"Owen Underhill (born {REDACTED}) waited by her car." in bundle


def test_subject_bundle_drops_the_victims_email_whole(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    Incident.objects.create(
        case=world["case"],
        occurred_on=dt.date(2025, 3, 3),
        incident_type=IncidentType.STALKING,
        description="Message sent to aisha.52@example.org",
    )
    bundle = _run(users[RoleCode.POLICE_SUPERVISOR], "subject", world["subject"])
    assert "example.org" not in bundle and "Aisha" not in bundle
    assert f"Message sent to {REDACTED}" in bundle


DOB = dt.date(1964, 10, 10)


@pytest.mark.parametrize(
    "written",
    [
        "10/10/1964",
        "10-10-1964",
        "10.10.1964",
        "10 October 1964",
        "10th October 1964",
        "10 Oct 1964",
        "October 10, 1964",
        "1964-10-10",
        "10/10/64",
    ],
)
def test_a_date_of_birth_in_its_written_forms(written: str) -> None:
    redact = text.redactor([], dates=[DOB])
    assert redact(f"born {written}, seen") == f"born {REDACTED}, seen"


def test_other_dates_and_numbers_stay() -> None:
    redact = text.redactor([], dates=[dt.date(1972, 1, 15)])
    for kept in ("15/01/1973", "115/01/1972", "seen 16 January 1972", "5/01/1972"):
        assert redact(kept) == kept
    assert redact("born 15/1/1972") == f"born {REDACTED}"


@pytest.mark.parametrize("stored", ["19/508571H", "2019/0508571H"])
@pytest.mark.parametrize(
    "written", ["2019/0508571H", "19/508571H", "19/0508571h", "2019-508571H", "19 508571 H"]
)
def test_a_pnc_in_its_written_forms(stored: str, written: str) -> None:
    redact = text.redactor([], pncs=[stored])
    assert redact(f"PNC {written}.") == f"PNC {REDACTED}."


def test_another_pnc_stays() -> None:
    redact = text.redactor([], pncs=["19/508571H"])
    for kept in ("19/508572H", "18/508571H", "119/508571H", "19/5085711H"):
        assert redact(kept) == kept


def test_email_goes_whole_before_the_name_in_it() -> None:
    redact = text.redactor(["Aisha", "aisha.52@example.org"])
    assert redact("Message sent to aisha.52@example.org") == f"Message sent to {REDACTED}"


def test_any_email_but_the_requesters_own_goes() -> None:
    redact = text.redactor([], keep_emails=["Perdita.G@example.net"])
    said = "Wrote from perdita.g@example.net to j.doe+x@mail.example.com."
    assert redact(said) == f"Wrote from perdita.g@example.net to {REDACTED}."
