"""The referral workflow as data: which status may follow which, who may make the change,
and whether a (coded) reason is required. `services.referral_transition` is the one place that
enforces it; the diagram on /programme/workflow/ and in docs/workflows/ is generated from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from django.core.exceptions import ValidationError

from desist.core.roles import RoleCode
from desist.programme.models import CLOSED_STATUSES, ReferralStatus

S = ReferralStatus
R = RoleCode

NEW = ""  # before the police put the subject forward

POLICE = frozenset({R.POLICE_OFFICER, R.POLICE_SUPERVISOR})
SUPERVISOR = frozenset({R.CLINICAL_SUPERVISOR})
CLINICIANS = frozenset({R.PRACTITIONER, R.CLINICAL_SUPERVISOR})
POLICE_OR_SUPERVISOR = POLICE | SUPERVISOR


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[RoleCode]
    reason_required: bool
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(NEW, S.PUT_FORWARD, POLICE, False, "Put forward by police"),
    Transition(S.PUT_FORWARD, S.RECEIVED, SUPERVISOR, False, "Referral received"),
    Transition(S.PUT_FORWARD, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.RECEIVED, S.ALLOCATED, SUPERVISOR, False, "Practitioner allocated"),
    Transition(S.RECEIVED, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.ALLOCATED, S.SUITABLE, CLINICIANS, False, "Suitable, place offered"),
    Transition(S.ALLOCATED, S.WAITING, CLINICIANS, False, "Suitable, no place free"),
    Transition(S.ALLOCATED, S.NOT_SUITABLE, CLINICIANS, True, "Not suitable"),
    Transition(S.ALLOCATED, S.NOT_READY, CLINICIANS, True, "Suitable but not ready"),
    Transition(S.ALLOCATED, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.NOT_READY, S.SUITABLE, CLINICIANS, False, "Now ready, place offered"),
    Transition(S.NOT_READY, S.WAITING, CLINICIANS, False, "Now ready, no place free"),
    Transition(S.NOT_READY, S.NOT_SUITABLE, CLINICIANS, True, "Not suitable"),
    Transition(S.NOT_READY, S.WITHDRAWN, POLICE_OR_SUPERVISOR, True, "Referral withdrawn"),
    Transition(S.WAITING, S.SUITABLE, SUPERVISOR, False, "Place offered from waiting list"),
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

_BY_PAIR: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}

# Coded reasons, by the status a change leads to. "other" always needs words.
REASONS: dict[str, list[tuple[str, str]]] = {
    S.NOT_SUITABLE: [
        ("denies_all_behaviour", "Denies all of the behaviour and will not discuss it"),
        ("severe_mental_illness", "Needs treatment for a severe mental illness first"),
        ("substance_misuse", "Substance misuse would prevent taking part"),
        ("cognitive_needs", "Learning or cognitive needs the programme cannot meet"),
        ("other", "Another reason"),
    ],
    S.NOT_READY: [
        ("crisis", "In crisis now (housing, health or similar)"),
        ("proceedings_pending", "Criminal proceedings not yet concluded"),
        ("motivation", "Not yet motivated to take part"),
        ("other", "Another reason"),
    ],
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


def reason_label(code: str) -> str:
    for options in REASONS.values():
        for value, label in options:
            if value == code:
                return label
    return code


class TransitionError(ValidationError):
    """A status change the table does not allow (for this role)."""


def status_label(status: str) -> str:
    return ReferralStatus(status).label if status else "New"


def transition_for(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((str(source), str(target)))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def _role_names(roles: Iterable[RoleCode]) -> str:
    return " or ".join(sorted(r.label.lower() for r in roles))


def check_transition(
    *, role_codes: Iterable[str], source: str, target: str, reason_code: str = ""
) -> Transition:
    """The table's rule for `source` -> `target` if the actor's roles may use it and a reason
    is given where required; otherwise TransitionError with a clear message."""
    transition = transition_for(source, target)
    if transition is None:
        if source == target:
            message = f"The referral's status is already '{status_label(target)}'"
        else:
            message = (
                f"A referral with the status '{status_label(source)}' cannot be changed to "
                f"'{status_label(target)}'"
            )
        raise TransitionError({"status": [message]})
    if not transition.roles.intersection(RoleCode(c) for c in role_codes):
        raise TransitionError(
            {
                "status": [
                    f"Only a {_role_names(transition.roles)} can record this change "
                    f"({transition.label.lower()})"
                ]
            }
        )
    if transition.reason_required:
        codes = {c for c, _ in REASONS.get(target, [])}
        if reason_code not in codes:
            raise TransitionError({"reason_code": ["Select the reason for this change"]})
    return transition


def allowed_targets(role_codes: Iterable[str], source: str) -> list[str]:
    codes = {RoleCode(c) for c in role_codes}
    return [t.target for t in transitions_from(source) if t.roles & codes]


# --- the diagram --------------------------------------------------------------------------

_STATES: list[str] = [NEW, *ReferralStatus.values]


def _layers() -> dict[str, int]:
    layer = dict.fromkeys(_STATES, 0)
    for _ in _STATES:
        for t in TRANSITIONS:
            layer[t.target] = max(layer[t.target], layer[t.source] + 1)
    return layer


def is_acyclic() -> bool:
    layer = _layers()
    return all(layer[t.target] > layer[t.source] for t in TRANSITIONS)


def _who(roles: frozenset[RoleCode]) -> str:
    if roles == POLICE:
        return "police"
    if roles == SUPERVISOR:
        return "clinical supervisor"
    if roles == CLINICIANS:
        return "practitioner or clinical supervisor"
    return "police or clinical supervisor"


def diagram_dot() -> str:
    lines = [
        "digraph programme_referral {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Arial"];',
        '  new [shape=point, label=""];',
    ]
    for status in ReferralStatus:
        lines.append(f'  {status.value} [label="{status.label}"];')
    for n, t in enumerate(TRANSITIONS, 1):
        extra = ", reason required" if t.reason_required else ""
        lines.append(
            f'  {t.source or "new"} -> {t.target} [label="{n}. {t.label} ({_who(t.roles)}{extra})"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_COL_W, _BOX_W, _BOX_H, _ROW_H, _PAD, _START_W = 215.0, 180.0, 44.0, 74.0, 24.0, 70.0

# Colour by who makes the change (with a dash pattern too, so colour is never the only cue).
_STROKE = {
    "police": ("#1d70b8", ""),
    "clinical supervisor": ("#0b0c0c", ' stroke-dasharray="7 4"'),
    "practitioner or clinical supervisor": ("#0b0c0c", ""),
    "police or clinical supervisor": ("#505a5f", ' stroke-dasharray="2 3"'),
}

# Presentation only: which row each status sits in (the column comes from the table). The
# main path runs along row 0; withdrawal, reachable from most statuses, sits below everything
# and is reached along its own lanes.
_ROW: dict[str, float] = {
    S.NOT_READY: -1,
    S.WAITING: -1,
    S.NOT_SUITABLE: 1,
    S.DECLINED: 1,
    S.DISENGAGED: 1,
    S.EXCLUDED: 2,
    S.WITHDRAWN: 3.4,
}
_TOP_ROW = -1.0


def _positions() -> tuple[dict[str, tuple[float, float]], float, float]:
    """Centre of each state's box: columns by longest-path layer, rows by `_ROW`."""
    layer = _layers()
    centres: dict[str, tuple[float, float]] = {}
    for state in _STATES:
        col = layer[state]
        x = _PAD + (_START_W + (col - 1) * _COL_W if col else 0) + _BOX_W / 2
        if not col:
            x = _PAD + 10
        y = _PAD + 40 + (_ROW.get(state, 0) - _TOP_ROW + 0.5) * _ROW_H
        centres[state] = (x, y)
    width = max(x for x, _ in centres.values()) + _BOX_W / 2 + _PAD
    height = max(y for _, y in centres.values()) + _ROW_H / 2 + _PAD
    return centres, width, height


