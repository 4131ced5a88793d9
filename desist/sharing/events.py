"""The one door through which other apps report events that may need to reach people.

Callers (orders, programme, safeguarding) call `publish` inside their own transaction, after
their write and its audit row. The sharing app turns the event into alerts by its rules, picks
the recipients, records any cross-organisation disclosure, and queues email; nothing here
may fail the caller's write because a mail server is down.

`detail` must never hold a victim's identity: alerts reach provider staff too. Callers pass
what happened in their own words (a session concern's text is checked by the redaction guard
before it gets here).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    BREACH_RECORDED = "breach_recorded"
    RISK_DISCLOSURE = "risk_disclosure"
    MISSED_SESSIONS = "missed_sessions"  # two consecutive unacceptable absences
    DISENGAGED = "disengaged"
    NOTIFICATION_OVERDUE = "notification_overdue"
    ORDER_EXPIRING = "order_expiring"
    VICTIM_NEW_CONTACT = "victim_new_contact"
    # A reminder inside the provider: a held session's attendance still unrecorded a day on.
    ATTENDANCE_UNRECORDED = "attendance_unrecorded"
    # Break-glass governance (issue 12): the record's owner is told at once; a request over
    # the cap or outside the partnership waits for a supervisor of the requester's own side.
    BREAK_GLASS_USED = "break_glass_used"
    BREAK_GLASS_APPROVAL = "break_glass_approval"
    # The redaction guard (issue 11, ADR 0012): wording withheld from a provider page because
    # it now matches a victim; a user's repeated refused attempts to write victim details.
    WORDING_WITHHELD = "wording_withheld"
    REDACTION_ATTEMPTS = "redaction_attempts"


class Urgency(StrEnum):
    ROUTINE = "routine"
    HIGH = "high"
    URGENT = "urgent"


def publish(
    *,
    kind: EventKind,
    actor: Any,
    subject: Any,
    source: Any,
    summary: str,
    urgency: Urgency | None = None,
) -> list[Any]:
    """Report an event about `subject` (a people.Subject). `source` is the record it came from
    (a Breach, a RiskDisclosure, a Referral, an Order, an advocacy contact...). Returns the
    alerts created. Implemented by the sharing app's rules (issue 5)."""
    from desist.sharing import rules

    return rules.dispatch(
        kind=kind, actor=actor, subject=subject, source=source, summary=summary, urgency=urgency
    )


def resolve(*, kind: EventKind, actor: Any, source: Any, reason: str) -> int:
    """Report that what the open alerts of `kind` about `source` asked for has been done, so
    they leave the inbox (e.g. an attendance reminder once attendance is recorded). Returns how
    many were closed."""
    from desist.sharing.services import alerts_resolve

    return alerts_resolve(actor=actor, kind=kind, source=source, reason=reason)


# How each kind reads in the inbox and in the disclosure log.
KIND_LABELS: dict[str, str] = {
    EventKind.BREACH_RECORDED: "SPO breach recorded",
    EventKind.RISK_DISCLOSURE: "Risk disclosed in a session",
    EventKind.MISSED_SESSIONS: "Two consecutive sessions missed",
    EventKind.DISENGAGED: "Disengaged from the intervention",
    EventKind.NOTIFICATION_OVERDUE: "SPO notification overdue",
    EventKind.ORDER_EXPIRING: "SPO ending soon",
    EventKind.VICTIM_NEW_CONTACT: "New contact reported",
    EventKind.ATTENDANCE_UNRECORDED: "Attendance not recorded",
    EventKind.BREAK_GLASS_USED: "Emergency access to your force's record",
    EventKind.BREAK_GLASS_APPROVAL: "Emergency access waiting for your approval",
    EventKind.WORDING_WITHHELD: "Wording withheld from the provider",
    EventKind.REDACTION_ATTEMPTS: "Repeated attempts to record victim details in provider notes",
}

# Why an alert of each kind is shared (the disclosure log's purpose).
KIND_PURPOSES: dict[str, str] = {
    EventKind.BREACH_RECORDED: "To protect the victim after a breach of a Stalking Protection Order",
    EventKind.RISK_DISCLOSURE: "To protect the victim from a risk disclosed in an intervention session",
    EventKind.MISSED_SESSIONS: "To manage risk when the subject stops attending the intervention",
    EventKind.DISENGAGED: "To manage risk when the subject disengages from the intervention",
    EventKind.NOTIFICATION_OVERDUE: "To enforce the order's notification requirements",
    EventKind.ORDER_EXPIRING: "To review the order for renewal before it ends",
    EventKind.VICTIM_NEW_CONTACT: "To respond to new contact from the subject reported by the victim",
    EventKind.ATTENDANCE_UNRECORDED: "To keep the intervention's attendance record complete",
    EventKind.BREAK_GLASS_USED: "To tell the record's owner of emergency access to it",
    EventKind.BREAK_GLASS_APPROVAL: "To ask a supervisor to approve emergency access",
    EventKind.WORDING_WITHHELD: "To have wording that may identify a victim rewritten",
    EventKind.REDACTION_ATTEMPTS: "To protect victims' details from being recorded by the provider",
}
