"""Who an audit row names, as the audit log page shows it.

Rows written by the service itself (a scheduled job, a command) carry no actor and no
organisation. They are shown by the job's name, e.g. "Retention job (system)", never as
"Another organisation", and never tagged break-glass: no one broke glass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desist.accounts.models import User
    from desist.audit.models import AuditEvent

RETENTION_JOB = "retention job"
SYSTEM = "system"
COMMAND_LINE = "command-line"
DEMO_SEEDER = "demo-seeder"
FIRST_ADMIN = "create_first_admin"
TASK_RULES = "task rules"


@dataclass(frozen=True)
class SystemActor:
    label: str
    verbs: tuple[str, ...]  # prefixes of the verbs this actor writes


# actor_username -> the job. The verbs matter: a failed sign-in records whatever username was
# typed, so a row is the job's only if it is also one of the job's own actions.
SYSTEM_ACTORS: dict[str, SystemActor] = {
    RETENTION_JOB: SystemActor("Retention job", ("retention.",)),
    SYSTEM: SystemActor("Desist", ("alert.", "disclosure.", "risk.")),
    COMMAND_LINE: SystemActor("Command line", ("risk.",)),
    DEMO_SEEDER: SystemActor("Demo seeder", ("demo.",)),
    FIRST_ADMIN: SystemActor("First administrator set-up", ("account.create_first_admin",)),
    # Tasks raised by the scheduled rules (issue 19).
    TASK_RULES: SystemActor("Task rules", ("task.",)),
}


@dataclass(frozen=True)
class ShownActor:
    name: str
    organisation: str  # the line under the name; "" for none
    break_glass: bool


def system_actor_of(event: AuditEvent) -> SystemActor | None:
    if event.actor_id is not None or event.organisation_id is not None:
        return None
    job = SYSTEM_ACTORS.get(event.actor_username)
    return job if job and event.verb.startswith(job.verbs) else None


def shown_actor(event: AuditEvent, *, viewer: User, scope_all: bool) -> ShownActor:
    """The "Who" of one row for `viewer`; `scope_all` when they read every organisation's rows."""
    job = system_actor_of(event)
    if job is not None:
        return ShownActor(f"{job.label} (system)", "", False)
    name = event.actor_username or "(anonymous)"
    if scope_all:
        return ShownActor(name, event.organisation_name, False)
    if event.organisation_id is None or event.organisation_id == viewer.organisation_id:
        return ShownActor(name, "", False)
    # An auditor reads another organisation's staff only through break-glass on a record their
    # own organisation holds (policy.scope_audit_events).
    return ShownActor(name, event.organisation_name or "Another organisation", True)
