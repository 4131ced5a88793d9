"""The end-of-intervention report: the practitioner's assessment and a relapse-prevention
plan, with a summary for the police."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.policy import Perm
from desist.programme.actions.common import MAX_TEXT, clean, guard, save_changes
from desist.programme.models import EndReport, Referral, ReferralStatus

if TYPE_CHECKING:
    from desist.accounts.models import User

S = ReferralStatus
END_REPORT_STATUSES = (S.ACTIVE, S.COMPLETED, S.DISENGAGED, S.WITHDRAWN, S.EXCLUDED)
_REQUIRED = {
    "practitioner_assessment": "Enter your assessment of the person's progress",
    "warning_signs": "Enter the warning signs",
    "skills_to_use": "Enter the skills to use",
    "contacts": "Enter who to contact",
}
_FIELDS = (*_REQUIRED, "police_summary")


def _report_check(*, actor: User, referral: Referral, **kwargs: Any) -> dict[str, str]:
    values = {k: clean(kwargs.get(k, "")) for k in _FIELDS}
    errors = Errors({k: [m] for k, m in _REQUIRED.items() if not values[k]})
    for k, v in values.items():
        if len(v) > MAX_TEXT:
            errors[k] = [f"This must be {MAX_TEXT:,} characters or fewer"]
    if referral.status not in END_REPORT_STATUSES:
        errors["practitioner_assessment"] = [
            "The end report can be written only once the intervention has started"
        ]
    errors.raise_if_any()
    guard(referral.subject, values, actor=actor, where="programme.end_report_save")
    return values


def _existing_report(referral: Referral) -> EndReport | None:
    return EndReport.objects.filter(referral=referral).first()


@command(Perm.END_REPORT_WRITE, on="referral", check=_report_check)
def end_report_save(
    *,
    actor: User,
    referral: Referral,
    version: int | None,
    practitioner_assessment: str,
    warning_signs: str,
    skills_to_use: str,
    contacts: str,
    police_summary: str = "",
) -> EndReport:
    """Write the end report, or change it (optimistic lock on `version`)."""
    values = {
        "practitioner_assessment": practitioner_assessment,
        "warning_signs": warning_signs,
        "skills_to_use": skills_to_use,
        "contacts": contacts,
        "police_summary": police_summary,
    }
    existing = _existing_report(referral)
    if existing is None:
        try:
            with transaction.atomic():
                report = EndReport.objects.create(referral=referral, written_by=actor, **values)
        except IntegrityError:
            # Another writer's new report landed first (one per referral): theirs stands.
            raise StaleRecordError(StaleRecordError.message) from None
        category = Category.COLLECTION
    else:
        if version is None:
            raise StaleRecordError(StaleRecordError.message)
        save_changes(
            existing,
            version=version,
            changes={**values, "written_by": actor, "written_at": timezone.now()},
        )
        report = existing
        category = Category.ALTERATION
    audit_record(
        actor=actor,
        category=category,
        verb="programme.end_report_save",
        obj=report,
        new={"referral": referral.pk, "version": report.version},
    )
    return report
