"""Clinical notes: revisions, never overwritten; a writer who read an older revision is
stopped rather than silently replacing someone else's text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from desist.audit.models import Category
from desist.audit.pipeline import command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.policy import Perm
from desist.programme.actions.common import MAX_TEXT, clean, guard, referral_of_session
from desist.programme.completion import notes_refused
from desist.programme.models import ClinicalNote, ProgrammeSession
from desist.sharing import shown
from desist.sharing.redaction import RedactionBlocked

if TYPE_CHECKING:
    from desist.accounts.models import User


def _note_check(
    *, actor: User, session: ProgrammeSession, text: str, **_: object
) -> dict[str, Any]:
    text = clean(text)
    if refused := notes_refused(session):
        raise ValidationError({"text": [refused]})
    if not text:
        raise ValidationError({"text": ["Enter the clinical notes"]})
    if len(text) > MAX_TEXT * 2:
        raise ValidationError(
            {"text": [f"Clinical notes must be {MAX_TEXT * 2:,} characters or fewer"]}
        )
    subject = session.referral.subject
    try:
        guard(subject, {"text": text}, actor=actor, where="programme.clinical_note_save")
    except RedactionBlocked:
        # Refused, but not an oracle: repeated attempts reach the clinical supervisor and police.
        shown.notes_block_count_check(
            actor=actor, subject=subject, source=session, where="programme.clinical_note_save"
        )
        raise
    return {"text": text}


@command(Perm.CLINICAL_NOTES, on=referral_of_session, check=_note_check)
def clinical_note_save(
    *, actor: User, session: ProgrammeSession, text: str, base_revision: int
) -> ClinicalNote:
    """Add a revision of the session's clinical notes (earlier revisions are kept).

    `base_revision` is the revision the writer read (0 when there were none). If someone saved
    another revision since, StaleRecordError: their text must not become an "earlier revision"
    that nobody chose to replace.
    """
    last = session.notes.order_by("-revision").values_list("revision", flat=True).first() or 0
    if last != base_revision:
        raise StaleRecordError(StaleRecordError.message)
    try:
        # The unique (session, revision) constraint is the lock: of two writers who both read
        # `last`, only one can insert `last + 1`.
        with transaction.atomic():
            note = ClinicalNote.objects.create(
                session=session, revision=last + 1, text=text, written_by=actor
            )
    except IntegrityError:
        raise StaleRecordError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.COLLECTION if last == 0 else Category.ALTERATION,
        verb="programme.clinical_note_save",
        obj=session,
        new={"revision": note.revision, "note": note.pk},
    )
    return note
