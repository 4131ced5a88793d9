"""The programme part of "What we can tell you about the person" on the advocacy case page
(issue 20), registered with `safeguarding.perpetrator` when ProgrammeConfig.ready() imports this
module. Programme never sees the victim: it is handed the advocacy case (for the object rule)
and the subjects, and answers with each referral's stage, status and dates. No reason, no
suitability code, no session, no note: attendance and engagement are what the design lets an
advocate read, and safeguarding asks only where the victim wanted engagement news.
"""

from __future__ import annotations

from typing import Any

from desist import policy
from desist.accounts.models import User
from desist.policy import Perm
from desist.programme.models import CLOSED_STATUSES, Referral, ReferralStatus
from desist.safeguarding.perpetrator import ProgrammeFacts, register_programme_source

S = ReferralStatus
_REFERRED = (S.PUT_FORWARD, S.RECEIVED, S.ALLOCATED)


def stage(referral: Referral) -> str:
    """Where the person is, in the advocate's words."""
    if referral.status in _REFERRED:
        return "Referred"
    if referral.status == S.ACTIVE:
        return "Started"
    if referral.status == S.COMPLETED:
        return "Completed"
    if referral.status in CLOSED_STATUSES:
        return "Ended early" if referral.started_on else "Ended before starting"
    return "Assessed"


def _referral_dates(r: Referral) -> list[tuple[str, Any]]:
    rows = [
        ("Referred", r.put_forward_on),
        ("Assessed", r.assessed_on),
        ("Started", r.started_on),
        ("Ended", r.ended_on),
    ]
    return [(label, day) for label, day in rows if day is not None]


def referrals_for_advocate(*, actor: User, case: Any, subjects: list[Any]) -> list[ProgrammeFacts]:
    policy.require(actor, Perm.ADVOCACY_PERPETRATOR_VIEW, case)
    if not subjects:
        return []
    referrals = Referral.objects.filter(subject__in=subjects).only(
        "pk", "reference", "status", "put_forward_on", "assessed_on", "started_on", "ended_on"
    )
    return [
        ProgrammeFacts(
            record=r,
            reference=r.reference,
            stage=stage(r),
            status_label=r.get_status_display(),
            dates=_referral_dates(r),
        )
        for r in referrals.order_by("-put_forward_on", "-id")
    ]


register_programme_source(referrals_for_advocate)
