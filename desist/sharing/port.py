"""The port: everything an app above sharing may ask of it, or register with it (ADR 0018).

Ask: `publish` an event (alerts by the rules), `resolve` the alerts whose work is done, `guard`
provider-written text against the subject's victims (the redaction guard, ADR 0012).

Register, in the app's `AppConfig.ready()` (sharing never imports the app):
- `register_scan(name, scan)`: a periodic scan yielding `ScanHit`s (orders: notifications
  overdue, orders ending; programme: attendance unrecorded);
- `register_done_check(kind, check)`: which alerts of a kind have nothing left to ask;
- `register_officer_source`, `register_advocate_source`, `register_practitioner_source`: who
  receives an alert about a subject;
- `register_record_finder(record_type, finder)`: the records a break-glass reference names;
- `register_detail_source(source_type, source)`: what an alert's source record says, for the
  alert page, to those the owning app lets read it (orders: a breach, to police);
- `register_identifier_source(source)`: the victims' identifiers the guard matches against
  (safeguarding only);
- `register_listener(listener)`: called with each published event (kind, source, dedupe key)
  inside the caller's transaction (the outbound events' outbox, ADR 0035).
"""

from __future__ import annotations

from desist.sharing.events import publish, resolve
from desist.sharing.kinds import EventKind, Urgency
from desist.sharing.models import BreakGlassGrant
from desist.sharing.redaction import RedactionBlocked, is_clean, register_identifier_source
from desist.sharing.redaction import guard_text as guard
from desist.sharing.registry import (
    ScanHit,
    SourceDetail,
    register_advocate_source,
    register_detail_source,
    register_done_check,
    register_officer_source,
    register_practitioner_source,
    register_record_finder,
    register_scan,
)
from desist.sharing.rules import register_listener

# The record types a break-glass request may name, for `register_record_finder`.
BreakGlassRecord = BreakGlassGrant.RecordType

__all__ = [
    "BreakGlassRecord",
    "EventKind",
    "RedactionBlocked",
    "ScanHit",
    "SourceDetail",
    "Urgency",
    "guard",
    "is_clean",
    "publish",
    "register_advocate_source",
    "register_detail_source",
    "register_done_check",
    "register_identifier_source",
    "register_listener",
    "register_officer_source",
    "register_practitioner_source",
    "register_record_finder",
    "register_scan",
    "resolve",
]