def _edge(
    t: Transition, centres: dict[str, tuple[float, float]], lane: float
) -> tuple[str, float, float]:
    """The path of one arrow and where its number goes. Adjacent columns: an S-curve.
    Withdrawals: down from the source to their own lane, along, and into the box. A long edge
    up a row: over the top along its own lane."""
    (sx, sy), (tx, ty) = centres[t.source], centres[t.target]
    x1 = tx - _BOX_W / 2
    if t.target == S.WITHDRAWN:
        right = sx + _BOX_W / 2
        bx = right + 16  # down the gap between columns, clear of the boxes below
        by = sy + 10
        d = (
            f"M {right:.1f} {by:.1f} L {bx - 6:.1f} {by:.1f} "
            f"Q {bx:.1f} {by:.1f}, {bx:.1f} {by + 6:.1f} L {bx:.1f} {lane - 8:.1f} "
            f"Q {bx:.1f} {lane:.1f}, {bx + 8:.1f} {lane:.1f} L {x1 - 30:.1f} {lane:.1f} "
            f"C {x1 - 10:.1f} {lane:.1f}, {x1 - 20:.1f} {ty:.1f}, {x1:.1f} {ty:.1f}"
        )
        return d, bx, sy + _BOX_H / 2 + 22
    x0 = sx + (8 if t.source == NEW else _BOX_W / 2)
    long_edge = _layers()[t.target] - _layers()[t.source] > 1
    if long_edge and _ROW.get(t.target, 0) < _ROW.get(t.source, 0):
        top = lane
        d = (
            f"M {x0:.1f} {sy:.1f} C {x0 + 30:.1f} {sy:.1f}, {x0 + 10:.1f} {top:.1f}, "
            f"{x0 + 40:.1f} {top:.1f} L {x1 - 40:.1f} {top:.1f} "
            f"C {x1 - 10:.1f} {top:.1f}, {x1 - 30:.1f} {ty:.1f}, {x1:.1f} {ty:.1f}"
        )
        return d, x0 + 60, top
    mid = (x0 + x1) / 2
    d = f"M {x0:.1f} {sy:.1f} C {mid:.1f} {sy:.1f}, {mid:.1f} {ty:.1f}, {x1:.1f} {ty:.1f}"
    u = 0.75
    lx = (1 - u) ** 3 * x0 + 3 * (1 - u) ** 2 * u * mid + 3 * (1 - u) * u * u * mid + u**3 * x1
    ly = (1 - u) ** 3 * sy + 3 * (1 - u) ** 2 * u * sy + 3 * (1 - u) * u * u * ty + u**3 * ty
    return d, lx, ly


