"""Seed a synthetic partnership. Idempotent: a second run adds nothing.

Every name here is invented. Refuses to run against a database that holds non-demo data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from desist.accounts.models import User
from desist.accounts.services import user_create
from desist.core.models import Organisation, OrganisationKind, Partnership
from desist.core.roles import RoleCode
from desist.demo import volume as demo_volume
from desist.demo.caseload_seed import catch_up
from desist.demo.documents_seed import seed_order_maps
from desist.demo.evaluation_seed import seed_outcomes
from desist.demo.orders_volume import seed_orders
from desist.demo.ownership_seed import hand_on_neglected, seed_ownership
from desist.demo.programme_seed import seed_programme
from desist.demo.retention_seed import seed_retention_due
from desist.demo.safeguarding_seed import seed_advocacy
from desist.demo.sharing_seed import seed_sharing
from desist.demo.spending_seed import seed_spending
from desist.demo.tasks_seed import seed_tasks
from desist.demo.victim_updates_seed import seed_victim_updates


class RealDataPresent(Exception):
    pass


ORGANISATIONS = [
    ("sussex-police", "Sussex Police", OrganisationKind.POLICE_FORCE),
    ("surrey-police", "Surrey Police", OrganisationKind.POLICE_FORCE),
    ("harbour-psychology", "Harbour Forensic Psychology Service", OrganisationKind.PROVIDER),
    ("safe-steps-advocacy", "Safe Steps Stalking Advocacy", OrganisationKind.ADVOCACY),
    ("independent-evaluation", "Independent Evaluation Unit", OrganisationKind.OVERSIGHT),
    ("sussex-commissioner", "Sussex Commissioner's Office", OrganisationKind.COMMISSIONER),
]

PARTNERSHIPS = [
    (
        "sussex-pilot",
        "Sussex SPO Intervention Pilot",
        [
            "sussex-police",
            "harbour-psychology",
            "safe-steps-advocacy",
            "independent-evaluation",
            "sussex-commissioner",
        ],
    ),
    (
        "surrey-pilot",
        "Surrey SPO Intervention Pilot",
        ["surrey-police", "harbour-psychology", "safe-steps-advocacy", "independent-evaluation"],
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    organisation: str
    roles: tuple[RoleCode, ...]


SECOND_CLINICAL_SUPERVISOR = "clinical.lead"

ACCOUNTS = [
    DemoAccount("police.sussex", "Priya", "Okafor", "sussex-police", (RoleCode.POLICE_OFFICER,)),
    DemoAccount(
        "police.supervisor", "Daniel", "Hart", "sussex-police", (RoleCode.POLICE_SUPERVISOR,)
    ),
    DemoAccount("police.surrey", "Megan", "Lowe", "surrey-police", (RoleCode.POLICE_OFFICER,)),
    # The receiving side of a transfer between forces: only a supervisor accepts or declines.
    DemoAccount(
        "police.surrey.supervisor",
        "Tomasz",
        "Reid",
        "surrey-police",
        (RoleCode.POLICE_SUPERVISOR,),
    ),
    DemoAccount("practitioner", "Samir", "Douglas", "harbour-psychology", (RoleCode.PRACTITIONER,)),
    DemoAccount(
        "clinical.supervisor",
        "Helen",
        "Marsh",
        "harbour-psychology",
        (RoleCode.CLINICAL_SUPERVISOR,),
    ),
    # A second clinical supervisor: nobody reviews their own session, so Helen Marsh's own are
    # reviewed by him (issue 20).
    DemoAccount(
        "clinical.lead",
        "Owen",
        "Adebayo-Quinn",
        "harbour-psychology",
        (RoleCode.CLINICAL_SUPERVISOR,),
    ),
    DemoAccount("advocate", "Rosa", "Kendrick", "safe-steps-advocacy", (RoleCode.VICTIM_ADVOCATE,)),
    DemoAccount(
        "advocacy.manager", "Ifeoma", "Blake", "safe-steps-advocacy", (RoleCode.ADVOCACY_MANAGER,)
    ),
    DemoAccount("evaluator", "Tom", "Ellery", "independent-evaluation", (RoleCode.OVERSEER,)),
    DemoAccount(
        "programme.manager",
        "Grace",
        "Whitfield",
        "sussex-commissioner",
        (RoleCode.PROGRAMME_MANAGER,),
    ),
    DemoAccount("admin", "Alex", "Morgan", "sussex-police", (RoleCode.SYSTEM_ADMIN,)),
    # Manages the accounts of one organisation only (issue 16), none of its casework.
    DemoAccount(
        "org.admin", "Nadia", "Forde", "harbour-psychology", (RoleCode.ORGANISATION_ADMIN,)
    ),
]


def assert_demo_database() -> None:
    if (
        Organisation.objects.filter(is_demo=False).exists()
        or User.objects.filter(is_demo=False).exists()
        or Partnership.objects.filter(is_demo=False).exists()
    ):
        raise RealDataPresent(
            "This database holds data that is not demo data. The demo seeder will not touch it."
        )


def seed(*, password: str | None = None, volume: bool = True) -> dict[str, int]:
    """Create the demo partnership. Returns counts of rows created.

    `volume=False` seeds only organisations and accounts (fast; for browser tests)."""
    password = password or settings.DESIST_DEMO_PASSWORD
    created = {"organisations": 0, "partnerships": 0, "accounts": 0}
    with transaction.atomic():
        assert_demo_database()
        orgs: dict[str, Organisation] = {}
        for code, name, kind in ORGANISATIONS:
            orgs[code], made = Organisation.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "is_demo": True}
            )
            created["organisations"] += int(made)
        for code, name, members in PARTNERSHIPS:
            partnership, made = Partnership.objects.get_or_create(
                code=code, defaults={"name": name, "is_demo": True}
            )
            partnership.organisations.add(*[orgs[m] for m in members])
            created["partnerships"] += int(made)
        existing = set(User.objects.values_list("username", flat=True))
        for acct in ACCOUNTS:
            if acct.username in existing:
                continue
            user_create(
                actor=None,
                username=acct.username,
                organisation=orgs[acct.organisation],
                roles=acct.roles,
                password=password,
                first_name=acct.first_name,
                last_name=acct.last_name,
                email=f"{acct.username}@example.org",
                is_demo=True,
            )
            created["accounts"] += 1
        if volume:
            vol = demo_volume.seed_casework(force=orgs["sussex-police"], cases=2700, seed=2026)
            created["cases"] = vol.cases
            vol = demo_volume.seed_casework(force=orgs["surrey-police"], cases=60, seed=1999)
            created["cases"] += vol.cases
            refresh_planner_statistics()
            users = {u.username: u for u in User.objects.filter(username__startswith="police.")}
            spo = seed_orders(
                force=orgs["sussex-police"],
                actor=users["police.sussex"],
                supervisor=users["police.supervisor"],
            )
            created["orders"] = spo.orders
            created.update(
                seed_ownership(
                    force=orgs["sussex-police"],
                    officer=users["police.sussex"],
                    supervisor=users["police.supervisor"],
                )
            )
            spo = seed_orders(
                force=orgs["surrey-police"],
                actor=users["police.surrey"],
                per_state=3,
                assessed_subjects=20,
                seed=1999,
            )
            created["orders"] += spo.orders
            created.update(
                seed_tasks(officer=users["police.sussex"], supervisor=users["police.supervisor"])
            )
            created["victim updates"] = seed_victim_updates(
                fallback={
                    orgs["sussex-police"].pk: users["police.sussex"],
                    orgs["surrey-police"].pk: users["police.surrey"],
                }
            )
            created["documents"] = seed_order_maps(
                force=orgs["sussex-police"], actor=users["police.sussex"]
            ) + seed_order_maps(force=orgs["surrey-police"], actor=users["police.surrey"])
            refresh_planner_statistics()
            created.update(_seed_issue_4_to_6(orgs=orgs))
    return created


def refresh_planner_statistics() -> None:
    """ANALYZE on PostgreSQL between the seed's bulk steps.

    The seed runs in one transaction, so autovacuum never sees its rows: the planner would
    go on believing the tables hold a row or two and choose nested loops that, at demo volume,
    take minutes a query (it did, in CI). ANALYZE samples the transaction's own new rows.
    SQLite plans without statistics and needs nothing here. The runtime role owns no table,
    so it asks the owner's `desist_refresh_statistics()` (core migration 0003) to ANALYZE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT desist_refresh_statistics()")


