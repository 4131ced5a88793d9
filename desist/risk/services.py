"""Writes for risk: loading instruments, withdrawing them, recording assessments."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.models import Organisation, OrganisationKind
from desist.risk import engine
from desist.risk.loader import BUILTIN_PREFIX, builtin_files, definition_of, fingerprint
from desist.risk.loader import read_instrument_file as _read_file
from desist.risk.models import Assessment, AssessmentContext, Instrument

log = logging.getLogger(__name__)

P = policy.Perm

# Form field (and ValidationError key) for an item's answer.
ANSWER_PREFIX = "item_"
MAX_RATIONALE = 10000


def answer_field(item_id: str) -> str:
    return f"{ANSWER_PREFIX}{item_id}"


# --- instruments -----------------------------------------------------------------------------


def _store_fields(d: engine.Definition) -> dict[str, Any]:
    return {
        "name": d.name,
        "kind": d.kind,
        "definition": d.data,
        "sha256": fingerprint(d.data),
    }


def instrument_load(
    *,
    actor: User | None,
    organisation: Organisation,
    data: Mapping[str, Any],
    source_name: str = "",
) -> tuple[Instrument, str]:
    """Validate a definition and store it for `organisation`.

    `actor` is None only when an operator runs the `load_instrument` command. Returns the
    instrument and what happened: "created", "replaced" (an unused version changed) or
    "unchanged". Raises ValidationError({"definition": [messages]}).
    """
    if actor is not None:
        policy.require_perm(actor, P.INSTRUMENT_MANAGE)
        if organisation.pk != actor.organisation_id:
            raise PermissionDenied(P.INSTRUMENT_MANAGE.value)
    d = _parse_organisation_definition(data)
    fields = _store_fields(d)
    justification = f"Loaded from {source_name}" if source_name else ""
    with transaction.atomic():
        existing = (
            Instrument.objects.select_for_update()
            .filter(owner=organisation, code=d.code, version=d.version)
            .first()
        )
        if existing is None:
            return _instrument_create(actor, organisation, d, fields, justification), "created"
        if existing.sha256 == fields["sha256"]:
            return existing, "unchanged"
        _instrument_replace(actor, existing, d, fields, justification)
        return existing, "replaced"


def _parse_organisation_definition(data: Mapping[str, Any]) -> engine.Definition:
    """A valid definition that does not pass itself off as one shipped with Desist."""
    try:
        d = engine.parse_definition(data)
    except engine.DefinitionError as exc:
        raise ValidationError({"definition": exc.errors}) from None
    problems = []
    if d.authorship == "project":
        problems.append(
            "authorship: only instruments shipped with Desist are marked 'project'; "
            "use 'organisation' or 'licensed'"
        )
    if d.code.startswith(BUILTIN_PREFIX):
        problems.append(
            f"code: codes beginning '{BUILTIN_PREFIX}' are kept for instruments shipped with Desist"
        )
    if problems:
        raise ValidationError({"definition": problems})
    return d


def _instrument_replace(
    actor: User | None,
    existing: Instrument,
    d: engine.Definition,
    fields: dict[str, Any],
    justification: str,
) -> None:
    """Change a stored version in place: only while no assessment has used it."""
    used = existing.assessments.count()
    if used:
        raise ValidationError(
            {
                "definition": [
                    f"version: version {d.version} of '{d.code}' has been used in "
                    f"{used} assessment{'s' if used != 1 else ''} and cannot be changed. "
                    "Give the changed instrument a new version number"
                ]
            }
        )
    old_sha = existing.sha256
    for key, value in fields.items():
        setattr(existing, key, value)
    existing.loaded_by = actor
    existing.loaded_at = timezone.now()
    existing.save()
    audit_record(
        actor=actor,
        actor_username="" if actor else "command-line",
        category=Category.ALTERATION,
        verb="risk.instrument_load",
        obj=existing,
        justification=justification,
        old={"sha256": old_sha},
        new={"sha256": existing.sha256, "items": len(d.items)},
    )


def _instrument_create(
    actor: User | None,
    organisation: Organisation,
    d: engine.Definition,
    fields: dict[str, Any],
    justification: str,
) -> Instrument:
    instrument = Instrument.objects.create(
        code=d.code,
        version=d.version,
        owner=organisation,
        loaded_by=actor,
        **fields,
    )
    audit_record(
        actor=actor,
        actor_username="" if actor else "command-line",
        category=Category.COLLECTION,
        verb="risk.instrument_load",
        obj=instrument,
        justification=justification,
        new={
            "code": d.code,
            "version": d.version,
            "kind": d.kind,
            "owner": organisation.code,
            "authorship": d.authorship,
            "items": len(d.items),
            "sha256": instrument.sha256,
        },
    )
    return instrument


def instrument_load_file(
    *, actor: User | None, organisation: Organisation, name: str, content: bytes
) -> tuple[Instrument, str]:
    """Read a JSON or YAML file and load it. Errors come back under "definition"."""
    if actor is not None:
        policy.require_perm(actor, P.INSTRUMENT_MANAGE)
    try:
        data = _read_file(name, content)
    except engine.DefinitionError as exc:
        raise ValidationError({"definition": exc.errors}) from None
    return instrument_load(actor=actor, organisation=organisation, data=data, source_name=name)


def instrument_set_active(*, actor: User, instrument: Instrument, is_active: bool) -> Instrument:
    """Withdraw an instrument from new assessments, or make it available again. Past
    assessments keep it."""
    policy.require_perm(actor, P.INSTRUMENT_MANAGE)
    if instrument.owner_id is None or instrument.owner_id != actor.organisation_id:
        raise PermissionDenied(P.INSTRUMENT_MANAGE.value)
    with transaction.atomic():
        locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if locked.is_active == is_active:
            return locked
        locked.is_active = is_active
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="risk.instrument_withdraw" if not is_active else "risk.instrument_restore",
            obj=locked,
            old={"is_active": not is_active},
            new={"is_active": is_active},
        )
    return locked


def instruments_sync_builtin() -> dict[str, int]:
    """Make the built-in instruments match the files in desist/risk/instruments/. Idempotent.

    A new version is added; a changed but unused version is updated; a changed version that
    has been used is left alone (and logged): ship it under a new version number instead.
    Built-in versions no longer shipped are withdrawn from new assessments.
    """
    summary = {"created": 0, "updated": 0, "skipped": 0, "withdrawn": 0}
    shipped: set[tuple[str, str]] = set()
    with transaction.atomic():
        for path in builtin_files():
            d = engine.parse_definition(_read_file(path.name, path.read_bytes()))
            if d.authorship != "project" or not d.code.startswith(BUILTIN_PREFIX):
                raise engine.DefinitionError(
                    [
                        f"{path.name}: a built-in instrument must have authorship 'project' "
                        f"and a code beginning '{BUILTIN_PREFIX}'"
                    ]
                )
            shipped.add((d.code, d.version))
            fields = _store_fields(d)
            row = Instrument.objects.filter(owner=None, code=d.code, version=d.version).first()
            if row is None:
                row = Instrument.objects.create(code=d.code, version=d.version, **fields)
                summary["created"] += 1
                audit_record(
                    actor=None,
                    actor_username="system",
                    category=Category.COLLECTION,
                    verb="risk.instrument_sync",
                    obj=row,
                    new={"code": d.code, "version": d.version, "sha256": row.sha256},
                )
                continue
            if row.sha256 == fields["sha256"] and row.is_active:
                continue
            if row.sha256 != fields["sha256"] and row.assessments.exists():
                log.warning(
                    "Built-in instrument %s version %s has changed but has been used; "
                    "ship the change as a new version",
                    d.code,
                    d.version,
                )
                summary["skipped"] += 1
                continue
            for key, value in fields.items():
                setattr(row, key, value)
            row.is_active = True
            row.save()
            summary["updated"] += 1
        for row in Instrument.objects.filter(owner=None, is_active=True):
            if (row.code, row.version) not in shipped:
                row.is_active = False
                row.save(update_fields=["is_active"])
                summary["withdrawn"] += 1
    return summary


def instruments_sync_after_migrate(**kwargs: Any) -> None:
    using = kwargs.get("using") or "default"
    if using != connection.alias:
        return
    if Instrument._meta.db_table not in connection.introspection.table_names():
        return
    instruments_sync_builtin()


def instrument_available_to(actor: User, instrument: Instrument) -> bool:
    """Built-ins to every police force; a loaded instrument to its own organisation only."""
    org = getattr(actor, "organisation", None)
    if org is None or not instrument.is_active:
        return False
    if instrument.owner_id is None:
        return bool(org.kind == OrganisationKind.POLICE_FORCE)
    return bool(instrument.owner_id == org.pk)


# --- assessments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentDraft:
    """A validated, scored assessment that has not been saved (for check-your-answers)."""

    instrument: Instrument
    definition: engine.Definition
    answers: dict[str, str]
    outcome: engine.Outcome
    assessed_on: dt.date
    context: str
    rationale: str
    review_date: dt.date | None

    @property
    def level_label(self) -> str:
        level = self.definition.level(self.outcome.level)
        return level.label if level else ""


def assessment_check(
    *,
    actor: User,
    subject: Any,
    instrument: Instrument,
    answers: Mapping[str, Any],
    assessed_on: dt.date | None,
    context: str,
    rationale: str = "",
    review_date: dt.date | None = None,
) -> AssessmentDraft:
    """Validate and score an assessment without saving it. Raises ValidationError with one
    message per field; an item's key is `answer_field(item_id)`."""
    policy.require(actor, P.RISK_ASSESS, subject)
    if not instrument_available_to(actor, instrument):
        raise ValidationError({"instrument": "Select an instrument your organisation can use"})
    d = definition_of(instrument)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if assessed_on is None:
        errors["assessed_on"] = "Enter the date of the assessment"
    elif assessed_on > today:
        errors["assessed_on"] = "The date of the assessment must be today or in the past"
    if context not in AssessmentContext.values:
        errors["context"] = "Select when this assessment was made"

    cleaned, item_errors = d.check_answers(
        answers, assessed_on=assessed_on if "assessed_on" not in errors else None
    )
    for item_id, message in item_errors.items():
        errors[answer_field(item_id)] = message

    judgement = d.judgement
    if judgement and judgement.rationale_item:
        rationale = cleaned.get(judgement.rationale_item, "")
    else:
        rationale = (rationale or "").strip()
        if len(rationale) > MAX_RATIONALE:
            errors["rationale"] = f"Reasons must be {MAX_RATIONALE:,} characters or fewer"
    if judgement and judgement.review_date_item:
        value = cleaned.get(judgement.review_date_item)
        review_date = dt.date.fromisoformat(value) if value else None
    else:
        if review_date is None and d.kind != engine.OUTCOME_MEASURE:
            errors["review_date"] = "Enter the date of the next review"
        elif (
            review_date is not None
            and assessed_on is not None
            and "assessed_on" not in errors
            and review_date <= assessed_on
        ):
            errors["review_date"] = (
                "The date of the next review must be after the date of the assessment"
            )
    if errors:
        raise ValidationError(errors)
    assert assessed_on is not None
    return AssessmentDraft(
        instrument=instrument,
        definition=d,
        answers=cleaned,
        outcome=d.score(cleaned),
        assessed_on=assessed_on,
        context=context,
        rationale=rationale,
        review_date=review_date,
    )


