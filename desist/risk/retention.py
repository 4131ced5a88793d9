"""Risk assessments in the retention schedule (ADR 0028): the assessor's notes (the
rationale) are the free text; the instrument, answers, score and level stay for the
evaluation's matching."""

from __future__ import annotations

from desist.retention.blank import blank
from desist.retention.registry import Action, RecordClass, register
from desist.risk.models import Assessment


def dispose_assessment(assessment: Assessment) -> None:
    blank(Assessment.objects.filter(pk=assessment.pk), "rationale")


register(
    RecordClass(
        key="risk.assessment",
        title="Risk assessment notes",
        model="risk.Assessment",
        years=6,
        runs_from="the day of the assessment",
        action=Action.ANONYMISE,
        basis="As a MoPI group 3 record: 6 years, then the data owner keeps a note that still "
        "informs a live case or removes it; the coded result stays",
        registered_by="risk",
        records=lambda: Assessment.objects.select_related("assessor", "subject"),
        event_on=lambda assessment: assessment.assessed_on,
        owner_id=lambda a: a.assessor.organisation_id or a.subject.force_id,
        reference=lambda assessment: f"R{assessment.pk:06d}",
        dispose=dispose_assessment,
        names={"people.Subject": "subject_id"},
    )
)
