"""The referral workflow as data: which status may follow which, who may make the change,
and whether a (coded) reason is required. The engine is `desist.core.workflow`;
`services.referral_transition` is the one place that enforces this table, and the diagram on
/programme/workflow/ and in docs/workflows/ is generated from it.
"""

from __future__ import annotations

from desist.core.roles import RoleCode
from desist.core.workflow import (
    NEW,
    CodedReason,
    Docs,
    EdgeStyle,
    Transition,
    TransitionError,
    Workflow,
    register,
)
from desist.core.workflow_diagram import LaneLayout, Look
from desist.programme import suitability
from desist.programme.models import CLOSED_STATUSES, ReferralStatus

__all__ = ["NEW", "REASONS", "TRANSITIONS", "WORKFLOW", "Transition", "TransitionError"]

S = ReferralStatus
R = RoleCode

POLICE = frozenset({R.POLICE_OFFICER, R.POLICE_SUPERVISOR})
SUPERVISOR = frozenset({R.CLINICAL_SUPERVISOR})
CLINICIANS = frozenset({R.PRACTITIONER, R.CLINICAL_SUPERVISOR})
POLICE_OR_SUPERVISOR = POLICE | SUPERVISOR

TRANSITIONS: tuple[Transition, ...] = (
    Transition(NEW, S.PUT_FORWARD, POLICE, False, "Put forward by police"),
    Transition(S.PUT_FORWARD, S.RECEIVED, SUPERVISOR, False, "Referral received"),
    Transition(S.PUT_FORWARD, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.RECEIVED, S.ALLOCATED, SUPERVISOR, False, "Practitioner allocated"),
    Transition(S.RECEIVED, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.ALLOCATED, S.SUITABLE, CLINICIANS, False, "Suitable, place offered"),
    Transition(S.ALLOCATED, S.WAITING, CLINICIANS, False, "Suitable, no place free"),
    Transition(S.ALLOCATED, S.NOT_SUITABLE, CLINICIANS, True, "Not suitable"),
    Transition(S.ALLOCATED, S.NOT_READY, CLINICIANS, True, "Not ready yet, review date set"),
    Transition(S.ALLOCATED, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.NOT_READY, S.SUITABLE, CLINICIANS, False, "Now ready, place offered"),
    Transition(S.NOT_READY, S.WAITING, CLINICIANS, False, "Now ready, no place free"),
    Transition(S.NOT_READY, S.NOT_SUITABLE, CLINICIANS, True, "Not suitable"),
    Transition(S.NOT_READY, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.WAITING, S.SUITABLE, SUPERVISOR, False, "Place offered from waiting list"),
    Transition(S.WAITING, S.NOT_SUITABLE, CLINICIANS, True, "Not suitable on reassessment"),
    Transition(S.WAITING, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.SUITABLE, S.CONSENTED, CLINICIANS, False, "Consent given"),
    Transition(S.SUITABLE, S.DECLINED, CLINICIANS, True, "Consent declined"),
    Transition(S.CONSENTED, S.ACTIVE, CLINICIANS, False, "Intervention started"),
    Transition(S.CONSENTED, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.ACTIVE, S.COMPLETED, CLINICIANS, False, "Intervention completed"),
    Transition(S.ACTIVE, S.DISENGAGED, CLINICIANS, True, "Disengaged"),
    Transition(S.ACTIVE, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Withdrawn"),
    Transition(S.ACTIVE, S.EXCLUDED, SUPERVISOR, True, "Excluded"),
)

# Coded reasons, by the status a change leads to. "other" always needs words.
# The assessment's reasons are defined once, with its criteria, in `suitability.py`.
REASONS: dict[str, list[tuple[str, str]]] = {
    S.NOT_SUITABLE: suitability.NOT_SUITABLE_REASONS,
    S.NOT_READY: suitability.NOT_READY_REASONS,
    S.DECLINED: [
        ("does_not_want", "Does not want to take part"),
        ("practical", "Practical reasons (work, travel, caring)"),
        ("other", "Another reason"),
    ],
    S.DISENGAGED: [
        ("missed_sessions", "Repeatedly missed sessions"),
        ("stopped_contact", "Stopped all contact"),
        ("other", "Another reason"),
    ],
    S.WITHDRAWN: [
        ("custody", "In custody"),
        ("moved_away", "Moved out of the area"),
        ("order_ended", "The order ended or was discharged"),
        ("police_request", "The police withdrew the referral"),
        ("other", "Another reason"),
    ],
    S.EXCLUDED: [
        ("violence_to_staff", "Violence or threats to staff"),
        ("further_offending", "Further stalking during the programme"),
        ("other", "Another reason"),
    ],
}


REASON_RULE = CodedReason(REASONS)

# Changes made only by recording a suitability assessment (`referral_assess`), never through
# the generic change form: each needs the answers the outcome follows from.
ASSESSMENT_CHANGES: frozenset[tuple[str, str]] = frozenset(
    (t.source, t.target)
    for t in TRANSITIONS
    if t.source in (S.ALLOCATED, S.NOT_READY, S.WAITING)
    and t.target in (S.SUITABLE, S.WAITING, S.NOT_READY, S.NOT_SUITABLE)
    and (t.source, t.target) != (S.WAITING, S.SUITABLE)  # a place offered from the list
)
# Where an assessment (or a reassessment) may be recorded.
ASSESSABLE: tuple[str, ...] = (S.ALLOCATED, S.NOT_READY, S.WAITING)

_CAPACITY = (
    "A referral holds one of the programme's places while it is *Suitable, place offered*, "
    "*Consent given* or *Active*. When every place is held, a suitability assessment of "
    "*suitable* puts the person on the waiting list instead (change 7 or 12), in the order "
    "they were found suitable. A clinical supervisor offers a freed place to the first "
    "person on the list (change 15); offering it to anyone else is refused."
)

_ASSESSMENT = (
    "Changes 6 to 9, 11 to 13 and 16 are made only by recording a suitability assessment: "
    "each criterion answered Yes, No or Not known yet, and an outcome that follows from the "
    "answers, with a reason from the outcome's own list. *Not ready yet* needs a review date; "
    "on that date the referral appears in the practitioner's queue for a reassessment. A "
    "reassessment that finds the person still not ready, or still suitable while they wait "
    "for a place, changes no status: it is kept as a new assessment. Someone on the waiting "
    "list cannot go back to *Not ready yet* (the table has no cycles). The criteria and the "
    "rules are data in `desist/programme/suitability.py`; why, in "
    "[ADR 0033](../adr/0033-suitability-as-a-structured-assessment.md)."
)

WORKFLOW = register(
    Workflow(
        name="programme",
        statuses=ReferralStatus,
        transitions=TRANSITIONS,
        noun="referral",
        a_noun="A referral",
        reasons=REASON_RULE,
        # Colour by who makes the change, with a dash pattern too.
        styles={
            POLICE: EdgeStyle("police", colour="#1d70b8"),
            SUPERVISOR: EdgeStyle("clinical supervisor", dash="7 4"),
            CLINICIANS: EdgeStyle("practitioner or clinical supervisor"),
            POLICE_OR_SUPERVISOR: EdgeStyle(
                "police or clinical supervisor", colour="#505a5f", dash="2 3"
            ),
        },
        ended=CLOSED_STATUSES,
        docs=Docs(
            title="Intervention programme referral workflow",
            source="desist/programme/workflow.py",
            command="programme_workflow_docs",
            stem="programme-referral",
            alt="Referral workflow",
            dot_name="programme_referral",
            notes=(
                ("Capacity and the waiting list", _CAPACITY),
                ("The suitability assessment", _ASSESSMENT),
            ),
        ),
        layout=LaneLayout(
            Look(
                svg_id="referral-workflow",
                marker_id="ref-arrow",
                title="Intervention programme referral workflow",
                desc="Statuses a referral can have and the numbered changes between them. "
                "The table of changes lists who may make each one.",
                legend=(
                    (
                        26,
                        "Solid blue: police. Solid black: practitioner or clinical "
                        "supervisor. Dashed: clinical supervisor only. Dotted grey: police "
                        "or clinical supervisor.",
                    ),
                    (10, "Shaded boxes: the referral has ended."),
                ),
                font_size=13,
                number_size=11,
                start_anchor="start",
                numbers_last=True,
            ),
            # Presentation only: which row each status sits in (the column comes from the
            # table). Withdrawal, reachable from most statuses, sits below everything.
            rows={
                S.NOT_READY: -1,
                S.WAITING: -1,
                S.NOT_SUITABLE: 1,
                S.DECLINED: 1,
                S.DISENGAGED: 1,
                S.EXCLUDED: 2,
                S.WITHDRAWN: 3.4,
            },
            sink=S.WITHDRAWN,
        ),
    )
)

# The names callers use.
reason_label = REASON_RULE.label
status_label = WORKFLOW.status_label
transition_for = WORKFLOW.transition_for
transitions_from = WORKFLOW.transitions_from
allowed_targets = WORKFLOW.allowed_targets
check_transition = WORKFLOW.check_transition
is_acyclic = WORKFLOW.is_acyclic
diagram_dot = WORKFLOW.diagram_dot
diagram_svg = WORKFLOW.diagram_svg
diagram_markdown = WORKFLOW.diagram_markdown
