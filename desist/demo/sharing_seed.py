"""Demo alerts, disclosures and one break-glass use, made through the real services.

Call after the orders, programme and advocacy demo data: `seed_sharing()` returns counts. Safe
to call on an empty database (it makes nothing it cannot link to real demo records)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from desist.accounts.models import User
from desist.orders.models import Order
from desist.sharing import break_glass, services
from desist.sharing.events import EventKind, publish
from desist.sharing.models import BreakGlassGrant, LawfulBasis


def seed_sharing(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"alerts": 0, "disclosures": 0, "break_glass": 0}
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    officer, surrey = users.get("police.sussex"), users.get("police.surrey")
    practitioner = users.get("practitioner")
    orders = list(
        Order.objects.filter(force__code="sussex-police", status="full")
        .select_related("subject", "force")
        .order_by("id")[:2]
    )
    if not orders or officer is None:
        return counts
    first = orders[0]
    if practitioner is not None:
        made = publish(
            kind=EventKind.RISK_DISCLOSURE,
            actor=practitioner,
            subject=first.subject,
            source=first,
            summary=(
                "In session 5 the subject said he still believes he is in a relationship with "
                "the person protected by the order and wants to see her."
            ),
        )
        counts["alerts"] += len(made)
    made = publish(
        kind=EventKind.DISENGAGED,
        actor=practitioner or officer,
        subject=orders[-1].subject,
        source=orders[-1],
        summary="The subject has not attended since week 6 and has said he will not return.",
    )
    counts["alerts"] += len(made)
    provider = practitioner.organisation if practitioner is not None else None
    if provider is not None and officer.organisation is not None:
        services.disclosure_record(
            actor=officer,
            from_organisation=officer.organisation,
            to_organisation=provider,
            subject=first.subject,
            what=f"Referral pack for subject S{first.subject_id:06d}: order terms and risk summary",
            purpose="To assess suitability for the intervention",
            lawful_basis=LawfulBasis.DPA_PART3,
            authorised_by=officer,
            authority="Authorised by the officer in charge",
        )
        counts["disclosures"] += 1
    if surrey is not None and not BreakGlassGrant.objects.filter(user=surrey).exists():
        break_glass.break_glass_request(
            actor=surrey,
            record=first,
            justification=(
                "Subject detained in Surrey overnight near the protected person's workplace; "
                "need the order terms to decide on arrest for breach."
            ),
            now=now - dt.timedelta(hours=3),
        )
        counts["break_glass"] += 1
    return counts
