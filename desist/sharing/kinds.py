"""The kinds of event sharing turns into alerts, their urgencies, and how each reads.

The lowest module of sharing: its models, rules and services all name kinds, so the kinds sit
below them all (and `events`, the door other apps call, sits above).
"""

from __future__ import annotations

from enum import StrEnum


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
    # Issue 20: an advocacy referral 48 hours old with no first contact (a scan), to the
    # service's advocacy managers. Internal to the service: no subject, no disclosure.
    FIRST_CONTACT_OVERDUE = "first_contact_overdue"
    # Issue 20: engagement news for victims who asked for it, to their advocates only; the
    # status and its date, never a reason or anything clinical. Disengaging has its own kind.
    ENGAGEMENT_STARTED = "engagement_started"
    ENGAGEMENT_COMPLETED = "engagement_completed"
    ENGAGEMENT_ENDED_EARLY = "engagement_ended_early"


# Told to a victim's advocate only where the victim asked to hear about the perpetrator's
# engagement (design.md: engagement status is read "where the victim opted in"), so shown only
# on the case page of a victim who asked (issue 20). Risk disclosures and breaches are not here:
# they reach every victim's advocate.
OPT_IN_KINDS: tuple[str, ...] = (
    EventKind.MISSED_SESSIONS,
    EventKind.DISENGAGED,
    EventKind.ENGAGEMENT_STARTED,
    EventKind.ENGAGEMENT_COMPLETED,
    EventKind.ENGAGEMENT_ENDED_EARLY,
)


class Urgency(StrEnum):
    ROUTINE = "routine"
    HIGH = "high"
    URGENT = "urgent"


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
    EventKind.FIRST_CONTACT_OVERDUE: "First contact with a referred victim overdue",
    EventKind.ENGAGEMENT_STARTED: "Intervention started",
    EventKind.ENGAGEMENT_COMPLETED: "Intervention completed",
    EventKind.ENGAGEMENT_ENDED_EARLY: "Intervention ended early",
}

# Why an alert of each kind is shared (the disclosure log's purpose).
_NEWS = "To tell the victim of the subject's engagement with the intervention, as they asked"
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
    EventKind.FIRST_CONTACT_OVERDUE: "To make first contact with a referred victim without delay",
    EventKind.ENGAGEMENT_STARTED: _NEWS,
    EventKind.ENGAGEMENT_COMPLETED: _NEWS,
    EventKind.ENGAGEMENT_ENDED_EARLY: _NEWS,
}