def assessment_record(
    *,
    actor: User,
    subject: Any,
    instrument: Instrument,
    answers: Mapping[str, Any],
    assessed_on: dt.date | None,
    context: str,
    rationale: str = "",
    review_date: dt.date | None = None,
) -> Assessment:
    """Validate, score and save an assessment, with its audit event."""
    draft = assessment_check(
        actor=actor,
        subject=subject,
        instrument=instrument,
        answers=answers,
        assessed_on=assessed_on,
        context=context,
        rationale=rationale,
        review_date=review_date,
    )
    score = draft.outcome.score
    with transaction.atomic():
        assessment = Assessment.objects.create(
            subject=subject,
            instrument=instrument,
            assessed_on=draft.assessed_on,
            assessor=actor,
            context=draft.context,
            answers=draft.answers,
            score=score.quantize(Decimal("0.0001")) if score is not None else None,
            risk_level=draft.outcome.level or "",
            rationale=draft.rationale,
            review_date=draft.review_date,
        )
        # Ids, dates and the result only: never answers or reasons (free text).
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="risk.assessment_record",
            obj=assessment,
            new={
                "subject": subject.pk,
                "instrument": instrument.pk,
                "instrument_code": instrument.code,
                "instrument_version": instrument.version,
                "context": draft.context,
                "assessed_on": draft.assessed_on,
                "review_date": draft.review_date,
                "score": engine.format_score(score) if score is not None else None,
                "risk_level": draft.outcome.level,
            },
        )
    return assessment
