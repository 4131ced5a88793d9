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

from typing import Any

from desist.accounts.models import User
from desist.sharing import rules, services
from desist.sharing.kinds import KIND_LABELS, KIND_PURPOSES, EventKind, Urgency

__all__ = ["KIND_LABELS", "KIND_PURPOSES", "EventKind", "Urgency", "publish", "resolve"]


def publish(
    *,
    kind: EventKind,
    actor: User | None,
    subject: Any,
    source: Any,
    summary: str,
    urgency: Urgency | None = None,
    dedupe_key: str = "",
) -> list[Any]:
    """Report an event about `subject` (a people.Subject). `source` is the record it came from
    (a Breach, a RiskDisclosure, a Referral, an Order, an advocacy contact...). Returns the
    alerts created. With `dedupe_key`, nobody who already holds an alert with that key is
    alerted again. Implemented by the sharing app's rules (issue 5)."""
    return rules.dispatch(
        kind=kind,
        actor=actor,
        subject=subject,
        source=source,
        summary=summary,
        urgency=urgency,
        dedupe_key=dedupe_key,
        once=bool(dedupe_key),
    )


def resolve(*, kind: EventKind, actor: User | None, source: Any, reason: str) -> int:
    """Report that what the open alerts of `kind` about `source` asked for has been done, so
    they leave the inbox (e.g. an attendance reminder once attendance is recorded). Returns how
    many were closed."""
    return services.alerts_resolve(actor=actor, kind=kind, source=source, reason=reason)
