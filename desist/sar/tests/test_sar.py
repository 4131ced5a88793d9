"""Subject access (issue 18): the request log and its due date, the per-app registry, the
organisation's own records only, third parties redacted, the audit trail, the command."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.cases.models import Case, CaseStatus, Incident, IncidentType
from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers
from desist.people.models import SubjectAddress
from desist.risk.models import Instrument
from desist.risk.services import assessment_record as record_assessment
from desist.risk.tests.conftest import screening_answers
from desist.safeguarding.models import AdvocacyCase, Origin, Victim
from desist.sar import bundle as sar_bundle
from desist.sar import registry, services
from desist.sar.models import AccessRequest
from desist.sar.services import one_calendar_month_after
from desist.sharing.models import Alert


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 9, 3), dt.date(2026, 10, 3)),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
    ],
)
def test_due_one_calendar_month_after_receipt(received: dt.date, due: dt.date) -> None:
    assert one_calendar_month_after(received) == due


def test_every_app_with_a_sar_module_registers_a_collector_or_redactor() -> None:
    """The registry is filled by the apps themselves: each app's sar.py, imported by its own
    ready(). An app that ships a sar.py but never imports it would collect nothing."""
    with_module = {c.label for c in apps.get_app_configs() if (Path(c.path) / "sar.py").exists()}
    assert with_module == {
        "documents",
        "people",
        "cases",
        "orders",
        "risk",
        "programme",
        "safeguarding",
        "sharing",
        "evaluation",
    }
    registered = registry.registered_apps()
    redacting = {f.__module__.split(".")[1] for k in registry.KINDS for f in registry._redactors[k]}
    assert with_module == registered | redacting


@pytest.fixture
def world(orgs: dict[str, Any], users: dict[RoleCode, Any]) -> dict[str, Any]:
    force = orgs["police_force"]
    subject = helpers.make_subject(force, first="Ambrose", last="Quennell")
    SubjectAddress.objects.create(
        subject=subject,
        address="14 Larkspur Road, Ashcombe",
        postcode="BN7 2QQ",
        from_date=dt.date(2024, 1, 1),
    )
    victim = Victim.objects.create(
        force=force,
        first_names="Perdita",
        last_name="Gosling",
        address="3 Tamarisk Walk, Seaford",
        postcode="BN25 4XJ",
        phone="07700 900417",
        email="perdita.g@example.net",
    )
    other = Victim.objects.create(force=force, first_names="Clemency", last_name="Ashdown")
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference="CR/77",
        relationship="ex_partner",
        summary="Waited outside 3 Tamarisk Walk for Perdita Gosling; rang 07700900417.",
        opened_on=dt.date(2025, 1, 1),
        status=CaseStatus.OPEN,
    )
    case.victims.add(victim, other)
    Incident.objects.create(
        case=case,
        occurred_on=dt.date(2025, 1, 2),
        incident_type=IncidentType.STALKING,
        description="Left flowers for Clemency Ashdown at 14 Larkspur Road",
    )
    order = helpers.make_order(subject, made=dt.date(2025, 2, 1), full=True)
    advocacy = AdvocacyCase.objects.create(
        victim=victim,
        service=orgs["advocacy"],
        origin=Origin.POLICE,
        referred_at=timezone.now(),
        referral_notes="Ambrose Quennell lives at 14 Larkspur Road; Clemency Ashdown also afraid",
    )
    return {
        "subject": subject,
        "victim": victim,
        "other": other,
        "case": case,
        "order": order,
        "advocacy": advocacy,
    }


def _run(actor: Any, kind: str, person: Any) -> dict[str, Any]:
    made = services.access_request_log(
        actor=actor,
        person_kind=kind,
        person_id=person.pk,
        requester="person",
        received_on=timezone.localdate(),
    )
    services.access_request_run(actor=actor, request=made)
    made.refresh_from_db()
    return services.bundle_of(made)


def _records(bundle: dict[str, Any]) -> set[tuple[str, int]]:
    return {(r["record"], r["id"]) for s in bundle["sections"] for r in s["records"]}


def test_subject_bundle_holds_the_forces_records_without_the_victims(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    bundle = _run(users[RoleCode.POLICE_SUPERVISOR], "subject", world["subject"])
    found = _records(bundle)
    assert ("people.Subject", world["subject"].pk) in found
    assert ("cases.Case", world["case"].pk) in found
    assert ("orders.Order", world["order"].pk) in found
    text = json.dumps(bundle)
    assert "Ambrose" in text and "Larkspur" in text  # his own details
    for identifier in ("Perdita", "Gosling", "Tamarisk", "07700", "900417", "BN25"):
        assert identifier not in text, identifier
    # The text that named the victim is kept, with her identifiers removed.
    assert "Waited outside [redacted]" in text
    assert bundle["marking"] == "OFFICIAL-SENSITIVE"


def test_victim_bundle_hides_the_subjects_address_and_other_victims(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    bundle = _run(users[RoleCode.ADVOCACY_MANAGER], "victim", world["victim"])
    assert ("safeguarding.AdvocacyCase", world["advocacy"].pk) in _records(bundle)
    text = json.dumps(bundle)
    assert "Perdita" in text  # her own details
    for identifier in ("Larkspur", "BN7 2QQ", "Clemency", "Ashdown"):
        assert identifier not in text, identifier
    assert "Ambrose Quennell" in text  # she knows who the order is against (ADR 0031)
    # The police hold the case she is a victim in: their bundle, not the advocacy service's.
    assert ("cases.Case", world["case"].pk) not in _records(bundle)
    police = _run(users[RoleCode.POLICE_SUPERVISOR], "victim", world["victim"])
    assert ("cases.Case", world["case"].pk) in _records(police)
    assert "Clemency" not in json.dumps(police)


def _refusal(actor: Any, kind: str, person_id: int) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        services.access_request_log(
            actor=actor,
            person_kind=kind,
            person_id=person_id,
            requester="person",
            received_on=timezone.localdate(),
        )
    return refused.value.message_dict.get("person_id", [])


def test_another_organisations_person_is_refused_as_if_unknown(
    orgs: dict[str, Any],
    users: dict[RoleCode, Any],
    make_user: Any,
    make_org: Any,
    world: dict[str, Any],
) -> None:
    """A data owner logs requests only for people their organisation holds something about.
    Another force's subject or victim, another service's victim, a subject never referred to
    the provider: refused with the unknown ID's own message (the form confirms no one)."""
    unknown = {k: _refusal(users[RoleCode.POLICE_SUPERVISOR], k, 999999) for k in registry.KINDS}
    assert unknown == {k: [services.unknown_person_message(k)] for k in registry.KINDS}
    sussex = make_user(RoleCode.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    assert _refusal(sussex, "subject", world["subject"].pk) == unknown["subject"]
    assert _refusal(sussex, "victim", world["victim"].pk) == unknown["victim"]
    other_service = make_user(RoleCode.ADVOCACY_MANAGER, organisation=make_org("advocacy"))
    assert _refusal(other_service, "victim", world["victim"].pk) == unknown["victim"]
    assert _refusal(other_service, "subject", world["subject"].pk) == unknown["subject"]
    provider = users[RoleCode.CLINICAL_SUPERVISOR]
    assert _refusal(provider, "subject", world["subject"].pk) == unknown["subject"]
    # Nothing was logged, and each organisation's own person is accepted.
    assert not AccessRequest.objects.exists()
    assert _run(users[RoleCode.POLICE_SUPERVISOR], "subject", world["subject"])["sections"]
    assert _run(users[RoleCode.ADVOCACY_MANAGER], "victim", world["victim"])["sections"]


def test_alert_to_the_organisation_is_in_its_bundle(
    orgs: dict[str, Any], users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    alert = Alert.objects.create(
        kind="new_contact",
        priority="high",
        recipient=users[RoleCode.VICTIM_ADVOCATE],
        recipient_organisation=orgs["advocacy"],
        from_organisation=orgs["police_force"],
        subject=world["subject"],
        title="New contact reported",
        body="He called Perdita Gosling on 07700 900417",
        dedupe_key="t-1",
        due_by=timezone.now(),
    )
    bundle = _run(users[RoleCode.ADVOCACY_MANAGER], "subject", world["subject"])
    assert _records(bundle) == {("sharing.Alert", alert.pk)}
    assert "Perdita" not in json.dumps(bundle) and "900417" not in json.dumps(bundle)


@pytest.mark.parametrize(
    "role", [RoleCode.POLICE_OFFICER, RoleCode.PRACTITIONER, RoleCode.SYSTEM_ADMIN]
)
def test_only_data_owners_log_requests(
    users: dict[RoleCode, Any], world: dict[str, Any], role: RoleCode
) -> None:
    with pytest.raises(PermissionDenied):
        _run(users[role], "subject", world["subject"])


def test_a_provider_never_handles_a_victims_request(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as refused:
        _run(users[RoleCode.CLINICAL_SUPERVISOR], "victim", world["victim"])
    assert "Select whose data is asked for" in refused.value.messages


def test_validation_messages(users: dict[RoleCode, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        services.access_request_log(
            actor=users[RoleCode.POLICE_SUPERVISOR],
            person_kind="subject",
            person_id=999999,
            requester="representative",
            received_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert refused.value.message_dict == {
        "person_id": [services.unknown_person_message("subject")],
        "requester_details": ["Enter who is acting for the person"],
        "received_on": ["The date the request was received must be today or earlier"],
    }


def test_log_run_release_are_audited_in_their_categories(
    users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    actor = users[RoleCode.POLICE_SUPERVISOR]
    made = services.access_request_log(
        actor=actor,
        person_kind="subject",
        person_id=world["subject"].pk,
        requester="person",
        received_on=timezone.localdate() - dt.timedelta(days=10),
    )
    assert made.due_on == one_calendar_month_after(made.received_on)
    with pytest.raises(ValidationError):
        services.access_request_release(actor=actor, request=made)
    services.access_request_run(actor=actor, request=made)
    services.access_request_release(actor=actor, request=made)
    made.refresh_from_db()
    assert made.released_by == actor and made.status == "Released"
    events = AuditEvent.objects.filter(object_type="sar.AccessRequest", object_id=str(made.pk))
    assert {(e.verb, e.category) for e in events} == {
        ("sar.request_log", Category.COLLECTION),
        ("sar.request_run", Category.COMBINATION),
        ("sar.request_release", Category.DISCLOSURE),
    }
    assert "Ambrose" not in json.dumps([e.new_values for e in events])
    with pytest.raises(ValidationError):
        services.access_request_run(actor=actor, request=made)


def test_command_writes_json_and_pdf(
    users: dict[RoleCode, Any], world: dict[str, Any], tmp_path: Path
) -> None:
    call_command(
        "sar",
        subject=world["subject"].pk,
        actor=users[RoleCode.POLICE_SUPERVISOR].username,
        out=tmp_path,
    )
    made = AccessRequest.objects.get()
    json_file = tmp_path / f"OFFICIAL-SENSITIVE_desist-{made.reference.lower()}.json"
    pdf_file = json_file.with_suffix(".pdf")
    assert json.loads(json_file.read_text())["record_count"] == made.record_count > 0
    assert pdf_file.read_bytes().startswith(b"%PDF-")


# A table's name and a row id, as Django would name a record: "subjectalias-84", "term-2".
MODELISH = re.compile(r"\b[a-z]+-\d+\b")
# Model names that are also plain words a heading may use ("Order", "Incident", "Case").
COMMON = {"order", "incident", "case", "hearing", "term", "breach", "notification", "alert"}
COMMON |= {"victim", "contact", "session", "referral", "measure", "offence", "disclosure"}
COMMON |= {"document", "assessment"}


def _headings(person: Any) -> list[str]:
    kind = "subject" if hasattr(person, "pnc_number") else "victim"
    made = AccessRequest.objects.filter(person_kind=kind).latest("pk")
    return [r["heading"] for s in json.loads(made.bundle)["sections"] for r in s["records"]]


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
REPR = re.compile(r"[{}]|\[['\"]|'\w+':|\bNone\b")  # a dict's or a list's repr, None


def test_bundle_reads_as_a_person_would(users: dict[RoleCode, Any], world: dict[str, Any]) -> None:
    """Choice codes (Django choices, codes in JSON lists, workflow and instrument codes) show
    their labels, nested answers one per line, dates as "7 December 2026"; the JSON keeps the
    codes and ISO dates beside the text for machines."""
    victim = world["victim"]
    victim.safe_channels = ["via_police", "text"]
    victim.save()
    from desist.orders.models import Term

    Term.objects.create(order=world["order"], kind="prohibition", wording="Not to contact")
    screening = Instrument.objects.get(code="desist-stalking-screening")
    record_assessment(
        actor=users[RoleCode.POLICE_OFFICER],
        subject=world["subject"],
        instrument=screening,
        answers=screening_answers(3),
        assessed_on=dt.date(2025, 3, 4),
        context="initial",
        review_date=dt.date(2025, 6, 4),
    )
    texts = {}
    for role, kind, person in (
        (RoleCode.POLICE_SUPERVISOR, "subject", world["subject"]),
        (RoleCode.ADVOCACY_MANAGER, "victim", victim),
    ):
        bundle = _run(users[role], kind, person)
        fields = {
            f["label"]: f for s in bundle["sections"] for r in s["records"] for f in r["fields"]
        }
        values = [f["value"] for f in fields.values()]
        for value in values:
            assert not ISO_DATE.search(value) and not REPR.search(value), value
        made = AccessRequest.objects.filter(person_kind=kind).latest("pk")
        pdf_html = sar_bundle.bundle_html(made)
        assert not ISO_DATE.search(pdf_html) and "{&#x27;" not in pdf_html
        texts[kind] = fields
    # Labels spell initialisms as the service does; headings name records as a person would:
    # the record's own reference, or what it is and its date, never a table's name and row
    # id ("subjectalias-84", "term-2"). Seen red: "Pnc number", "Address (subjectaddress-1)".
    assert "PNC number" in texts["subject"] and "Pnc number" not in texts["subject"]
    for label in (label for kind in texts for label in texts[kind]):
        assert not re.search(r"\b(Pnc|Spo|Cps|Nhs|Gp|Id)\b", label), label
    for kind in ("subject", "victim"):
        made = AccessRequest.objects.filter(person_kind=kind).latest("pk")
        bundle = json.loads(made.bundle)
        headings = [r["heading"] for s in bundle["sections"] for r in s["records"]]
        references = [r["reference"] for s in bundle["sections"] for r in s["records"]]
        pdf_headings = re.findall(r"<h3>(.*?)</h3>", sar_bundle.bundle_html(made))
        for text in [*headings, *references, *pdf_headings]:
            assert not MODELISH.search(text), MODELISH.search(text)
        models = {
            r["record"].split(".")[1].lower() for s in bundle["sections"] for r in s["records"]
        }
        for heading in headings:
            assert not set(re.findall(r"[a-z]+", heading.lower())) & (models - COMMON), heading
    subject_headings = _headings(world["subject"])
    assert f"Address 1 of S{world['subject'].pk:06d}" in subject_headings
    assert "Incident on 2 January 2025" in subject_headings
    term = f"Term 1 of {world['order'].reference}"
    assert any(term in h for h in subject_headings), (term, subject_headings)
    channels = texts["victim"]["Safe channels"]
    assert channels["value"] == "Through the police officer in the case, Text message"
    assert channels["code"] == ["via_police", "text"]
    assert texts["victim"]["Referred at"]["iso"].startswith(str(timezone.localdate().year))
    answers = texts["subject"]["Answers"]["value"]
    assert answers.startswith("1. ") and "\n2. " in answers and ": Yes" in answers
    assert texts["subject"]["Assessed on"] == {
        "label": "Assessed on",
        "value": "4 March 2025",
        "iso": "2025-03-04",
    }
    assert texts["subject"]["Context"]["code"] == "initial"


def test_alert_kinds_and_scores_read_as_words_and_numbers(
    client: Any, orgs: dict[str, Any], users: dict[RoleCode, Any], world: dict[str, Any]
) -> None:
    """An alert's kind reads as the inbox words it, a score without its stored zeros, on the
    request's page and in the PDF; the JSON keeps the kind's code beside the words (tester
    finding, issue 18). Seen red: "BREACH_RECORDED" and "6.0000"."""
    from decimal import Decimal

    from desist.risk.models import Assessment

    supervisor = users[RoleCode.POLICE_SUPERVISOR]
    Alert.objects.create(
        kind="breach_recorded",
        priority="high",
        recipient=supervisor,
        recipient_organisation=orgs["police_force"],
        from_organisation=orgs["police_force"],
        subject=world["subject"],
        title="Breach recorded",
        body="A breach was recorded",
        dedupe_key="t-kind",
        due_by=timezone.now(),
    )
    screening = Instrument.objects.get(code="desist-stalking-screening")
    for day, score in ((4, "6"), (5, "6.5")):
        record_assessment(
            actor=users[RoleCode.POLICE_OFFICER],
            subject=world["subject"],
            instrument=screening,
            answers=screening_answers(3),
            assessed_on=dt.date(2025, 3, day),
            context="initial",
            review_date=dt.date(2025, 6, 4),
        )
        Assessment.objects.filter(assessed_on=dt.date(2025, 3, day)).update(score=Decimal(score))
    bundle = _run(supervisor, "subject", world["subject"])
    fields = [f for s in bundle["sections"] for r in s["records"] for f in r["fields"]]
    kinds = [f for f in fields if f["label"] == "Kind"]
    assert kinds == [
        {"label": "Kind", "value": "SPO breach recorded", "code": "breach_recorded"}
    ], kinds
    assert sorted(f["value"] for f in fields if f["label"] == "Score") == ["6", "6.5"]
    made = AccessRequest.objects.latest("pk")
    client.force_login(supervisor)
    page = client.get(reverse("sar:detail", args=[made.pk])).content.decode()
    for shown in (page, sar_bundle.bundle_html(made)):
        assert "SPO breach recorded" in shown and "BREACH_RECORDED" not in shown
        assert ">6<" in shown and ">6.5<" in shown and "6.0000" not in shown
