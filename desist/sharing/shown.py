"""Provider-facing text checked when it is shown, not only when it was saved (issue 11).

The guard at save time (`redaction.guard_text`) knows only the victims linked then. A victim
added later (or an identifier recorded later) can make saved wording unsafe, so every provider
page that shows police-, advocate- or provider-written text passes it through a
`ProviderScreen`: one identifier lookup per page, each text checked against the *current*
identifiers of the subject's linked victims, and a match shown as `WITHHELD_TEXT`. Each
withholding is audited (where, which field, which kinds, never the value) and raises one alert
to the police who own the subject, so they can fix the wording.

The guard's refusal on provider-only notes must not become an oracle for guessing a victim's
details: `notes_block_count_check` alerts the clinical supervisor and the owning police once a
user's blocked attempts in a day reach `DESIST_REDACTION_BLOCKS_BEFORE_ALERT` (default 3).
See ADR 0012.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from desist.accounts.models import User
from desist.audit.models import AuditEvent, Category
from desist.audit.services import audit_record
from desist.sharing import redaction, rules
from desist.sharing.kinds import EventKind, Urgency
from desist.sharing.models import Alert

WITHHELD_TEXT = (
    "Withheld: this wording may contain a victim's details. Ask the police officer in charge."
)
WITHHELD_SUMMARY = (
    "Wording shown to the provider about this subject matches the details of a victim linked "
    "to them, so it was withheld from the provider's page. Please review and rewrite the "
    "provider-facing wording."
)
ATTEMPTS_SUMMARY = (
    "Repeated attempts to record victim details in provider notes: the redaction guard "
    "refused them. No details are included here. Please speak to the practitioner."
)
DEFAULT_BLOCKS_BEFORE_ALERT = 3
_UNSET: Any = object()


class ProviderScreen:
    """One per provider page about one subject. `active=False` (a police or advocacy viewer,
    who may read the wording as written) shows every text unchanged."""

    def __init__(self, *, actor: User, subject: Any, where: str, active: bool = True) -> None:
        self.actor = actor
        self.subject = subject
        self.where = where
        self.active = active and subject is not None
        self._identifiers: Any = _UNSET
        self.withheld: list[str] = []

    def show(self, text: str, *, field: str) -> str:
        """`text`, or WITHHELD_TEXT if it now holds a linked victim's identifier."""
        if not self.active or not (text or "").strip():
            return text
        if self._identifiers is _UNSET:
            self._identifiers = redaction.identifiers_for_display(self.subject)
        kinds = redaction.victim_identifier_kinds(text, identifiers=self._identifiers)
        if not kinds:
            return text
        self.withheld.append(field)
        wording_withheld_record(
            actor=self.actor, subject=self.subject, where=self.where, field=field, kinds=kinds
        )
        return WITHHELD_TEXT


def wording_withheld_record(
    *, actor: User, subject: Any, where: str, field: str, kinds: list[str]
) -> None:
    """Audit one withholding (never the value) and alert the owning police, once while an
    earlier alert about the same wording is still unacknowledged."""
    key = f"withheld:{subject.pk}:{where}:{field}"[:120]
    with transaction.atomic():
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="redaction.withheld_on_display",
            obj=subject,
            new={"where": where, "field": field, "kinds": kinds},
        )
        if Alert.objects.filter(dedupe_key=key, acknowledged_at__isnull=True).exists():
            return
        rules.dispatch(
            kind=EventKind.WORDING_WITHHELD,
            actor=actor,
            subject=subject,
            source=None,
            summary=f"{WITHHELD_SUMMARY} (Where: {where}, {field}.)",
            dedupe_key=key,
        )


def blocks_before_alert() -> int:
    return int(
        getattr(settings, "DESIST_REDACTION_BLOCKS_BEFORE_ALERT", DEFAULT_BLOCKS_BEFORE_ALERT)
    )


def notes_block_count_check(
    *, actor: User, subject: Any, source: Any, where: str, now: dt.datetime | None = None
) -> bool:
    """Called after the guard refused `actor`'s text at `where`. When their blocked attempts
    there today reach the threshold, alert the clinical supervisor and the owning police (once
    a day per user), audited. Returns True if it alerted."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    blocked = AuditEvent.objects.filter(
        actor_id=actor.pk,
        verb="redaction.blocked",
        occurred_at__gte=start,
        new_values__where=where,
    ).count()
    if blocked < blocks_before_alert():
        return False
    key = f"notes-attempts:{actor.pk}:{where}:{start.date().isoformat()}"[:120]
    with transaction.atomic():
        if Alert.objects.filter(dedupe_key=key).exists():
            return False
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="redaction.repeated_attempts",
            obj=subject,
            new={"where": where, "attempts_today": blocked},
        )
        rules.dispatch(
            kind=EventKind.REDACTION_ATTEMPTS,
            actor=actor,
            subject=subject,
            source=source,
            summary=ATTEMPTS_SUMMARY,
            urgency=Urgency.HIGH,
            dedupe_key=key,
        )
    return True
