"""Who is in charge of the demo force's work (issue 19), so "mine" and "my team" show
something real: cases and orders spread across four officers in two teams.

Synthetic only. The demo officer (police.sussex) is given recent work only: nothing in her
"mine" view is overdue by more than a few weeks. The older, neglected work (the long-overdue
notifications and risk reviews the volume seed makes) sits with her colleagues and the force.
Colleagues are demo accounts with no usable password (nobody signs in as them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Exists, OuterRef
from django.utils import timezone

from desist.accounts.models import Role, User
from desist.cases.models import Case
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.orders.lookups import outstanding_notifications
from desist.orders.models import Order
from desist.risk.models import Assessment

EAST = "Stalking unit East"
WEST = "Stalking unit West"

# username, first name, last name, team
COLLEAGUES = [
    ("police.sussex.reyes", "Tomas", "Reyes", EAST),
    ("police.sussex.rahman", "Aisha", "Rahman", WEST),
    ("police.sussex.pryce", "Owen", "Pryce", WEST),
]

# How far back the demo officer's own work may reach, and how late any of it may be.
RECENT_DAYS = 240
LATE_DAYS = 21


def _colleague(force: Organisation, username: str, first: str, last: str, team: str) -> User:
    user, made = User.objects.get_or_create(
        username=username,
        defaults={
            "organisation": force,
            "first_name": first,
            "last_name": last,
            "team": team,
            "is_demo": True,
            "email": f"{username}@example.org",
        },
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.roles.add(Role.objects.get(code=RoleCode.POLICE_OFFICER))
    return user


def _spread(pks: Sequence[int], officers: Sequence[User], model: type[Case] | type[Order]) -> None:
    for i, officer in enumerate(officers):
        share = list(pks[i :: len(officers)])
        model.objects.filter(pk__in=share).update(officer_in_charge=officer, team=officer.team)


def _neglected(today: dt.date) -> tuple[Exists, Exists]:
    """An order's notification or a subject's risk review more than `LATE_DAYS` overdue."""
    late = today - dt.timedelta(days=LATE_DAYS)
    overdue_notice = outstanding_notifications().filter(order=OuterRef("pk"), due_on__lt=late)
    stale_review = Assessment.objects.filter(subject=OuterRef("subject_id"), review_date__lt=late)
    return Exists(overdue_notice), Exists(stale_review)


def hand_on_neglected(
    *, force: Organisation, officer: User, today: dt.date | None = None
) -> dict[str, int]:
    """Give the demo officer's colleagues any of her cases and orders that later seeding made
    long overdue (the evaluation's historical cohort adds orders and risk reviews from years
    ago to subjects whose current case is hers), so her "mine" view keeps only recent work."""
    today = today or timezone.localdate()
    overdue_notice, stale_review = _neglected(today)
    others = list(User.objects.filter(username__in=[c[0] for c in COLLEAGUES]).order_by("username"))
    if not others:
        return {}
    mine = Order.objects.filter(force=force, officer_in_charge=officer)
    orders = list(
        mine.filter(overdue_notice | stale_review).order_by("id").values_list("pk", flat=True)
    )
    _spread(orders, others, Order)
    cases = list(
        Case.objects.filter(force=force, officer_in_charge=officer)
        .filter(stale_review)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    _spread(cases, others, Case)
    return {"handed_on": len(orders) + len(cases)}


def seed_ownership(
    *, force: Organisation, officer: User, supervisor: User, today: dt.date | None = None
) -> dict[str, int]:
    """Give every open case and every order of `force` an officer and team. Does nothing if
    any already has one."""
    if Case.objects.filter(force=force, officer_in_charge__isnull=False).exists():
        return {}
    today = today or timezone.localdate()
    officer.team = EAST
    supervisor.team = EAST
    User.objects.filter(pk__in=[officer.pk, supervisor.pk]).update(team=EAST)
    others = [_colleague(force, *c) for c in COLLEAGUES]

    overdue_notice, stale_review = _neglected(today)
    recent = today - dt.timedelta(days=RECENT_DAYS)
    orders = Order.objects.filter(force=force)
    hers = list(
        orders.filter(application_date__gte=recent)
        .exclude(overdue_notice)
        .exclude(stale_review)
        .order_by("id")
        .values_list("pk", flat=True)[:12]
    )
    _spread(hers, [officer], Order)
    rest = list(orders.exclude(pk__in=hers).order_by("id").values_list("pk", flat=True))
    _spread(rest, others, Order)

    cases = Case.objects.filter(force=force, status="open")
    her_cases = list(
        cases.filter(opened_on__gte=recent)
        .exclude(stale_review)
        .exclude(subject__orders__in=rest)
        .order_by("id")
        .values_list("pk", flat=True)[:15]
    )
    her_cases += list(
        Case.objects.filter(orders__pk__in=hers)
        .exclude(pk__in=her_cases)
        .values_list("pk", flat=True)
    )
    _spread(her_cases, [officer], Case)
    others_cases = list(cases.exclude(pk__in=her_cases).order_by("id").values_list("pk", flat=True))
    _spread(others_cases, others, Case)
    return {"officers_in_charge": 1 + len(others)}
