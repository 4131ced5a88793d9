"""The audit log's place in the schedule. Registered here because audit sits below retention
(it may not import this registry). Audit rows are append-only in the database: nothing in the
application alters or deletes them, so this class is documented and never listed record by
record (docs/workflows/retention.md)."""

from __future__ import annotations

from desist.retention.registry import Action, RecordClass, register

AUDIT_YEARS = 7

register(
    RecordClass(
        key="audit.event",
        title="Audit log (s.62 DPA 2018 logs)",
        model="audit.AuditEvent",
        years=AUDIT_YEARS,
        runs_from="the time of the event",
        action=Action.REVIEW,
        basis=(
            "s.62 DPA 2018 sets no period. At least 7 years: beyond the 6-year limitation "
            "period and MoPI group 3's 6-year clean period. Never altered in the service; "
            "archived by the database owner"
        ),
        registered_by="audit",
    )
)