def diagram_svg() -> str:
    """A hand-built SVG of the table; presentation attributes only (no style=, for the CSP).
    Each arrow carries the number of its row in the table shown beside it."""
    centres, width, height = _positions()
    height += 44
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        'role="img" aria-labelledby="referral-workflow-title referral-workflow-desc" '
        'class="desist-workflow">',
        '<title id="referral-workflow-title">Intervention programme referral workflow</title>',
        '<desc id="referral-workflow-desc">Statuses a referral can have and the numbered '
        "changes between them. The table of changes lists who may make each one.</desc>",
        "<defs>",
        '<marker id="ref-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#0b0c0c"/></marker>',
        "</defs>",
    ]
    withdrawn_y = centres[S.WITHDRAWN][1]
    bottom_lanes = iter(withdrawn_y - 8 - 9 * k for k in range(len(TRANSITIONS)))
    top_lanes = iter(_PAD + 14 + 10 * k for k in range(len(TRANSITIONS)))
    labels = []
    for n, t in enumerate(TRANSITIONS, 1):
        lane = next(bottom_lanes) if t.target == S.WITHDRAWN else next(top_lanes)
        d, lx, ly = _edge(t, centres, lane)
        colour, dash = _STROKE[_who(t.roles)]
        out.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"{dash} '
            f'marker-end="url(#ref-arrow)"><title>{n}. {escape(t.label)}</title></path>'
        )
        labels.append(
            f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="10" fill="#ffffff" stroke="#0b0c0c"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" font-family="Arial, '
            f'sans-serif" font-size="11" fill="#0b0c0c">{n}</text>'
        )
    for state, (cx, cy) in centres.items():
        if state == NEW:
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="#0b0c0c"/>')
            out.append(
                f'<text x="{cx:.1f}" y="{cy - 16:.1f}" text-anchor="start" '
                'font-family="Arial, sans-serif" font-size="13" fill="#0b0c0c">Start</text>'
            )
            continue
        fill = "#f3f2f1" if state in CLOSED_STATUSES else "#ffffff"
        out.append(
            f'<rect x="{cx - _BOX_W / 2:.1f}" y="{cy - _BOX_H / 2:.1f}" width="{_BOX_W:.0f}" '
            f'height="{_BOX_H:.0f}" rx="8" fill="{fill}" stroke="#0b0c0c" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{cx:.1f}" y="{cy + 5:.1f}" text-anchor="middle" '
            'font-family="Arial, sans-serif" font-size="13" '
            f'fill="#0b0c0c">{escape(ReferralStatus(state).label)}</text>'
        )
    out += labels
    out.append(
        f'<text x="{_PAD:.0f}" y="{height - 26:.0f}" font-family="Arial, sans-serif" '
        'font-size="12" fill="#505a5f">Solid blue: police. Solid black: practitioner or '
        "clinical supervisor. Dashed: clinical supervisor only. Dotted grey: police or "
        "clinical supervisor.</text>"
    )
    out.append(
        f'<text x="{_PAD:.0f}" y="{height - 10:.0f}" font-family="Arial, sans-serif" '
        'font-size="12" fill="#505a5f">Shaded boxes: the referral has ended.</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def diagram_markdown() -> str:
    lines = [
        "# Intervention programme referral workflow",
        "",
        "Generated from `desist/programme/workflow.py` by `desist programme_workflow_docs`. "
        "Do not edit by hand: a test fails if this file and the table differ.",
        "",
        "![Referral workflow](programme-referral.svg)",
        "",
        "| # | From | To | Who may record it | Reason required | What happened |",
        "|---|------|----|-------------------|-----------------|---------------|",
    ]
    for n, t in enumerate(TRANSITIONS, 1):
        who = ", ".join(sorted(r.label for r in t.roles))
        lines.append(
            f"| {n} | {status_label(t.source)} | {status_label(t.target)} | {who} | "
            f"{'Yes' if t.reason_required else 'No'} | {t.label} |"
        )
    lines += ["", "## Coded reasons", ""]
    for target, options in REASONS.items():
        lines.append(
            f"- **{status_label(target)}**: " + "; ".join(f"`{c}` {label}" for c, label in options)
        )
    lines += [
        "",
        "## Capacity and the waiting list",
        "",
        "A referral holds one of the programme's places while it is *Suitable, place offered*, "
        "*Consent given* or *Active*. When every place is held, a suitability assessment of "
        "*suitable* puts the person on the waiting list instead (change 7 or 12), in the order "
        "they were found suitable. A clinical supervisor offers a freed place to the first "
        "person on the list (change 15); offering it to anyone else is refused.",
        "",
        "## Graphviz source",
        "",
        "```dot",
        diagram_dot().rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)
