"""The SPO lifecycle as data: which status may follow which, who may make the change, and
whether a reason is required. The engine is `desist.core.workflow`; `services.order_transition`
is the one place that enforces this table, and the diagram on /orders/workflow/ and in
docs/workflows/ is generated from it.
"""

from __future__ import annotations

from desist.core.roles import RoleCode
from desist.core.workflow import (
    NEW,
    Docs,
    EdgeStyle,
    FreeTextReason,
    Transition,
    TransitionError,
    Workflow,
    register,
)
from desist.core.workflow_diagram import LayeredLayout, Look
from desist.orders.models import ENDED_STATUSES, OrderStatus

__all__ = ["NEW", "TRANSITIONS", "WORKFLOW", "Transition", "TransitionError"]

S = OrderStatus
R = RoleCode

POLICE = frozenset({R.POLICE_OFFICER, R.POLICE_SUPERVISOR})
SUPERVISORS = frozenset({R.POLICE_SUPERVISOR})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(NEW, S.APPLIED, POLICE, False, "Application recorded"),
    Transition(S.APPLIED, S.INTERIM, POLICE, False, "Interim order made"),
    Transition(S.APPLIED, S.FULL, POLICE, False, "Full order made"),
    Transition(S.APPLIED, S.REFUSED, POLICE, True, "Application refused"),
    Transition(S.APPLIED, S.WITHDRAWN, SUPERVISORS, True, "Application withdrawn"),
    Transition(S.INTERIM, S.FULL, POLICE, False, "Full order made"),
    Transition(S.INTERIM, S.REFUSED, POLICE, True, "Full order refused, interim order ends"),
    Transition(S.INTERIM, S.WITHDRAWN, SUPERVISORS, True, "Application withdrawn"),
    Transition(S.INTERIM, S.EXPIRED, POLICE, False, "Interim order expired"),
    Transition(S.INTERIM, S.DISCHARGED, POLICE, True, "Interim order discharged"),
    Transition(S.FULL, S.EXPIRED, POLICE, False, "Full order expired"),
    Transition(S.FULL, S.DISCHARGED, POLICE, True, "Discharged, or quashed on appeal"),
    # The Crown Court, allowing the police's appeal against a refusal, makes the order itself.
    Transition(S.REFUSED, S.FULL, POLICE, True, "Full order made on appeal"),
)

WORKFLOW = register(
    Workflow(
        name="orders",
        statuses=OrderStatus,
        transitions=TRANSITIONS,
        noun="order",
        a_noun="An order",
        reasons=FreeTextReason(),
        styles={
            POLICE: EdgeStyle("police"),
            SUPERVISORS: EdgeStyle("supervisor only", dash="6 4"),
        },
        ended=ENDED_STATUSES,
        docs=Docs(
            title="Stalking Protection Order lifecycle",
            source="desist/orders/workflow.py",
            command="orders_workflow_docs",
            stem="spo-lifecycle",
            alt="SPO lifecycle",
            dot_name="spo_lifecycle",
        ),
        layout=LayeredLayout(
            Look(
                svg_id="spo-lifecycle",
                marker_id="spo-arrow",
                title="Stalking Protection Order lifecycle",
                desc="Statuses an order can have and the numbered changes between them. "
                "The table of changes lists who may make each one.",
                legend=(
                    (
                        12,
                        "Dashed arrows: police supervisors only. "
                        "Shaded boxes: the order or application has ended.",
                    ),
                ),
            )
        ),
    )
)

# The names callers use.
status_label = WORKFLOW.status_label
transition_for = WORKFLOW.transition_for
transitions_from = WORKFLOW.transitions_from
allowed_targets = WORKFLOW.allowed_targets
check_transition_allowed = WORKFLOW.check_transition_allowed
check_transition = WORKFLOW.check_transition
is_acyclic = WORKFLOW.is_acyclic
diagram_dot = WORKFLOW.diagram_dot
diagram_svg = WORKFLOW.diagram_svg
diagram_markdown = WORKFLOW.diagram_markdown