def _seed_issue_4_to_6(*, orgs: dict[str, Organisation]) -> dict[str, int]:
    """Advocacy casework, the programme, alerts and evaluation outcomes, in that order: the
    programme's events route alerts to advocates, and outcomes need programme starts."""
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    created: dict[str, int] = {}
    created.update(
        seed_advocacy(
            advocacy_org=orgs["safe-steps-advocacy"],
            advocate=users["advocate"],
            manager=users["advocacy.manager"],
            force=orgs["sussex-police"],
            seed=2026,
        )
    )
    refresh_planner_statistics()
    created.update(
        seed_programme(
            force=orgs["sussex-police"],
            provider=orgs["harbour-psychology"],
            practitioner=users["practitioner"],
            supervisor=users["clinical.supervisor"],
            police_actor=users["police.sussex"],
            programme_manager=users["programme.manager"],
            seed=2026,
            # history=160: subjects with orders made 18 months to 3 years ago, so the demo
            # report has complete follow-up windows; those put forward went through the
            # programme before the current pilot took its places (docs/evaluation-demo-data.md).
            history=160,
        )
    )
    refresh_planner_statistics()
    created.update(seed_sharing())
    offences = seed_outcomes(force=orgs["sussex-police"], actor=users["police.sussex"], seed=2026)[
        "offences"
    ]
    offences += seed_outcomes(force=orgs["surrey-police"], actor=users["police.surrey"], seed=1999)[
        "offences"
    ]
    created["offences"] = offences
    # The paperwork a working team keeps up with, and the demo officer's "mine" kept recent:
    # no home queue holds anything long overdue (issue 20).
    created["paperwork"] = catch_up(supervisor=users["clinical.supervisor"])
    created.update(hand_on_neglected(force=orgs["sussex-police"], officer=users["police.sussex"]))
    # Last: spending runs from each programme's first referral, historical ones included.
    created.update(seed_spending(programme_manager=users["programme.manager"]))
    # Records whose retention period has ended, listed for their data owners (issue 18).
    created.update(
        seed_retention_due(force=orgs["sussex-police"], advocacy_org=orgs["safe-steps-advocacy"])
    )
    return created
