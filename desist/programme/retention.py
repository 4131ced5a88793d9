"""The programme's clinical records in the retention schedule (ADR 0028). Held by the
provider; disposal blanks every clinical free text of the referral and keeps what the
evaluation counts (statuses, dates, attendance, measures' scores)."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce

from desist.programme.models import (
    CLOSED_STATUSES,
    ClinicalNote,
    EndReport,
    ProgrammeSession,
    Referral,
    SupervisionEntry,
)
from desist.retention.blank import blank
from desist.retention.registry import Action, RecordClass, register

CLINICAL_YEARS = 6


def referrals_ended() -> QuerySet[Referral]:
    return (
        Referral.objects.filter(status__in=CLOSED_STATUSES)
        .select_related("programme")
        .annotate(closed_on=Coalesce("ended_on", Max("status_changes__effective_on")))
    )


def dispose_referral(referral: Referral) -> None:
    sessions = ProgrammeSession.objects.filter(referral=referral)
    blank(Referral.objects.filter(pk=referral.pk), "risk_summary", "sharing_explained")
    blank(referral.status_changes.all(), "reason")
    blank(sessions, "content", "change_reason", "absence_reason", "review_comment")
    blank(ClinicalNote.objects.filter(session__in=sessions), "text")
    blank(referral.disclosures.all(), "disclosed")
    blank(referral.suitability_assessments.all(), "reason")
    for assessment in referral.suitability_assessments.all():
        # The answers stay (the evaluation may count them); the notes are free text.
        answers = {code: {**a, "note": ""} for code, a in assessment.answers.items()}
        type(assessment).objects.filter(pk=assessment.pk).update(answers=answers)
    blank(SupervisionEntry.objects.filter(session__in=sessions), "comment")
    blank(
        EndReport.objects.filter(referral=referral),
        "practitioner_assessment",
        "warning_signs",
        "skills_to_use",
        "contacts",
        "police_summary",
    )


register(
    RecordClass(
        key="programme.clinical",
        title="Programme clinical record (referral, sessions, notes, end report)",
        model="programme.Referral",
        years=CLINICAL_YEARS,
        runs_from="the day the referral ended (completed, disengaged, withdrawn, declined or not suitable)",
        action=Action.ANONYMISE,
        basis=(
            "The information-sharing agreement: 6 years after the intervention ends (the "
            "limitation period for a claim about the care given)"
        ),
        registered_by="programme",
        records=referrals_ended,
        event_on=lambda referral: referral.closed_on,
        owner_id=lambda referral: referral.programme.provider_id,
        reference=lambda referral: referral.reference,
        dispose=dispose_referral,
        names={"people.Subject": "subject_id"},
    )
)
