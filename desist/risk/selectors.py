"""Reads for risk, each filtered by the access policy. Out of scope is a 404, never a hint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.people.models import Subject
from desist.risk.models import Assessment, Instrument, InstrumentKind
from desist.risk.services import instrument_available_to

P = policy.Perm


# --- instruments -----------------------------------------------------------------------------


def instrument_list_available(*, actor: User) -> QuerySet[Instrument]:
    """Active instruments the actor may assess risk with: built-ins (police forces) and their
    own organisation's. Outcome measures belong to the programme, not to risk assessment."""
    org = getattr(actor, "organisation", None)
    if not policy.has_perm(actor, P.RISK_ASSESS) or org is None:
        return Instrument.objects.none()
    visible = Q(owner=org)
    if org.kind == "police_force":
        visible |= Q(owner__isnull=True)
    return (
        Instrument.objects.filter(visible, is_active=True)
        .exclude(kind=InstrumentKind.OUTCOME_MEASURE)
        .order_by("kind", "name", "version")
    )


def instrument_available_get(*, actor: User, instrument_id: int) -> Instrument:
    instrument = instrument_list_available(actor=actor).filter(pk=instrument_id).first()
    if instrument is None or not instrument_available_to(actor, instrument):
        raise Http404("No such instrument")
    return instrument


def instrument_list_for(*, actor: User) -> QuerySet[Instrument]:
    """For administrators: built-ins and their own organisation's instruments."""
    policy.require_perm(actor, P.INSTRUMENT_MANAGE)
    return (
        Instrument.objects.filter(Q(owner__isnull=True) | Q(owner_id=actor.organisation_id))
        .select_related("owner", "loaded_by")
        .annotate(used=Exists(Assessment.objects.filter(instrument=OuterRef("pk"))))
        .order_by("owner_id", "name", "code", "version")
    )


def instrument_get_for(*, actor: User, instrument_id: int) -> Instrument:
    instrument = instrument_list_for(actor=actor).filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404("No such instrument")
    return instrument


# --- subjects and assessments ----------------------------------------------------------------


def subject_get_for(*, actor: User, subject_id: int, perm: policy.Perm = P.RISK_VIEW) -> Subject:
    """The subject, if the actor may view (or assess) their risk. 403 without the permission
    at all; 404 when the subject is out of scope."""
    policy.require_perm(actor, perm)
    subject = policy.scope_subjects(actor, Subject.objects.all()).filter(pk=subject_id).first()
    if subject is None:
        raise Http404("No such subject")
    policy.require(actor, perm, subject)
    return subject


def assessment_list_for(*, actor: User, subject: Subject | None = None) -> QuerySet[Assessment]:
    qs = policy.scope_assessments(actor, Assessment.objects.all())
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.select_related("instrument", "assessor", "subject").order_by(
        "-assessed_on", "-created_at", "-id"
    )


def assessment_get_for(*, actor: User, assessment_id: int) -> Assessment:
    policy.require_perm(actor, P.RISK_VIEW)
    assessment = assessment_list_for(actor=actor).filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment")
    policy.require(actor, P.RISK_VIEW, assessment)
    return assessment


def risk_reviews_due_for(*, actor: User, on: dt.date | None = None) -> QuerySet[Subject]:
    """Subjects in the actor's scope whose latest assessment that set a review date is due
    on or before `on` (today by default). Annotated with the latest assessment's id, review
    date, level and instrument, so a page of rows is one query."""
    if not policy.has_perm(actor, P.RISK_VIEW):
        return Subject.objects.none()
    on = on or timezone.localdate()
    latest = Assessment.objects.filter(subject=OuterRef("pk"), review_date__isnull=False).order_by(
        "-assessed_on", "-created_at", "-id"
    )
    return (
        policy.scope_subjects(actor, Subject.objects.all())
        .annotate(
            latest_assessment_id=Subquery(latest.values("pk")[:1]),
            latest_review_date=Subquery(latest.values("review_date")[:1]),
            latest_risk_level=Subquery(latest.values("risk_level")[:1]),
            latest_instrument_name=Subquery(latest.values("instrument__name")[:1]),
        )
        .filter(latest_review_date__lte=on)
        .order_by("latest_review_date", "last_name", "first_names", "pk")
    )


@dataclass(frozen=True)
class ReviewDue:
    subject: Subject
    review_date: dt.date
    risk_level: str
    instrument_name: str
    assessment_id: int


def review_due_row(subject: Any) -> ReviewDue:
    """A row of `risk_reviews_due_for`, typed."""
    return ReviewDue(
        subject=subject,
        review_date=subject.latest_review_date,
        risk_level=subject.latest_risk_level or "",
        instrument_name=subject.latest_instrument_name or "",
        assessment_id=subject.latest_assessment_id,
    )
