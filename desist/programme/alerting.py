"""What the programme registers with sharing (ADR 0018): the attendance reminder's scan and
when a reminder is done, and which practitioners hear about a subject. Imported once by
ProgrammeConfig.ready(); sharing never imports the programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from desist.core.dates import long_datetime
from desist.programme.models import ProgrammeSession
from desist.programme.selectors import (
    OVERDUE_AFTER,
    practitioners_for_subject,
    sessions_attendance_unrecorded,
)
from desist.sharing import port
from desist.sharing.port import EventKind, ScanHit

# Older than this, a session is left to the practitioner's "overdue" queue rather than raising
# a burst of reminders at once.
REMINDER_HORIZON = dt.timedelta(days=14)


def attendance_unrecorded(now: dt.datetime) -> Iterator[ScanHit]:
    """A reminder to the session's practitioner a day after a held session whose attendance
    is still unrecorded."""
    sessions = (
        sessions_attendance_unrecorded()
        .filter(
            starts_at__lt=now - OVERDUE_AFTER,
            starts_at__gte=now - REMINDER_HORIZON,
            practitioner__isnull=False,
        )
        .select_related(
            "practitioner__organisation", "referral__subject", "referral__programme__provider"
        )
        .order_by("starts_at", "id")
    )
    for session in sessions:
        yield ScanHit(
            dedupe_key=f"{EventKind.ATTENDANCE_UNRECORDED}:{session.pk}",
            kind=EventKind.ATTENDANCE_UNRECORDED,
            source=session,
            subject=session.referral.subject,
            summary=f"The session on {long_datetime(session.starts_at)} "
            "ended more than a day ago and its attendance is not recorded. Record whether "
            "the person attended: two unacceptable absences in a row must reach the police.",
        )


def attendance_now_recorded(source_ids: list[str], now: dt.datetime) -> set[str]:
    """A reminder is done once its session leaves "attendance unrecorded" (recorded, moved,
    cancelled, or the intervention ended)."""
    ids = [int(s) for s in source_ids]
    left = ProgrammeSession.objects.filter(pk__in=ids).exclude(
        pk__in=sessions_attendance_unrecorded().filter(pk__in=ids).values("pk")
    )
    return {str(pk) for pk in left.values_list("pk", flat=True)}


port.register_scan("programme.attendance_unrecorded", attendance_unrecorded)
port.register_done_check(EventKind.ATTENDANCE_UNRECORDED, attendance_now_recorded)
port.register_practitioner_source(practitioners_for_subject)
