"""Every function-local import of desist.* in the project's own code, with its reason.

Checked by test_local_imports.py both ways: a new function-local import fails until it is
listed here with a reason, and an entry whose import has gone fails until it is removed.
The floors rule (docs/architecture.md) forbids them as a way round a cycle; issue 13 replaces
the debt below with registrations. Keys: "module:function -> imported.module".
"""

from __future__ import annotations

REGISTRATION = (
    "AppConfig.ready() imports the module that registers itself (queues, checks, signal "
    "handlers, the guard's identifier source) once the app registry is loaded: the "
    "registration pattern the floors rule asks for; stays"
)
DEMO_SEED = (
    "demo seeding loads each seed step when it runs; no module-level cycle found; move to the"
    " top (issue 13)"
)
SAME_APP = "inside one app; no module-level cycle found; move to the top (issue 13)"
SIBLING_APP = (
    "a domain app reaching a sibling (or a lower floor) from inside a function; no module-"
    "level cycle found; move to the top or register (issue 13)"
)

ALLOWED: dict[str, str] = {
    "desist.accounts.apps:AccountsConfig.ready -> desist.accounts.checks": REGISTRATION,
    "desist.accounts.apps:AccountsConfig.ready -> desist.accounts.services": REGISTRATION,
    "desist.audit.apps:AuditConfig.ready -> desist.audit.checks": REGISTRATION,
    "desist.core.apps:CoreConfig.ready -> desist.core.checks": REGISTRATION,
    "desist.home.apps:HomeConfig.ready -> desist.home.builtin_queues": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.bridge": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.panels": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.alerting": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.panels": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.bridge": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.alerting": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.queues": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.queues": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.queues": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.queues": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.services": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.bridge": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.queues": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.policy": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.grants": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.queues": REGISTRATION,
    "desist.demo.orders_volume:seed_orders -> desist.cases.models": DEMO_SEED,
    "desist.demo.programme_seed:_make_programme -> desist.programme.models": DEMO_SEED,
    "desist.demo.programme_seed:seed_programme -> desist.demo.evaluation_seed": DEMO_SEED,
    "desist.evaluation.engine.paired:_require -> desist.evaluation.engine.errors": SAME_APP,
    "desist.safeguarding.services:advocacy_allocate -> desist.safeguarding.selectors": SAME_APP,
    "desist.safeguarding.services:advocacy_refer -> desist.safeguarding.selectors": SAME_APP,
    "desist.safeguarding.services:contact_log_add -> desist.safeguarding.selectors": SAME_APP,
    "desist.safeguarding.services:victim_link_to_case -> desist.safeguarding.selectors": SAME_APP,
    "desist.evaluation.extract:_sharing_disclosure -> desist.core.models": SIBLING_APP,
    "desist.evaluation.extract:_sharing_disclosure -> desist.sharing.services": SIBLING_APP,
    "desist.evaluation.reporting:expected_people -> desist.orders.models": SIBLING_APP,
    "desist.evaluation.reporting:expected_people -> desist.policy": SIBLING_APP,
    "desist.safeguarding.selectors:advocates_for_subject -> desist.accounts.models": SIBLING_APP,
    "desist.safeguarding.selectors:advocates_of_service -> desist.accounts.models": SIBLING_APP,
    "desist.safeguarding.selectors:advocates_of_service -> desist.core.roles": SIBLING_APP,
    "desist.safeguarding.selectors:perpetrators_of_victim -> desist.people.models": SIBLING_APP,
    "desist.safeguarding.selectors:referral_services_for -> desist.core.models": SIBLING_APP,
    "desist.safeguarding.selectors:victim_ratings_for_evaluation -> desist.cases.models": SIBLING_APP,
    "desist.safeguarding.services:contact_log_add -> desist.sharing.events": SIBLING_APP,
}
