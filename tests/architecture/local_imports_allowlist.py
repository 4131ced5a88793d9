"""Every function-local import of desist.* in the project's own code, with its reason.

Checked by test_local_imports.py both ways: a new function-local import fails until it is
listed here with a reason, and an entry whose import has gone fails until it is removed.
The floors rule (docs/architecture.md) forbids them as a way round a cycle; issue 13 replaces
the old debt with registrations; what is left is registration, and one cycle inside demo. Keys: "module:function -> imported.module".
"""

from __future__ import annotations

REGISTRATION = (
    "AppConfig.ready() imports the module that registers itself (queues, checks, signal "
    "handlers, the guard's identifier source) once the app registry is loaded: the "
    "registration pattern the floors rule asks for; stays"
)
DEMO_SEED_CYCLE = (
    "a real module-level cycle inside demo, left on purpose: evaluation_seed builds its "
    "historical referrals with programme_seed's helpers, and programme_seed asks it for that "
    "history before the current referrals take the places (docs/evaluation-demo-data.md)"
)
LIGHT_WORKER = (
    "the evaluation engine (pandas, scipy, scikit-learn, matplotlib, lifelines: about 230 MB) "
    "loads only in the function that runs it, so a web worker that never runs an evaluation "
    "never pays for it (issue 21; tests/architecture/test_web_worker_imports.py)"
)

ALLOWED: dict[str, str] = {
    "desist.accounts.apps:AccountsConfig.ready -> desist.accounts.checks": REGISTRATION,
    "desist.accounts.apps:AccountsConfig.ready -> desist.accounts.services": REGISTRATION,
    "desist.audit.apps:AuditConfig.ready -> desist.audit.checks": REGISTRATION,
    "desist.core.apps:CoreConfig.ready -> desist.core.checks": REGISTRATION,
    "desist.core.apps:CoreConfig.ready -> desist.core.character_count": REGISTRATION,
    "desist.ops.apps:OpsConfig.ready -> desist.ops.checks": REGISTRATION,
    "desist.home.apps:HomeConfig.ready -> desist.home.builtin_queues": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.bridge": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.retention": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.retention": REGISTRATION,
    "desist.documents.apps:DocumentsConfig.ready -> desist.documents.retention": REGISTRATION,
    "desist.documents.apps:DocumentsConfig.ready -> desist.documents.sar": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.retention": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.retention": REGISTRATION,
    "desist.retention.apps:RetentionConfig.ready -> desist.retention.audit_class": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.retention": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.retention": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.retention": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.sar": REGISTRATION,
    "desist.evaluation.apps:EvaluationConfig.ready -> desist.evaluation.sar": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.sar": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.sar": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.sar": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.sar": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.sar": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.sar": REGISTRATION,
    "desist.events.apps:EventsConfig.ready -> desist.audit.services": REGISTRATION,
    "desist.events.apps:EventsConfig.ready -> desist.events.outbox": REGISTRATION,
    "desist.events.apps:EventsConfig.ready -> desist.sharing.port": REGISTRATION,
    "desist.jobs.apps:JobsConfig.ready -> desist.core.health": REGISTRATION,
    "desist.jobs.apps:JobsConfig.ready -> desist.evaluation.reporting": REGISTRATION,
    "desist.jobs.apps:JobsConfig.ready -> desist.jobs.health": REGISTRATION,
    "desist.jobs.apps:JobsConfig.ready -> desist.jobs.tasks": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.panels": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.alerting": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.bridge": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.panels": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.advocacy": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.bridge": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.alerting": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.bridge": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.advocacy": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.queues": REGISTRATION,
    "desist.orders.apps:OrdersConfig.ready -> desist.orders.tasking": REGISTRATION,
    "desist.cases.apps:CasesConfig.ready -> desist.cases.tasking": REGISTRATION,
    "desist.tasks.apps:TasksConfig.ready -> desist.tasks.leavers": REGISTRATION,
    "desist.people.apps:PeopleConfig.ready -> desist.people.queues": REGISTRATION,
    "desist.programme.apps:ProgrammeConfig.ready -> desist.programme.queues": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.queues": REGISTRATION,
    "desist.risk.apps:RiskConfig.ready -> desist.risk.services": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.bridge": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.escalation": REGISTRATION,
    "desist.safeguarding.apps:SafeguardingConfig.ready -> desist.safeguarding.queues": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.policy": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.grants": REGISTRATION,
    "desist.sharing.apps:SharingConfig.ready -> desist.sharing.queues": REGISTRATION,
    "desist.transfers.apps:TransfersConfig.ready -> desist.policy": REGISTRATION,
    "desist.transfers.apps:TransfersConfig.ready -> desist.transfers.history": REGISTRATION,
    "desist.transfers.apps:TransfersConfig.ready -> desist.transfers.queues": REGISTRATION,
    "desist.demo.programme_seed:seed_programme -> desist.demo.evaluation_seed": DEMO_SEED_CYCLE,
    "desist.evaluation.reporting:execute_run -> desist.evaluation.engine.report": LIGHT_WORKER,
    "desist.evaluation.dashboards:alert_timeliness -> desist.evaluation.engine.survival": (
        LIGHT_WORKER
    ),
    "desist.evaluation.report_cohorts:_matching_part -> desist.evaluation.engine.charts": (
        LIGHT_WORKER
    ),
    "desist.evaluation.report_cohorts:_with_people -> desist.evaluation.engine.charts": (
        LIGHT_WORKER
    ),
}
