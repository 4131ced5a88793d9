"""Work queues shown on each role's home page.

Each role's home page lists its queues in order. A domain app fills a queue by registering a
provider (a selector returning rows the actor may see); until then the queue shows its
empty-state text, which says what will appear there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desist.core.reach import Reach
from desist.core.roles import RoleCode


@dataclass(frozen=True)
class QueueRow:
    label: str
    url: str = ""
    detail: str = ""
    tag: str = ""


@dataclass(frozen=True)
class QueueResult:
    count: int
    rows: list[QueueRow] = field(default_factory=list)
    more_url: str = ""


# Called with the actor, and with the reach (mine, my team, force) when registered by_reach.
Provider = Callable[..., QueueResult]


@dataclass
class QueueSpec:
    key: str
    title: str
    empty_text: str
    provider: Provider | None = None
    by_reach: bool = False

    def result(self, actor: Any, reach: Reach) -> QueueResult | None:
        if self.provider is None:
            return None
        return self.provider(actor, reach) if self.by_reach else self.provider(actor)


R = RoleCode

_SPECS: dict[str, QueueSpec] = {}
_BY_ROLE: dict[RoleCode, list[str]] = {}


def declare(role: RoleCode, key: str, title: str, empty_text: str) -> None:
    _SPECS.setdefault(key, QueueSpec(key=key, title=title, empty_text=empty_text))
    _BY_ROLE.setdefault(role, [])
    if key not in _BY_ROLE[role]:
        _BY_ROLE[role].append(key)


def provide(key: str, *, by_reach: bool = False) -> Callable[[Provider], Provider]:
    def register(fn: Provider) -> Provider:
        _SPECS[key].provider = fn
        _SPECS[key].by_reach = by_reach
        return fn

    return register


def queues_for(role: RoleCode) -> list[QueueSpec]:
    return [_SPECS[k] for k in _BY_ROLE.get(role, [])]


# The queues each role expects to see. Domain apps attach providers with @provide(key).
_DECLARED: dict[RoleCode, list[tuple[str, str, str]]] = {
    R.POLICE_OFFICER: [
        (
            "police.applications",
            "SPO applications awaiting a hearing",
            "Applications you record for a Stalking Protection Order will appear here until the court decides them.",
        ),
        (
            "police.notifications",
            "Notifications due and overdue",
            "Subjects who must notify their names and address within 3 days of service will appear here.",
        ),
        (
            "police.expiring",
            "Orders due for renewal review",
            "Orders nearing their end date will appear here so you can decide whether to apply for renewal.",
        ),
        (
            "police.interim_lapsing",
            "Interim orders about to lapse",
            "Interim orders whose fixed period ends within 7 days will appear here, so the full application can be heard in time.",
        ),
        (
            "police.breaches",
            "Breaches in the last 30 days",
            "Recorded breaches of an order will appear here.",
        ),
        (
            "police.risk_reviews",
            "Risk reviews due",
            "Subjects whose risk assessment has reached its review date will appear here.",
        ),
        (
            "police.not_considered",
            "Subjects not yet considered for the intervention",
            "Everyone given an interim or full order appears here until a decision about the intervention is recorded.",
        ),
    ],
    R.POLICE_SUPERVISOR: [
        (
            "police.alerts",
            "Alerts to acknowledge",
            "Alerts about breaches, risk disclosures and disengagement will appear here.",
        ),
        (
            "police.escalations",
            "Escalated alerts",
            "Alerts that were not acknowledged in time will appear here.",
        ),
    ],
    R.PRACTITIONER: [
        (
            "provider.sessions_today",
            "Sessions today and this week",
            "Sessions booked with you will appear here.",
        ),
        (
            "provider.attendance_due",
            "Attendance to record",
            "Sessions that have taken place without attendance recorded will appear here.",
        ),
    ],
    R.CLINICAL_SUPERVISOR: [
        (
            "provider.unallocated",
            "Referrals waiting to be allocated",
            "Referrals received from the police will appear here until a practitioner is allocated.",
        ),
        (
            "provider.reviews_due",
            "Session reviews due",
            "Sessions waiting for your review and sign-off will appear here.",
        ),
        (
            "provider.waiting_list",
            "Waiting list",
            "Suitable people waiting for a place will appear here in order.",
        ),
    ],
    R.VICTIM_ADVOCATE: [
        (
            "advocacy.new_referrals",
            "New referrals",
            "Referrals from the police and self-referrals will appear here.",
        ),
        (
            "advocacy.first_contact_overdue",
            "First contact overdue",
            "Victims not contacted within 48 hours of referral will appear here.",
        ),
        (
            "advocacy.alerts",
            "Alerts to acknowledge",
            "Alerts about the perpetrators of the victims you support will appear here.",
        ),
        (
            "advocacy.safety_plan_reviews",
            "Safety plan reviews due",
            "Safety plans that have reached their review date will appear here.",
        ),
    ],
    R.ADVOCACY_MANAGER: [
        (
            "advocacy.check_before_triage",
            "Self-referrals to check before triage",
            "Self-referrals the spam checks doubted (sent within seconds, or long after the form was opened) will appear here for you to accept or close. None is ever discarded.",
        ),
        (
            "advocacy.unallocated",
            "Referrals waiting for an advocate",
            "Referrals not yet allocated to an advocate will appear here.",
        ),
    ],
    R.OVERSEER: [
        (
            "oversight.security",
            "Failed sign-ins and lockouts in the last 7 days",
            "Failed sign-ins and account lockouts across the partnership will appear here.",
        ),
        (
            "oversight.break_glass",
            "Break-glass access to review",
            "Each time someone uses emergency access to a record outside their scope, it will appear here for review.",
        ),
    ],
    R.PROGRAMME_MANAGER: [
        (
            "programme.capacity",
            "Places and waiting list",
            "Counts of places filled and people waiting will appear here once the programme is set up.",
        ),
    ],
    R.SYSTEM_ADMIN: [
        (
            "admin.disabled",
            "Disabled accounts",
            "Accounts you disable in your organisation will appear here.",
        ),
        (
            "admin.no_2fa",
            "Accounts without two-factor authentication",
            "Accounts that have not yet set up an authenticator app will appear here.",
        ),
    ],
}

for _role, _items in _DECLARED.items():
    for _key, _title, _empty in _items:
        declare(_role, _key, _title, _empty)
