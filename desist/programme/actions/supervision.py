"""Clinical supervision: signing a session off, and entries in a practitioner's supervision
log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.actions.common import clean, guard, referral_of_session, save_changes
from desist.programme.completion import took_place
from desist.programme.models import ProgrammeSession, SessionState, SupervisionEntry
from desist.programme.ratings import ADHERENCE, COMPETENCE, HIGHEST, LOWEST

if TYPE_CHECKING:
    from desist.accounts.models import User


_NOT_HELD: dict[str, str] = {
    SessionState.CANCELLED: "cancelled",
    SessionState.SUPERSEDED: "moved to another time",
}


def _rating_errors(errors: Errors, adherence: int | None, competence: int | None) -> None:
    for scale, value in ((ADHERENCE, adherence), (COMPETENCE, competence)):
        if value is None or not LOWEST <= value <= HIGHEST:
            errors.add(scale.code, f"Select {scale.what}")


def _review_check(
    *,
    actor: User,
    session: ProgrammeSession,
    comment: str,
    adherence: int | None = None,
    competence: int | None = None,
    **_: object,
) -> dict[str, Any]:
    comment = clean(comment)
    errors = Errors()
    if refused := review_refused(actor, session):
        errors.add("comment", refused)
    _rating_errors(errors, adherence, competence)
    if not comment:
        errors.add("comment", "Enter your comment on the session")
    errors.raise_if_any()
    guard(
        session.referral.subject,
        {"comment": comment},
        actor=actor,
        where="programme.session_review",
    )
    return {"comment": comment}


def review_refused(actor: User, session: ProgrammeSession) -> str:
    """Why the session cannot be reviewed now, or "": the command's refusal, and what its form
    says when opened by its address."""
    if policy.reviews_own_session(actor, session):
        return "You delivered this session: another clinical supervisor must review it"
    if session.reviewed_at is not None:
        return "This session has already been signed off"
    if session.state != SessionState.SCHEDULED:
        # Cancelled or moved: it was never held, whatever attendance may say.
        return f"This session was {_NOT_HELD[session.state]}: there is nothing to rate"
    if not session.attendance:
        return "Attendance must be recorded before review"
    if not took_place(session):
        # Missed, or cancelled or moved after the fact: nothing was delivered to rate.
        return "The person did not attend this session: there is nothing to rate"
    return ""


@command(Perm.SESSION_REVIEW, on=referral_of_session, check=_review_check)
def session_review(
    *,
    actor: User,
    session: ProgrammeSession,
    version: int,
    comment: str,
    adherence: int | None = None,
    competence: int | None = None,
) -> ProgrammeSession:
    """A clinical supervisor signs a session that took place off, with a rating of adherence
    and competence (`ratings.py`) and a comment, which go into the practitioner's supervision
    log."""
    save_changes(
        session,
        version=version,
        changes={"reviewed_by": actor, "reviewed_at": timezone.now(), "review_comment": comment},
    )
    entry = SupervisionEntry.objects.create(
        practitioner=session.practitioner,
        supervisor=actor,
        session=session,
        occurred_on=timezone.localdate(),
        comment=comment,
        adherence=adherence,
        competence=competence,
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="programme.session_review",
        obj=session,
        new={
            "reviewed_by": actor.pk,
            "supervision_entry": entry.pk,
            "adherence": adherence,
            "competence": competence,
        },
    )
    return session


@command(Perm.SESSION_REVIEW)
def supervision_entry_add(
    *, actor: User, practitioner: User | None, occurred_on: dt.date | None, comment: str
) -> SupervisionEntry:
    """A note of supervision with a practitioner of the supervisor's own organisation."""
    errors = Errors()
    comment = clean(comment)
    if practitioner is None or practitioner.organisation_id != actor.organisation_id:
        raise PermissionDenied("supervision")
    if occurred_on is None:
        errors.add("occurred_on", "Enter the date of the supervision")
    elif occurred_on > timezone.localdate():
        errors.add("occurred_on", "The date of the supervision must be today or in the past")
    if not comment:
        errors.add("comment", "Enter a note of the supervision")
    errors.raise_if_any()
    assert occurred_on is not None
    entry = SupervisionEntry.objects.create(
        practitioner=practitioner, supervisor=actor, occurred_on=occurred_on, comment=comment
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.supervision_entry",
        obj=entry,
        new={"practitioner": practitioner.pk, "occurred_on": occurred_on},
    )
    return entry
