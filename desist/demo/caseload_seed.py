"""The demo's paperwork kept up to date (issue 20), so every home queue holds recent work only.

The programme seed books and records sessions and endings, but a practitioner also writes
clinical notes after each session, a measure and an end report when an intervention ends, and
the clinical supervisor signs off the sessions in the review sample. Left undone, the
historical cohort's sessions of 2023 and 2024 filled those queues, years overdue. This writes
what a working team would have written, through the programme's services (so the audit trail
is real), for everything older than a few weeks; the last few weeks' work stays in the queues.

Draws nothing from the seed's random stream (the rest of the demo is as before): the answers
of a final measure come from a generator seeded with the referral's id.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.demo.programme_seed import _answers, second_supervisor
from desist.programme import actions as services
from desist.programme import completion
from desist.programme.models import (
    Measure,
    Programme,
    ProgrammeSession,
    Referral,
    SessionState,
    Timepoint,
)
from desist.programme.models import ReferralStatus as S

# Work this recent stays for the demo's users to do: the queues show a realistic few weeks.
NOTES_WITHIN = dt.timedelta(days=10)
REVIEWS_WITHIN = dt.timedelta(days=21)
ENDINGS_WITHIN = dt.timedelta(days=21)
ENDED_AFTER_START = (S.COMPLETED, S.DISENGAGED, S.WITHDRAWN, S.EXCLUDED)

NOTE = (
    "Session delivered as planned. Reviewed the week's practice and any urges to make contact; "
    "none acted on. Risk checked: no change. Practice agreed for the coming week."
)
EARLY_END = {
    "practitioner_assessment": "Ended before the programme was complete. Engaged with the early "
    "sessions and began to name the feelings behind the checking and contact.",
    "warning_signs": "Drinking alone; looking at the former partner's social media; telling "
    "himself the relationship is not over.",
    "skills_to_use": "Urge surfing; calling a named friend before acting.",
    "contacts": "Harbour Forensic Psychology Service duty line; his offender manager; NHS 111 in "
    "a crisis.",
    "police_summary": "Ended early; the sessions attended and the warning signs are above.",
}


def catch_up(*, supervisor: User) -> int:
    """Write the overdue paperwork (older than the windows above) of the programmes the
    supervisor's provider runs. Returns how many records were written; none the second time."""
    now = timezone.now()
    written = 0
    for programme in Programme.objects.filter(provider_id=supervisor.organisation_id):
        written += _notes(programme, now - NOTES_WITHIN)
        written += _reviews(programme, supervisor, now - REVIEWS_WITHIN)
        written += _endings(programme, timezone.localdate() - ENDINGS_WITHIN)
    return written


def _held(programme: Programme, before: dt.datetime) -> Any:
    return (
        ProgrammeSession.objects.filter(
            referral__programme=programme,
            state=SessionState.SCHEDULED,
            attendance__in=completion.ATTENDED,
            starts_at__lt=before,
        )
        .select_related("referral", "referral__subject", "practitioner")
        .order_by("starts_at", "id")
    )


def _notes(programme: Programme, before: dt.datetime) -> int:
    sessions = list(_held(programme, before).filter(notes__isnull=True))
    for session in sessions:
        services.clinical_note_save(
            actor=session.practitioner, session=session, text=NOTE, base_revision=0
        )
    return len(sessions)


def _reviews(programme: Programme, supervisor: User, before: dt.datetime) -> int:
    """The sessions of the 1-in-N sample (the slot decides, as `reviews_due_for`)."""
    every = programme.review_every or 1
    # Nobody reviews their own session (issue 20): the supervisor's own go to the second one.
    second = second_supervisor(supervisor)
    sessions = [
        s
        for s in _held(programme, before).filter(reviewed_at__isnull=True)
        if s.number % every == 0 and (s.practitioner_id != supervisor.pk or second is not None)
    ]
    for s in sessions:
        services.session_review(
            actor=second if s.practitioner_id == supervisor.pk and second else supervisor,
            session=s,
            version=s.version,
            comment="Good adherence to the session plan.",
            # From the session's place, as the programme seed's own reviews.
            adherence=3 if s.number % 2 else 2,
            competence=min(3, 1 + s.number // 4),
        )
    return len(sessions)


def _endings(programme: Programme, before: dt.date) -> int:
    """An end report and the final measure for each intervention that ended before `before`."""
    ended = Referral.objects.filter(
        programme=programme,
        status__in=ENDED_AFTER_START,
        started_on__isnull=False,
        ended_on__lt=before,
    ).select_related("practitioner", "subject", "end_report")
    instrument = services.measure_instruments().filter(code="desist-progress-check").first()
    measured = set(
        Measure.objects.filter(
            referral__programme=programme, timepoint=Timepoint.AFTER
        ).values_list("referral_id", flat=True)
    )
    written = 0
    for referral in ended.order_by("ended_on", "id"):
        worker = referral.practitioner
        if worker is None:
            continue
        if not hasattr(referral, "end_report"):
            services.end_report_save(actor=worker, referral=referral, version=None, **EARLY_END)
            written += 1
        if instrument is not None and referral.pk not in measured:
            services.measure_record(
                actor=worker,
                referral=referral,
                instrument=instrument,
                timepoint=Timepoint.AFTER,
                assessed_on=referral.ended_on,
                answers=_final_answers(referral.pk),
            )
            written += 1
    return written


def _final_answers(referral_id: int) -> dict[str, str]:
    return _answers(random.Random(referral_id), improving=True)
