"""Outcome measures, scored with the risk instrument engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.models import Measure, Referral, Timepoint
from desist.programme.selectors import measure_instruments
from desist.risk.engine import OUTCOME_MEASURE, Definition
from desist.risk.loader import definition_of
from desist.risk.models import Instrument
from desist.risk.services import answer_field

if TYPE_CHECKING:
    from desist.accounts.models import User


def _outcome_measure(instrument: Instrument | None) -> Definition:
    if instrument is None or not measure_instruments().filter(pk=instrument.pk).exists():
        raise ValidationError({"instrument": ["Select an outcome measure"]})
    d = definition_of(instrument)
    if d.kind != OUTCOME_MEASURE:
        raise ValidationError({"instrument": ["Select an outcome measure"]})
    return d


@command(Perm.MEASURE_RECORD, on="referral")
def measure_record(
    *,
    actor: User,
    referral: Referral,
    instrument: Instrument | None,
    timepoint: str,
    assessed_on: dt.date | None,
    answers: Mapping[str, Any],
) -> Measure:
    """Score an outcome measure with the risk instrument engine and save it."""
    d = _outcome_measure(instrument)
    assert instrument is not None
    errors = Errors()
    if timepoint not in Timepoint.values:
        errors.add("timepoint", "Select when the measure was given")
    if assessed_on is None:
        errors.add("assessed_on", "Enter the date the measure was given")
    elif assessed_on > timezone.localdate():
        errors.add("assessed_on", "The date the measure was given must be today or in the past")
    cleaned, item_errors = d.check_answers(answers, assessed_on=assessed_on)
    for item_id, message in item_errors.items():
        errors[answer_field(item_id)] = [message]
    errors.raise_if_any()
    assert assessed_on is not None
    outcome = d.score(cleaned)
    measure = Measure.objects.create(
        referral=referral,
        instrument=instrument,
        timepoint=timepoint,
        assessed_on=assessed_on,
        answers=cleaned,
        score=outcome.score.quantize(Decimal("0.0001")) if outcome.score is not None else None,
        risk_level=outcome.level or "",
        assessor=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.measure_record",
        obj=measure,
        new={
            "referral": referral.pk,
            "instrument": instrument.pk,
            "timepoint": timepoint,
            "assessed_on": assessed_on,
            "score": str(measure.score) if measure.score is not None else None,
        },
    )
    return measure
