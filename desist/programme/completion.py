"""What "completed" means: the one definition, from the programme settings (issue 20).

A programme's settings say how many sessions a person must attend to complete, which module
must be among them (the maintenance module, in the pilot) and how many make a partial
completion. An intervention that has ended is then *completed*, *partially completed* or
*ended early*. The status change to "Intervention completed" is refused unless the rule is
met, the referral page shows the count against it, and the evaluation's completer cohort is
drawn with the same function (`outcome`), so none of them can say otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from desist.programme.models import (
    CLOSED_STATUSES,
    MODULE_LABELS,
    Attendance,
    ReferralStatus,
    SessionState,
)

if TYPE_CHECKING:
    from desist.programme.models import Programme, Referral

ATTENDED = (Attendance.ATTENDED, Attendance.LATE)


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    PARTIAL = "partial", "Partially completed"
    ENDED_EARLY = "ended_early", "Ended early"


@dataclass(frozen=True)
class CompletionRule:
    sessions: int  # attended sessions needed to complete
    module: str  # a module that must be among them ("" for none)
    partial: int  # attended sessions for a partial completion

    @property
    def module_label(self) -> str:
        return MODULE_LABELS.get(self.module, self.module)

    def describe(self) -> str:
        text = f"at least {self.sessions} session{'s' if self.sessions != 1 else ''} attended"
        if self.module:
            text += f", including a {self.module_label} session"
        return text

    def met(self, attended: int, modules: Iterable[str]) -> bool:
        return attended >= self.sessions and (not self.module or self.module in set(modules))


def default_rule(sessions: int, modules: Iterable[str] = ("maintenance",)) -> CompletionRule:
    """The pilot's rule scaled to a programme's length: all but two sessions (10 of 12),
    including the maintenance module when the programme teaches it; half for a partial one."""
    need = max(sessions - 2, 1) if sessions > 2 else sessions
    return CompletionRule(
        sessions=need,
        module="maintenance" if "maintenance" in set(modules) else "",
        partial=max(min(sessions // 2, need - 1), 0),
    )


def rule_from_settings(settings: Mapping[str, Any], fallback: CompletionRule) -> CompletionRule:
    """The rule in a settings snapshot (`settings_snapshot`); a version saved before the rule
    existed follows `fallback` (the programme's current rule)."""
    if "completion_sessions" not in settings:
        return fallback
    return CompletionRule(
        sessions=int(settings["completion_sessions"]),
        module=str(settings.get("completion_module") or ""),
        partial=int(settings.get("partial_sessions") or 0),
    )


def programme_rule(programme: Programme) -> CompletionRule:
    return CompletionRule(
        sessions=programme.completion_sessions,
        module=programme.completion_module,
        partial=programme.partial_sessions,
    )


def rule_for(referral: Referral) -> CompletionRule:
    """The rule of the settings version the person started under, else the current one."""
    current = programme_rule(referral.programme)
    version = referral.programme_version
    return current if version is None else rule_from_settings(version.settings, current)


def took_place(session: Any) -> bool:
    """The session was held and the person came (on time or late): the one test for counting
    it towards completion and for offering it to clinical supervision."""
    return session.state == SessionState.SCHEDULED and session.attendance in ATTENDED


def notes_refused(session: Any) -> str:
    """Why clinical notes cannot be written on the session, or "" when they can: only on a
    session that took place or is still booked, never on one cancelled or moved."""
    if took_place(session) or session.state == SessionState.SCHEDULED:
        return ""
    if session.state == SessionState.SUPERSEDED:
        return "This session was moved to another time: write the notes on the session it moved to"
    return "This session was cancelled: there are no clinical notes to write"


def attended_of(sessions: Iterable[Any]) -> tuple[int, set[str]]:
    """Attended sessions (held, on time or late) and their modules (delivered, else planned)."""
    count, modules = 0, set()
    for s in sessions:
        if took_place(s):
            count += 1
            modules.add(s.module_delivered or s.module)
    return count, modules


def progress(referral: Referral) -> tuple[CompletionRule, int, set[str]]:
    """The referral's rule and what it has attended so far (one query for the sessions)."""
    attended, modules = attended_of(
        referral.sessions.only("state", "attendance", "module", "module_delivered")
    )
    return rule_for(referral), attended, modules


def outcome(
    rule: CompletionRule, *, status: str, started: bool, attended: int, modules: Iterable[str]
) -> str:
    """How an intervention that started and has ended went: completed only when recorded as
    completed *and* the rule is met; otherwise partial or ended early by the count. "" while
    it is still going, or if it never started."""
    if not started or status not in CLOSED_STATUSES:
        return ""
    if status == ReferralStatus.COMPLETED and rule.met(attended, modules):
        return Outcome.COMPLETED
    if rule.partial and attended >= rule.partial:
        return Outcome.PARTIAL
    return Outcome.ENDED_EARLY


def shortfall(rule: CompletionRule, attended: int, modules: Iterable[str]) -> str:
    """The GOV.UK message when "Intervention completed" is asked for too soon; "" if the rule
    is met."""
    if rule.met(attended, modules):
        return ""
    so_far = f"So far {attended} session{'s have' if attended != 1 else ' has'} been attended"
    if rule.module and rule.module not in set(modules):
        so_far += f", and no {rule.module_label} session"
    return f"The programme counts an intervention as completed with {rule.describe()}. {so_far}"
