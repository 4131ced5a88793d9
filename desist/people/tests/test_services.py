from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.people import services
from desist.people.models import InterventionDecision, Subject, SubjectAddress, SubjectAlias
from desist.people.tests.factories import make_subject, pnc

R = RoleCode
TODAY = timezone.localdate


def _events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- create ---------------------------------------------------------------------------------


def test_create_records_subject_in_own_force_with_audit(officer: Any) -> None:
    number = pnc("2019", "0123456")
    s = services.subject_create(
        actor=officer,
        first_names="  Zoë ",
        last_name="O’Brien",
        date_of_birth=dt.date(1990, 5, 1),
        sex="male",
        pnc_number=number.lower().replace("/", " / "),
        force_reference="SX-1",
    )
    s.refresh_from_db()
    assert s.force_id == officer.organisation_id
    assert s.first_names == "Zoë"
    assert s.name_search == "zoe obrien"
    assert s.pnc_number == number
    assert s.created_by == officer
    (event,) = _events("subject.create")
    assert event.category == Category.COLLECTION
    assert event.object_id == str(s.pk)
    # Field names, never the values (names are free-text personal data).
    assert "Zoë" not in str(event.new_values) and "Brien" not in str(event.new_values)
    assert set(event.new_values["fields"]) >= {"first_names", "last_name", "pnc_number"}


