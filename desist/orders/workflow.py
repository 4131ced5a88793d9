"""The SPO lifecycle as data: which status may follow which, who may make the change, and
whether a reason is required. `services.order_transition` is the one place that enforces it;
the diagram on /orders/workflow/ and in docs/workflows/ is generated from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from django.core.exceptions import ValidationError

from desist.core.roles import RoleCode
from desist.orders.models import OrderStatus

S = OrderStatus
R = RoleCode

NEW = ""  # the state before an application is recorded

POLICE = frozenset({R.POLICE_OFFICER, R.POLICE_SUPERVISOR})
SUPERVISORS = frozenset({R.POLICE_SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[RoleCode]
    reason_required: bool
    label: str


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

_BY_PAIR: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


class TransitionError(ValidationError):
    """A status change the table does not allow (for this role)."""


def status_label(status: str) -> str:
    return OrderStatus(status).label if status else "New"


def transition_for(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((str(source), str(target)))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def _role_names(roles: Iterable[RoleCode]) -> str:
    names = sorted(r.label.lower() for r in roles)
    return " or ".join(names)


def check_transition_allowed(*, role_codes: Iterable[str], source: str, target: str) -> Transition:
    """The table's rule for `source` -> `target` if the actor's roles may use it; otherwise
    TransitionError with a clear message."""
    transition = transition_for(source, target)
    if transition is None:
        if source == target:
            message = f"The order's status is already '{status_label(target)}'"
        else:
            message = (
                f"An order with the status '{status_label(source)}' cannot be changed to "
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
    return transition


def check_transition(
    *, role_codes: Iterable[str], source: str, target: str, reason: str
) -> Transition:
    """As `check_transition_allowed`, and a reason is given where the table requires one."""
    transition = check_transition_allowed(role_codes=role_codes, source=source, target=target)
    if transition.reason_required and not (reason or "").strip():
        raise TransitionError({"reason": ["Enter the reason for this change"]})
    return transition


def allowed_targets(role_codes: Iterable[str], source: str) -> set[str]:
    codes = {RoleCode(c) for c in role_codes}
    return {t.target for t in transitions_from(source) if t.roles & codes}


# --- the diagram --------------------------------------------------------------------------

_STATES: list[str] = [NEW, *OrderStatus.values]


def _layers() -> dict[str, int]:
    """Longest-path layering of the (acyclic) table: each state one column right of the
    furthest state that leads to it."""
    layer = dict.fromkeys(_STATES, 0)
    for _ in _STATES:  # relax |V| times; enough for a DAG
        for t in TRANSITIONS:
            layer[t.target] = max(layer[t.target], layer[t.source] + 1)
    return layer


def is_acyclic() -> bool:
    layer = _layers()
    return all(layer[t.target] > layer[t.source] for t in TRANSITIONS)


def diagram_dot() -> str:
    """Graphviz DOT text for the table (render with `dot -Tsvg` where Graphviz is available)."""
    lines = [
        "digraph spo_lifecycle {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Arial"];',
        '  new [shape=point, label=""];',
    ]
    for status in OrderStatus:
        lines.append(f'  {status.value} [label="{status.label}"];')
    for n, t in enumerate(TRANSITIONS, 1):
        who = "supervisor only" if t.roles == SUPERVISORS else "police"
        extra = ", reason required" if t.reason_required else ""
        source = t.source or "new"
        lines.append(f'  {source} -> {t.target} [label="{n}. {t.label} ({who}{extra})"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float


_COL_W, _BOX_W, _BOX_H, _ROW_H, _PAD = 250.0, 200.0, 44.0, 70.0, 24.0
_START_W = 90.0  # the start dot's column is narrow


def _positions() -> tuple[dict[str, _Box], dict[tuple[str, str], list[tuple[float, float]]]]:
    """Columns by layer (Sugiyama-style): an edge that skips columns passes through a free
    slot (a 'dummy node') in each column it crosses, so no edge runs through a box; nodes in
    each column are ordered by the mean position of their neighbours to reduce crossings."""
    layer = _layers()
    columns: dict[int, list[str]] = {}
    for state in _STATES:
        columns.setdefault(layer[state], []).append(state)
    edges: list[tuple[str, str]] = []  # unit-length edges, through dummies
    chains: dict[tuple[str, str], list[str]] = {}
    for t in TRANSITIONS:
        chain = [t.source]
        for col in range(layer[t.source] + 1, layer[t.target]):
            name = f"~{t.source}>{t.target}@{col}"
            columns[col].append(name)
            chain.append(name)
        chain.append(t.target)
        chains[(t.source, t.target)] = chain
        edges += list(zip(chain, chain[1:], strict=False))
    last = max(columns)

    def sweep(order_by: str) -> None:
        cols = range(1, last + 1) if order_by == "pred" else range(last - 1, -1, -1)
        for col in cols:
            ref = columns[col - 1] if order_by == "pred" else columns[col + 1]
            index = {name: i for i, name in enumerate(ref)}

            current = list(columns[col])

            def centre(
                name: str, index: dict[str, int] = index, current: list[str] = current
            ) -> float:
                near = [
                    index[a if order_by == "pred" else b]
                    for a, b in edges
                    if (b if order_by == "pred" else a) == name
                    and (a if order_by == "pred" else b) in index
                ]
                return sum(near) / len(near) if near else float(current.index(name))

            keys = {name: centre(name) for name in current}
            columns[col] = sorted(current, key=lambda name: keys[name])

    for _ in range(2):
        sweep("pred")
        sweep("succ")
    rows = max(len(c) for c in columns.values())
    height = rows * _ROW_H
    centre_of: dict[str, tuple[float, float]] = {}
    for col, names in columns.items():
        top = (height - len(names) * _ROW_H) / 2
        x = _PAD + (_START_W + (col - 1) * _COL_W if col else 0) + _BOX_W / 2
        for i, name in enumerate(names):
            centre_of[name] = (x, _PAD + top + i * _ROW_H + _ROW_H / 2)
    boxes = {
        s: _Box(centre_of[s][0] - _BOX_W / 2, centre_of[s][1] - _BOX_H / 2, _BOX_W, _BOX_H)
        for s in _STATES
    }
    boxes[NEW] = _Box(_PAD, centre_of[NEW][1] - _BOX_H / 2, _START_W - 40, _BOX_H)
    paths: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for key, chain in chains.items():
        src, dst = boxes[chain[0]], boxes[chain[-1]]
        points = [(src.x + src.w, src.y + src.h / 2)]
        for name in chain[1:-1]:
            # Straight across the column the edge skips, curving only between columns.
            x, y = centre_of[name]
            points += [(x - _BOX_W / 2, y), (x + _BOX_W / 2, y)]
        points.append((dst.x, dst.y + dst.h / 2))
        paths[key] = points
    return boxes, paths


def _curve(points: list[tuple[float, float]]) -> str:
    """A smooth horizontal S-curve through each pair of consecutive points."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M {x0:.1f} {y0:.1f}"]
    for x1, y1 in rest:
        mid = (x0 + x1) / 2
        d.append(f"C {mid:.1f} {y0:.1f}, {mid:.1f} {y1:.1f}, {x1:.1f} {y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)


def _on_curve(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    """The point at `t` on the S-curve `_curve` draws from a to b."""
    (x0, y0), (x1, y1) = a, b
    mid = (x0 + x1) / 2
    u = 1 - t
    x = u**3 * x0 + 3 * u * u * t * mid + 3 * u * t * t * mid + t**3 * x1
    y = u**3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t**3 * y1
    return x, y


def diagram_svg() -> str:
    """A hand-built SVG of the table. Presentation attributes only (no style=), for the CSP.
    Each arrow carries the number of its row in the transition table shown beside it."""
    boxes, paths = _positions()
    width = max(b.x + b.w for b in boxes.values()) + _PAD
    lowest = max(y for points in paths.values() for _, y in points)
    height = max(lowest + _ROW_H / 2, max(b.y + b.h for b in boxes.values())) + _PAD + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        'role="img" '
        'aria-labelledby="spo-lifecycle-title spo-lifecycle-desc" class="desist-workflow">',
        '<title id="spo-lifecycle-title">Stalking Protection Order lifecycle</title>',
        '<desc id="spo-lifecycle-desc">Statuses an order can have and the numbered changes '
        "between them. The table of changes lists who may make each one.</desc>",
        "<defs>",
        '<marker id="spo-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#0b0c0c"/></marker>',
        "</defs>",
    ]
    for n, t in enumerate(TRANSITIONS, 1):
        points = paths[(t.source, t.target)]
        dash = ' stroke-dasharray="6 4"' if t.roles == SUPERVISORS else ""
        out.append(
            f'<path d="{_curve(points)}" fill="none" stroke="#0b0c0c" stroke-width="1.5"'
            f'{dash} marker-end="url(#spo-arrow)"><title>{n}. {escape(t.label)}</title></path>'
        )
        # The number sits in the first column the edge crosses, or 70% along a direct edge
        # (where edges leaving the same box have already drawn apart).
        if len(points) > 2:
            (ax, ay), (bx, by) = points[1:3]
            lx, ly = (ax + bx) / 2, (ay + by) / 2
        else:
            lx, ly = _on_curve(points[0], points[1], 0.7)
        out.append(
            f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="10" fill="#ffffff" stroke="#0b0c0c"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" font-family="Arial, '
            f'sans-serif" font-size="12" fill="#0b0c0c">{n}</text>'
        )
    for state, box in boxes.items():
        if state == NEW:
            cx, cy = box.x + box.w - 8, box.y + box.h / 2
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="#0b0c0c"/>')
            out.append(
                f'<text x="{cx:.1f}" y="{cy - 16:.1f}" text-anchor="middle" '
                'font-family="Arial, sans-serif" font-size="14" fill="#0b0c0c">Start</text>'
            )
            continue
        ended = state in {S.REFUSED, S.WITHDRAWN, S.EXPIRED, S.DISCHARGED}
        fill = "#f3f2f1" if ended else "#ffffff"
        out.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" '
            f'rx="8" fill="{fill}" stroke="#0b0c0c" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{box.x + box.w / 2:.1f}" y="{box.y + box.h / 2 + 5:.1f}" '
            'text-anchor="middle" font-family="Arial, sans-serif" font-size="14" '
            f'fill="#0b0c0c">{escape(OrderStatus(state).label)}</text>'
        )
    out.append(
        f'<text x="{_PAD:.0f}" y="{height - 12:.0f}" font-family="Arial, sans-serif" '
        'font-size="12" fill="#505a5f">Dashed arrows: police supervisors only. '
        "Shaded boxes: the order or application has ended.</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def diagram_markdown() -> str:
    """docs/workflows/spo-lifecycle.md: the table, the DOT source and a link to the SVG."""
    lines = [
        "# Stalking Protection Order lifecycle",
        "",
        "Generated from `desist/orders/workflow.py` by "
        "`desist orders_workflow_docs`. Do not edit by hand: a test fails if this file and "
        "the table differ.",
        "",
        "![SPO lifecycle](spo-lifecycle.svg)",
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
    lines += ["", "## Graphviz source", "", "```dot", diagram_dot().rstrip(), "```", ""]
    return "\n".join(lines)
