"""The demo advocacy seeder: deterministic, idempotent, and it fills the queues."""

from __future__ import annotations

import time
from typing import Any

from desist.core.roles import RoleCode
from desist.safeguarding import selectors
from desist.safeguarding.models import AdvocacyCase, SafetyPlanVersion, Victim, VictimRating

R = RoleCode


def test_seed_advocacy(users: dict[RoleCode, Any], orgs: dict[str, Any]) -> None:
    from desist.demo.orders_volume import seed_orders
    from desist.demo.safeguarding_seed import seed_advocacy
    from desist.demo.volume import seed_casework

    force = orgs["police_force"]
    officer, supervisor = users[R.POLICE_OFFICER], users[R.POLICE_SUPERVISOR]
    advocate, manager = users[R.VICTIM_ADVOCATE], users[R.ADVOCACY_MANAGER]
    seed_casework(force=force, cases=150, seed=7)
    seed_orders(force=force, actor=officer, supervisor=supervisor, per_state=8, seed=7)
    started = time.monotonic()
    counts = seed_advocacy(
        advocacy_org=orgs["advocacy"], advocate=advocate, manager=manager, force=force, seed=1
    )
    assert time.monotonic() - started < 15
    assert counts["advocacy_cases"] > 6 and counts["self_referrals"] == 6
    assert counts["contacts"] and counts["safety_plans"] and counts["ratings"]
    assert AdvocacyCase.objects.count() == counts["advocacy_cases"]
    assert Victim.objects.filter(owner=orgs["advocacy"], force__isnull=True).count() == 6
    assert Victim.objects.filter(wants_engagement_news=True).exists()
    assert SafetyPlanVersion.objects.filter(number=2).exists()
    assert VictimRating.objects.count() == counts["ratings"]
    # The queues have work in them.
    assert selectors.caseload_for(actor=manager, view="unallocated").exists()
    assert selectors.caseload_for(actor=manager, view="overdue").exists()
    assert selectors.caseload_for(actor=advocate, view="mine").exists()
    # Alert routing finds advocates for a seeded perpetrator.
    case = AdvocacyCase.objects.filter(advocate=advocate, status="open", origin="police").first()
    assert case is not None
    subject = case.victim.cases.first().subject
    assert advocate in selectors.advocates_for_subject(subject=subject)
    # Idempotent.
    again = seed_advocacy(
        advocacy_org=orgs["advocacy"], advocate=advocate, manager=manager, force=force, seed=1
    )
    assert again["advocacy_cases"] == 0