def test_create_validation_messages_and_nothing_saved(officer: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.subject_create(
            actor=officer,
            first_names=" ",
            last_name="",
            date_of_birth=TODAY() + dt.timedelta(days=1),
            sex="robot",
            pnc_number="2019/0123456",
        )
    errors = _errors(exc)
    assert errors["first_names"] == ["Enter the subject's first names"]
    assert errors["last_name"] == ["Enter the subject's last name"]
    assert errors["date_of_birth"] == ["The date of birth must be today or in the past"]
    assert errors["sex"] == ["Select the subject's sex"]
    assert "format" in errors["pnc_number"][0]
    assert not Subject.objects.exists()
    assert not _events("subject.create")


def test_create_refuses_wrong_check_letter(officer: Any) -> None:
    good = pnc("2019", "0123456")
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    with pytest.raises(ValidationError) as exc:
        make_subject(officer, pnc_number=bad)
    assert "check letter" in _errors(exc)["pnc_number"][0]


def test_create_refuses_duplicate_pnc_in_force_however_written(officer: Any, outsider: Any) -> None:
    make_subject(officer, pnc_number=pnc("2019", "0000123"))
    with pytest.raises(ValidationError) as exc:
        make_subject(officer, pnc_number=pnc("19", "123"))
    assert "already recorded" in _errors(exc)["pnc_number"][0]
    # Another force may hold the same person.
    make_subject(outsider, pnc_number=pnc("2019", "0000123"))


@pytest.mark.parametrize(
    "role", [r for r in RoleCode if r not in {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}]
)
def test_create_refused_without_permission(users: dict[RoleCode, Any], role: RoleCode) -> None:
    with pytest.raises(PermissionDenied):
        make_subject(users[role])
    assert not Subject.objects.exists()


def test_audit_rolls_back_with_a_failed_write(officer: Any, monkeypatch: Any) -> None:
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        make_subject(officer)
    assert not Subject.objects.exists()


# --- edit (optimistic locking) ----------------------------------------------------------------


def _edit(actor: Any, s: Subject, version: int, **changes: Any) -> Subject:
    fields = {f: getattr(s, f) for f in services.SUBJECT_FIELDS}
    fields.update(changes)
    return services.subject_update(actor=actor, subject=s, version=version, **fields)


def test_update_changes_fields_bumps_version_and_audits(officer: Any, subject: Subject) -> None:
    _edit(officer, subject, subject.version, last_name="Ramírez")
    subject.refresh_from_db()
    assert subject.version == 2
    assert subject.name_search == "zoe anne ramirez"
    (event,) = _events("subject.update")
    assert event.category == Category.ALTERATION
    assert event.new_values == {"version": 2, "fields": ["last_name"]}
    assert "Ram" not in str(event.old_values) + str(event.new_values)


def test_update_with_stale_version_saves_nothing(officer: Any, subject: Subject) -> None:
    first = Subject.objects.get(pk=subject.pk)
    second = Subject.objects.get(pk=subject.pk)
    _edit(officer, first, 1, first_names="Jo")
    with pytest.raises(StaleRecordError) as exc:
        _edit(officer, second, 1, last_name="Other")
    assert "Someone else changed this record" in str(exc.value)
    fresh = Subject.objects.get(pk=subject.pk)
    assert (fresh.first_names, fresh.last_name, fresh.version) == ("Jo", "O'Brien-Smith", 2)
    assert second.last_name == "O'Brien-Smith"  # the caller's copy is restored too
    assert len(_events("subject.update")) == 1


def test_update_with_no_changes_still_detects_stale(officer: Any, subject: Subject) -> None:
    _edit(officer, subject, 1)  # nothing changed: no write, no audit
    assert not _events("subject.update")
    Subject.objects.filter(pk=subject.pk).update(version=5)
    with pytest.raises(StaleRecordError):
        _edit(officer, subject, 1)


def test_update_other_force_refused(outsider: Any, subject: Subject) -> None:
    with pytest.raises(PermissionDenied):
        _edit(outsider, subject, 1, first_names="X")


# --- aliases ---------------------------------------------------------------------------------


def test_alias_add(officer: Any, subject: Subject) -> None:
    alias = services.subject_alias_add(actor=officer, subject=subject, name="  Zed   Smith ")
    assert alias.name == "Zed Smith" and alias.name_search == "zed smith"
    (event,) = _events("subject.alias_add")
    assert event.object_id == str(subject.pk)
    assert event.new_values == {"alias_id": alias.pk}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the other name"),
        ("'’", "Enter a name that includes letters or numbers"),
        ("ZOE ANNE OBRIEN SMITH", "already recorded"),
    ],
)
def test_alias_errors(officer: Any, subject: Subject, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.subject_alias_add(actor=officer, subject=subject, name=name)
    assert message in _errors(exc)["name"][0]
    assert not SubjectAlias.objects.exists()


def test_alias_duplicate_refused(officer: Any, subject: Subject) -> None:
    services.subject_alias_add(actor=officer, subject=subject, name="Zed")
    with pytest.raises(ValidationError):
        services.subject_alias_add(actor=officer, subject=subject, name="zed")


# --- addresses -------------------------------------------------------------------------------


def test_address_add_closes_previous(officer: Any, subject: Subject) -> None:
    first = services.subject_address_add(
        actor=officer,
        subject=subject,
        address="1 High Street, Lewes",
        postcode="bn7 2aa",
        from_date=dt.date(2020, 1, 1),
    )
    assert first.postcode == "BN7 2AA" and first.to_date is None
    second = services.subject_address_add(
        actor=officer,
        subject=subject,
        address="2 Low Road, Hove",
        postcode="",
        from_date=dt.date(2024, 6, 1),
        source=SubjectAddress.Source.NOTIFICATION,
    )
    first.refresh_from_db()
    assert first.to_date == dt.date(2024, 6, 1)
    assert second.to_date is None
    assert SubjectAddress.objects.filter(subject=subject, to_date__isnull=True).count() == 1
    events = _events("subject.address_add")
    assert events[1].old_values == {"closed_address_id": first.pk}
    assert events[1].new_values["source"] == "notification"
    assert "High Street" not in str([e.new_values for e in events])


def test_address_errors(officer: Any, subject: Subject) -> None:
    with pytest.raises(ValidationError) as exc:
        services.subject_address_add(
            actor=officer,
            subject=subject,
            address="",
            postcode="NOT A CODE",
            from_date=TODAY() + dt.timedelta(days=1),
        )
    errors = _errors(exc)
    assert errors["address"] == ["Enter the address"]
    assert errors["postcode"] == ["Enter a real postcode, like BN1 1AA"]
    assert errors["from_date"] == ["The date they moved in must be today or in the past"]
    assert not SubjectAddress.objects.exists()


def test_address_before_current_refused_and_current_kept(officer: Any, subject: Subject) -> None:
    current = services.subject_address_add(
        actor=officer, subject=subject, address="A", postcode="", from_date=dt.date(2023, 3, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.subject_address_add(
            actor=officer, subject=subject, address="B", postcode="", from_date=dt.date(2022, 1, 1)
        )
    assert "1 March 2023" in _errors(exc)["from_date"][0]
    current.refresh_from_db()
    assert current.to_date is None
    assert SubjectAddress.objects.count() == 1


# --- intervention decision -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("not_suitable", "Enter why the subject is not suitable for the intervention"),
        ("declined", "Enter why the subject declined the intervention"),
        ("", "Select the decision about the intervention"),
    ],
)
def test_decision_reason_required(
    officer: Any, subject: Subject, decision: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intervention_decision_record(
            actor=officer, subject=subject, decision=decision, reason="  ", decided_on=TODAY()
        )
    assert message in str(exc.value.message_dict)
    assert not InterventionDecision.objects.exists()


def test_decision_date_rules(officer: Any, subject: Subject) -> None:
    for decided_on, message in [
        (None, "Enter the date of the decision"),
        (TODAY() + dt.timedelta(days=1), "The date of the decision must be today or in the past"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.intervention_decision_record(
                actor=officer,
                subject=subject,
                decision="put_forward",
                reason="",
                decided_on=decided_on,
            )
        assert _errors(exc)["decided_on"] == [message]


def test_decision_recorded_and_audited_without_reason_text(officer: Any, subject: Subject) -> None:
    made = services.intervention_decision_record(
        actor=officer,
        subject=subject,
        decision="declined",
        reason="Said he does not need help",
        decided_on=TODAY(),
    )
    assert made.decided_by == officer
    (event,) = _events("subject.intervention_decision")
    assert event.new_values["decision"] == "declined"
    assert event.new_values["reason_given"] is True
    assert "help" not in str(event.new_values)


def test_decision_other_force_refused(outsider: Any, subject: Subject) -> None:
    with pytest.raises(PermissionDenied):
        services.intervention_decision_record(
            actor=outsider, subject=subject, decision="put_forward", reason="", decided_on=TODAY()
        )
