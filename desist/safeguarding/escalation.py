"""First contact overdue (issue 20): a periodic scan, registered with sharing, raises one alert
to the service's advocacy managers for each referral 48 hours old with no first contact,
allocated or not. The alert closes itself once first contact is made or the case is closed
(the done check), and escalates like any other alert if nobody acknowledges it.

What the alert says holds no victim identity: the case reference, when contact was due and where
the referral came from. Who holds the case is not written into it (it would go stale the moment
the case is allocated); the alert page reads it from the case as it stands, through the detail
source registered below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.http import Http404

from desist.accounts.models import User
from desist.core.dates import long_datetime
from desist.safeguarding.models import FIRST_CONTACT_HOURS, AdvocacyCase, AdvocacyStatus
from desist.safeguarding.selectors import advocacy_case_get_for
from desist.sharing import port

# Open cases and self-referrals held for a check: both wait on the service to act.
WAITING = (AdvocacyStatus.OPEN, AdvocacyStatus.CHECK)


def dedupe_key(case: AdvocacyCase) -> str:
    return f"first_contact_overdue:{case.pk}"


def overdue_cases(now: dt.datetime) -> list[AdvocacyCase]:
    """The one definition of "first contact overdue" the scan uses (as the case page and the
    caseload's overdue view: no contact 48 hours after the referral)."""
    cutoff = now - dt.timedelta(hours=FIRST_CONTACT_HOURS)
    return list(
        AdvocacyCase.objects.filter(
            status__in=WAITING, first_contact_at__isnull=True, referred_at__lt=cutoff
        )
        .select_related("advocate")
        .order_by("referred_at", "id")
    )


def _summary(case: AdvocacyCase) -> str:
    return (
        f"Advocacy case {case.reference} ({case.get_origin_display().lower()}): first contact "
        f"was due by {long_datetime(case.first_contact_due)} and had not been made."
    )


def case_now(actor: User, source_id: str) -> port.SourceDetail | None:
    """The case as it stands when the alert is read: who holds it and whether first contact
    has been made since. None for anyone the case is out of scope for."""
    if not source_id.isdigit():
        return None
    try:
        case = advocacy_case_get_for(actor=actor, case_id=int(source_id))
    except (Http404, PermissionDenied):
        return None
    contact = case.first_contact_at
    return port.SourceDetail(
        heading="The case now",
        rows=[
            ("Advocate", case.advocate.display_name() if case.advocate else "Not allocated yet"),
            ("First contact", f"Made {long_datetime(contact)}" if contact else "Not made yet"),
            ("Status", case.get_status_display()),
        ],
        record=case,
        verb="advocacy.view",
    )


def scan(now: dt.datetime) -> Iterator[port.ScanHit]:
    for case in overdue_cases(now):
        yield port.ScanHit(
            dedupe_key=dedupe_key(case),
            kind=port.EventKind.FIRST_CONTACT_OVERDUE,
            source=case,
            subject=None,
            summary=_summary(case),
        )


def contact_made(source_ids: list[str], now: dt.datetime) -> set[str]:
    """Which alerts have nothing left to ask: first contact made, or the case closed."""
    ids = [int(s) for s in source_ids if s.isdigit()]
    still_waiting = set(
        AdvocacyCase.objects.filter(
            pk__in=ids, status__in=WAITING, first_contact_at__isnull=True
        ).values_list("pk", flat=True)
    )
    return {str(pk) for pk in ids if pk not in still_waiting}


port.register_scan("advocacy.first_contact_overdue", scan)
port.register_done_check(port.EventKind.FIRST_CONTACT_OVERDUE, contact_made)
port.register_detail_source(AdvocacyCase._meta.label, case_now)
