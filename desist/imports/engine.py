"""Bulk import of subjects and their cases, keyed by the source system's reference (ADR 0034).

A row is one case carrying its subject. Rows are checked one by one (`rows.clean_row`), then
in batches of BATCH_SIZE: each batch is one transaction that locks the batch's existing
records, writes new ones with one INSERT per table, changed ones with one UPDATE statement
per table (each with its version bumped), and one audit event per record created or changed
in one bulk append to the chain. A record whose imported fields are already as the file says
is not written and not audited, so importing the same file twice changes nothing.

A bad row never stops the others: it is reported with its row number and reason, and the
valid rows around it are applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record, audit_records
from desist.cases.models import Case, Relationship
from desist.cases.services import duplicate_reference_message
from desist.core.models import Organisation
from desist.imports.rows import CaseValues, CleanRow, RowProblem, SubjectValues, clean_row
from desist.imports.sources import MAPPINGS, map_row
from desist.people.models import Subject
from desist.people.services import PNC_TAKEN
from desist.people.validators import pnc_variants
from desist.policy import Perm

BATCH_SIZE = 500

# The fields an import owns, compared to decide "changed"; the rest (sex, relationship, FOUR,
# status, officer in charge) are the force's to set on the pages and an import leaves them.
SUBJECT_FIELDS = ("first_names", "last_name", "date_of_birth", "pnc_number", "force_reference")
CASE_FIELDS = ("crime_reference", "offence_on", "opened_on", "summary", "subject_id")

SUBJECT_DIFFERS = (
    "The subject's details differ from row {row}, which has the same person's reference. "
    "Give each person the same details on every row"
)
CASE_REPEATED = "The case's reference is already used in row {row} of this file"
CRIME_REF_REPEATED = "The crime reference is already used in row {row} of this file"
BATCH_CLASH = (
    "This row was not saved because someone changed the same records at the same time. "
    "Import the file again"
)


@dataclass
class Outcome:
    rows_total: int = 0
    created: int = 0  # rows whose case was created
    updated: int = 0  # rows whose case or subject changed
    unchanged: int = 0
    subjects_created: int = 0
    subjects_updated: int = 0
    cases_created: int = 0
    cases_updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({p.row for p in self.problems})

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows_total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_rows,
            "subjects_created": self.subjects_created,
            "subjects_updated": self.subjects_updated,
            "cases_created": self.cases_created,
            "cases_updated": self.cases_updated,
        }


@dataclass
class _FileState:
    """What earlier rows of the same file said, for the in-file consistency checks."""

    subjects: dict[str, tuple[int, SubjectValues]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    crime_refs: dict[str, tuple[int, str]] = field(default_factory=dict)


def _consistent(row: CleanRow, state: _FileState) -> RowProblem | None:
    ref = row.case.external_ref
    seen = state.subjects.get(row.subject.external_ref)
    if seen is not None and seen[1] != row.subject:
        return RowProblem(row.row, ref, "subject_ref", SUBJECT_DIFFERS.format(row=seen[0]))
    if ref in state.cases:
        return RowProblem(row.row, ref, "case_ref", CASE_REPEATED.format(row=state.cases[ref]))
    crime = state.crime_refs.get(row.case.crime_reference)
    if crime is not None and crime[1] != ref:
        return RowProblem(row.row, ref, "crime_reference", CRIME_REF_REPEATED.format(row=crime[0]))
    state.subjects.setdefault(row.subject.external_ref, (row.row, row.subject))
    state.cases[ref] = row.row
    state.crime_refs[row.case.crime_reference] = (row.row, ref)
    return None


def import_rows(
    *,
    actor: User,
    force: Organisation,
    source: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Outcome:
    """Import `rows` (row number, the file's row as read) from `source` into `force`.
    `progress` is told how many rows were done after each batch."""
    policy.require(actor, Perm.RECORDS_IMPORT, force)
    if source not in MAPPINGS:
        raise ValueError(f"Unknown source {source}")
    outcome, state = Outcome(), _FileState()
    batch: list[CleanRow] = []
    for number, raw in rows:
        outcome.rows_total += 1
        clean, problems = clean_row(number, map_row(source, raw))
        if clean is not None:
            clash = _consistent(clean, state)
            problems = [clash] if clash else []
        outcome.problems += problems
        if clean is not None and not problems:
            batch.append(clean)
        if len(batch) >= batch_size:
            _apply(actor, force, source, batch, outcome, dry_run)
            batch = []
            if progress:
                progress(outcome.rows_total)
    if batch:
        _apply(actor, force, source, batch, outcome, dry_run)
    if progress:
        progress(outcome.rows_total)
    outcome.problems.sort(key=lambda p: p.row)
    # The run itself, with its counts: on the force, not on any record (so a re-run that
    # changed nothing leaves no event on a subject or case).
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="records.import",
        obj=force,
        new={"source": source, "dry_run": dry_run, **outcome.counts()},
    )
    return outcome


def _apply(
    actor: User,
    force: Organisation,
    source: str,
    batch: list[CleanRow],
    outcome: Outcome,
    dry_run: bool,
) -> None:
    try:
        with transaction.atomic():
            plan = _Plan(actor, force, source, batch)
            if not dry_run:
                plan.write()
    except IntegrityError:
        # A record made elsewhere between the checks and the write (a crime reference typed
        # on the pages at that moment): the whole batch rolled back; say so row by row.
        outcome.problems += [RowProblem(r.row, r.case.external_ref, "", BATCH_CLASH) for r in batch]
        return
    outcome.problems += plan.problems
    outcome.subjects_created += len(plan.new_subjects)
    outcome.subjects_updated += len(plan.changed_subjects)
    outcome.cases_created += len(plan.new_cases)
    outcome.cases_updated += len(plan.changed_cases)
    for row_kind in plan.row_kinds.values():
        setattr(outcome, row_kind, getattr(outcome, row_kind) + 1)


class _Plan:
    """One batch: read what exists (locked), decide each record's fate, then write."""

    def __init__(self, actor: User, force: Organisation, source: str, batch: list[CleanRow]):
        self.actor, self.force, self.source = actor, force, source
        self.problems: list[RowProblem] = []
        self.new_subjects: dict[str, Subject] = {}
        self.changed_subjects: dict[str, tuple[Subject, int, list[str]]] = {}
        self.new_cases: list[tuple[Case, str]] = []
        self.changed_cases: list[tuple[Case, int, list[str], str]] = []
        self.row_kinds: dict[int, str] = {}
        subject_refs = {r.subject.external_ref for r in batch}
        self.subjects = {
            s.external_ref: s
            for s in Subject.objects.select_for_update().filter(
                force=force, external_source=source, external_ref__in=subject_refs
            )
        }
        self.cases = {
            c.external_ref: c
            for c in Case.objects.select_for_update().filter(
                force=force,
                external_source=source,
                external_ref__in={r.case.external_ref for r in batch},
            )
        }
        self._load_twins(batch)
        for row in batch:
            self._plan_row(row)

    def _load_twins(self, batch: list[CleanRow]) -> None:
        """Other records of the force already holding a batch's PNC number or crime reference."""
        variants = {
            v for r in batch if r.subject.pnc_number for v in pnc_variants(r.subject.pnc_number)
        }
        self.pnc_owners: dict[str, set[tuple[str, str]]] = {}
        for pnc, src, ref in Subject.objects.filter(
            force=self.force, pnc_number__in=variants
        ).values_list("pnc_number", "external_source", "external_ref"):
            self.pnc_owners.setdefault(pnc, set()).add((src, ref))
        crime_refs = {r.case.crime_reference for r in batch}
        self.crime_owners = {
            crime.upper(): (src, ref)
            for crime, src, ref in Case.objects.filter(
                force=self.force, crime_reference__in=crime_refs
            ).values_list("crime_reference", "external_source", "external_ref")
        }

    def _row_problem(self, row: CleanRow) -> RowProblem | None:
        own_subject = (self.source, row.subject.external_ref)
        if row.subject.pnc_number:
            for variant in pnc_variants(row.subject.pnc_number):
                if self.pnc_owners.get(variant, set()) - {own_subject}:
                    return RowProblem(row.row, row.case.external_ref, "pnc_number", PNC_TAKEN)
        owner = self.crime_owners.get(row.case.crime_reference)
        if owner is not None and owner != (self.source, row.case.external_ref):
            message = duplicate_reference_message(row.case.crime_reference)
            return RowProblem(row.row, row.case.external_ref, "crime_reference", message)
        return None

    def _plan_row(self, row: CleanRow) -> None:
        problem = self._row_problem(row)
        if problem is not None:
            self.problems.append(problem)
            return
        subject_changed = self._plan_subject(row.subject)
        kind = self._plan_case(row.case, row.subject.external_ref)
        if kind == "unchanged" and subject_changed:
            kind = "updated"
        self.row_kinds[row.row] = kind

    def _plan_subject(self, values: SubjectValues) -> bool:
        ref = values.external_ref
        if ref in self.new_subjects or ref in self.changed_subjects:
            return False  # planned by an earlier row of this batch (same details, checked)
        wanted = {
            "first_names": values.first_names,
            "last_name": values.last_name,
            "date_of_birth": values.date_of_birth,
            "pnc_number": values.pnc_number,
            "force_reference": ref,
        }
        existing = self.subjects.get(ref)
        if existing is None:
            subject = Subject(
                force=self.force,
                external_source=self.source,
                external_ref=ref,
                created_by=self.actor,
                **wanted,
            )
            subject.refresh_search()
            self.new_subjects[ref] = subject
            return True
        changed = [f for f in SUBJECT_FIELDS if getattr(existing, f) != wanted[f]]
        if not changed:
            return False
        version = existing.version
        for name in changed:
            setattr(existing, name, wanted[name])
        existing.refresh_search()
        existing.version = version + 1
        self.changed_subjects[ref] = (existing, version, changed)
        return True

    def _plan_case(self, values: CaseValues, subject_ref: str) -> str:
        wanted: dict[str, Any] = {
            "crime_reference": values.crime_reference,
            "offence_on": values.offence_on,
            "opened_on": values.opened_on,
            "summary": values.summary,
        }
        existing = self.cases.get(values.external_ref)
        if existing is None:
            case = Case(
                force=self.force,
                external_source=self.source,
                external_ref=values.external_ref,
                relationship=Relationship.OTHER,
                created_by=self.actor,
                **wanted,
            )
            self.new_cases.append((case, subject_ref))
            return "created"
        subject = self.subjects.get(subject_ref) or self.new_subjects.get(subject_ref)
        wanted["subject_id"] = subject.pk if subject is not None else None
        changed = [f for f in CASE_FIELDS if getattr(existing, f) != wanted[f]]
        if not changed:
            return "unchanged"
        version = existing.version
        for name in changed:
            if name != "subject_id":
                setattr(existing, name, wanted[name])
        existing.version = version + 1
        self.changed_cases.append((existing, version, changed, subject_ref))
        return "updated"

    def write(self) -> None:
        Subject.objects.bulk_create(self.new_subjects.values())
        for case, subject_ref in self.new_cases:
            case.subject = self.new_subjects.get(subject_ref) or self.subjects[subject_ref]
        for case, _version, changed, subject_ref in self.changed_cases:
            if "subject_id" in changed:
                # Moved to another subject, perhaps one just inserted (its id is new).
                case.subject = self.new_subjects.get(subject_ref) or self.subjects[subject_ref]
        if self.changed_subjects:
            Subject.objects.bulk_update(
                [s for s, _v, _c in self.changed_subjects.values()],
                [*SUBJECT_FIELDS, "name_search", "version"],
            )
        Case.objects.bulk_create([c for c, _ref in self.new_cases])
        if self.changed_cases:
            Case.objects.bulk_update(
                [c for c, _v, _c, _r in self.changed_cases], [*CASE_FIELDS, "version"]
            )
        audit_records(self._audit_events())

    def _audit_events(self) -> list[dict[str, Any]]:
        via = f"import:{self.source}"
        events: list[dict[str, Any]] = []
        for subject in self.new_subjects.values():
            events.append(
                {
                    "actor": self.actor,
                    "category": Category.COLLECTION,
                    "verb": "subject.create",
                    "obj": subject,
                    "new": {
                        "force": self.force.pk,
                        "fields": [f for f in SUBJECT_FIELDS if getattr(subject, f)],
                        "via": via,
                    },
                }
            )
        for subject, version, changed in self.changed_subjects.values():
            events.append(
                {
                    "actor": self.actor,
                    "category": Category.ALTERATION,
                    "verb": "subject.update",
                    "obj": subject,
                    "old": {"version": version},
                    "new": {"version": subject.version, "fields": changed, "via": via},
                }
            )
        for case, _ref in self.new_cases:
            events.append(
                {
                    "actor": self.actor,
                    "category": Category.COLLECTION,
                    "verb": "case.create",
                    "obj": case,
                    "new": {"subject": case.subject_id, "opened_on": case.opened_on, "via": via},
                }
            )
        for case, version, changed, _ref in self.changed_cases:
            events.append(
                {
                    "actor": self.actor,
                    "category": Category.ALTERATION,
                    "verb": "case.edit",
                    "obj": case,
                    "old": {"version": version},
                    "new": {
                        "version": case.version,
                        "changed": sorted(c.removesuffix("_id") for c in changed),
                        "via": via,
                    },
                }
            )
        return events
