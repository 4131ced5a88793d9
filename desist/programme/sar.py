"""The intervention programme, for a subject access request (ADR 0031).

The provider's bundle holds everything it records: the referral, its suitability assessments
(answers and notes), sessions, every revision of the clinical notes, disclosures of risk,
measures and the end report. The referring force's
bundle holds what the police see of the referral: its status and dates and the end report's
summary for the police."""

from __future__ import annotations

from typing import Any

from desist.core.models import Organisation
from desist.programme import workflow
from desist.programme.models import FIDELITY_ITEMS, MODULE_LABELS, EndReport, Referral
from desist.sar.registry import Collector, Record, record, register

REFERRAL_FIELDS = ["status", "put_forward_on", "assessed_on", "consent_on", "started_on"]
REFERRAL_FIELDS += ["ended_on", "end_reason_code"]
SESSION_FIELDS = ["number", "phase", "module", "starts_at", "remote", "place", "state"]
SESSION_FIELDS += ["attendance", "absence_reason", "module_delivered", "content", "fidelity"]
SESSION_FIELDS += ["engagement"]
# Workflow and module codes, shown by their labels.
REFERRAL_LABELS = {"end_reason_code": workflow.reason_label}
SESSION_LABELS = {
    "module": MODULE_LABELS,
    "module_delivered": MODULE_LABELS,
    "fidelity": dict(FIDELITY_ITEMS),
}
END_FIELDS = ["practitioner_assessment", "warning_signs", "skills_to_use", "contacts"]
END_FIELDS += ["police_summary", "written_at"]


def _provider_records(referral: Referral) -> list[Record]:
    found = [
        record(
            referral,
            "Referral to the programme",
            [*REFERRAL_FIELDS, "risk_summary"],
            labels=REFERRAL_LABELS,
        )
    ]
    for session in referral.sessions.all():
        found.append(
            record(session, f"Session {session.number}", SESSION_FIELDS, labels=SESSION_LABELS)
        )
        found += [
            record(
                n, f"Clinical note, session {session.number}", ["revision", "text", "written_at"]
            )
            for n in session.notes.all()
        ]
    found += [
        record(
            a,
            f"Suitability assessment {a.number}",
            ["assessed_on", "outcome", "reason_code", "reason", "review_on", "answers"],
        )
        for a in referral.suitability_assessments.all()
    ]
    found += [
        record(d, "Disclosure of risk", ["disclosed", "urgency", "recorded_at"])
        for d in referral.disclosures.all()
    ]
    found += [
        record(m, "Measure", ["instrument", "timepoint", "assessed_on", "score", "risk_level"])
        for m in referral.measures.all()
    ]
    report = EndReport.objects.filter(referral=referral).first()
    if report is not None:
        found.append(record(report, "End-of-programme report", END_FIELDS))
    return found


def subject_programme(subject: Any, organisation: Organisation) -> list[Record]:
    referrals = Referral.objects.filter(subject=subject).select_related("programme")
    found: list[Record] = []
    for referral in referrals.order_by("put_forward_on", "pk"):
        if referral.programme.provider_id == organisation.pk:
            found += _provider_records(referral)
        elif referral.force_id == organisation.pk:
            found.append(
                record(
                    referral, "Referral to the programme", REFERRAL_FIELDS, labels=REFERRAL_LABELS
                )
            )
            report = EndReport.objects.filter(referral=referral).first()
            if report is not None:
                found.append(record(report, "End-of-programme summary", ["police_summary"]))
    return found


register(
    Collector(
        key="programme.referrals",
        title="The intervention programme",
        kind="subject",
        registered_by="programme",
        collect=subject_programme,
    )
)
