"""What every programme command shares: text cleaning, the optimistic-lock save and the
redaction guard on provider-written text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desist.core.concurrency import StaleRecordError, save_versioned
from desist.programme.models import ProgrammeSession
from desist.sharing import events
from desist.sharing.redaction import guard_text

if TYPE_CHECKING:
    from desist.accounts.models import User

MAX_TEXT = 10_000


def role_codes(actor: User) -> frozenset[str]:
    return frozenset(actor.role_codes)


def clean(value: str | None) -> str:
    return (value or "").strip()


def save_changes(obj: Any, *, version: int, changes: Mapping[str, Any]) -> None:
    """Set `changes` and save them if nobody saved `obj` since `version` was read; otherwise
    put the old values back and raise StaleRecordError."""
    before = {name: getattr(obj, name) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    try:
        save_versioned(obj, expected_version=version, fields=list(changes))
    except StaleRecordError:
        for name, value in before.items():
            setattr(obj, name, value)
        raise


def guard(subject: Any, fields: Mapping[str, str], *, actor: User, where: str) -> None:
    """The redaction guard (in a command's check, before its transaction: a blocked attempt is
    audited in its own); RedactionBlocked propagates for the view to show."""
    present = {k: v for k, v in fields.items() if v}
    if present:
        guard_text(actor=actor, subject=subject, fields=present, where=where)


def referral_of_session(kwargs: Mapping[str, Any]) -> Any:
    """A session's commands are permitted on its referral."""
    session: ProgrammeSession = kwargs["session"]
    return session.referral


def resolve_reminders(actor: User, session: ProgrammeSession, reason: str) -> None:
    """An attendance reminder for this session has nothing left to ask once attendance is
    recorded or the session is moved or cancelled: take it out of the inboxes."""
    events.resolve(
        kind=events.EventKind.ATTENDANCE_UNRECORDED, actor=actor, source=session, reason=reason
    )
