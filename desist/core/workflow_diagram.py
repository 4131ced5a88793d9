"""Hand-built SVG diagrams of a workflow's transition table. Presentation attributes only (no
style=), for the CSP. Each arrow carries the number of its row in the table shown beside it.

A layout places the boxes and routes the arrows; `paint` draws any layout the same way.
`LayeredLayout` works the positions out from the table alone; `LaneLayout` takes the rows
from the workflow (for a table with one status reachable from nearly everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from desist.core.workflow import Transition, Workflow

Point = tuple[float, float]
_FONT = 'font-family="Arial, sans-serif"'
_INK = "#0b0c0c"
_PAD = 24.0


@dataclass(frozen=True)
class Look:
    """What the picture says and the sizes it says it in."""

    svg_id: str  # "<svg_id>-title" and "<svg_id>-desc" label the image
    marker_id: str
    title: str
    desc: str
    legend: tuple[tuple[float, str], ...]  # (distance up from the bottom, text)
    font_size: int = 14
    number_size: int = 12
    start_anchor: str = "middle"
    numbers_last: bool = False  # draw the numbers over the boxes


@dataclass
class Drawing:
    """Where a layout put everything: box centres, the start dot, and per transition the
    path and the centre of its number."""

    width: float
    height: float
    box_w: float
    box_h: float
    start: Point
    centres: dict[str, Point] = field(default_factory=dict)
    edges: list[tuple[str, Point]] = field(default_factory=list)


class Layout(Protocol):
    def svg(self, workflow: Workflow) -> str: ...


def paint(workflow: Workflow, look: Look, drawing: Drawing) -> str:
    out = _header(look, drawing)
    numbers: list[str] = []
    for n, (t, (path, (lx, ly))) in enumerate(
        zip(workflow.transitions, drawing.edges, strict=True), 1
    ):
        style = workflow.style_of(t.roles)
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        out.append(
            f'<path d="{path}" fill="none" stroke="{style.colour}" stroke-width="1.5"{dash} '
            f'marker-end="url(#{look.marker_id})"><title>{n}. {escape(t.label)}</title></path>'
        )
        (numbers if look.numbers_last else out).append(
            f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="10" fill="#ffffff" stroke="{_INK}"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" {_FONT} '
            f'font-size="{look.number_size}" fill="{_INK}">{n}</text>'
        )
    out += _boxes(workflow, look, drawing)
    out += numbers
    for up, text in look.legend:
        out.append(
            f'<text x="{_PAD:.0f}" y="{drawing.height - up:.0f}" {_FONT} font-size="12" '
            f'fill="#505a5f">{text}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _header(look: Look, drawing: Drawing) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {drawing.width:.0f} '
        f'{drawing.height:.0f}" role="img" aria-labelledby="{look.svg_id}-title '
        f'{look.svg_id}-desc" class="desist-workflow">',
        f'<title id="{look.svg_id}-title">{look.title}</title>',
        f'<desc id="{look.svg_id}-desc">{look.desc}</desc>',
        "<defs>",
        f'<marker id="{look.marker_id}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path '
        f'd="M 0 0 L 10 5 L 0 10 z" fill="{_INK}"/></marker>',
        "</defs>",
    ]


def _boxes(workflow: Workflow, look: Look, drawing: Drawing) -> list[str]:
    sx, sy = drawing.start
    out = [
        f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="8" fill="{_INK}"/>',
        f'<text x="{sx:.1f}" y="{sy - 16:.1f}" text-anchor="{look.start_anchor}" {_FONT} '
        f'font-size="{look.font_size}" fill="{_INK}">Start</text>',
    ]
    w, h = drawing.box_w, drawing.box_h
    for state, (cx, cy) in drawing.centres.items():
        fill = "#f3f2f1" if state in workflow.ended else "#ffffff"
        out.append(
            f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.0f}" '
            f'height="{h:.0f}" rx="8" fill="{fill}" stroke="{_INK}" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{cx:.1f}" y="{cy + 5:.1f}" text-anchor="middle" {_FONT} '
            f'font-size="{look.font_size}" fill="{_INK}">'
            f"{escape(workflow.status_label(state))}</text>"
        )
    return out


def _curve(points: list[Point]) -> str:
    """A smooth horizontal S-curve through each pair of consecutive points."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M {x0:.1f} {y0:.1f}"]
    for x1, y1 in rest:
        mid = (x0 + x1) / 2
        d.append(f"C {mid:.1f} {y0:.1f}, {mid:.1f} {y1:.1f}, {x1:.1f} {y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)


def _on_curve(a: Point, b: Point, t: float) -> Point:
    """The point at `t` on the S-curve `_curve` draws from a to b."""
    (x0, y0), (x1, y1) = a, b
    mid = (x0 + x1) / 2
    u = 1 - t
    x = u**3 * x0 + 3 * u * u * t * mid + 3 * u * t * t * mid + t**3 * x1
    y = u**3 * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t**3 * y1
    return x, y


# --- layered: positions from the table alone ----------------------------------------------


@dataclass(frozen=True)
class LayeredLayout:
    """Columns by layer (Sugiyama-style): an edge that skips columns passes through a free
    slot (a 'dummy node') in each column it crosses, so no edge runs through a box; nodes in
    each column are ordered by the mean position of their neighbours to reduce crossings."""

    look: Look
    col_w: float = 250.0
    box_w: float = 200.0
    box_h: float = 44.0
    row_h: float = 70.0
    start_w: float = 90.0  # the start dot's column is narrow

    def svg(self, workflow: Workflow) -> str:
        return paint(workflow, self.look, self.draw(workflow))

    def draw(self, workflow: Workflow) -> Drawing:
        columns, chains, edges = self._columns(workflow)
        for _ in range(2):
            _sweep(columns, edges, "pred")
            _sweep(columns, edges, "succ")
        centre_of = self._centres(columns)
        new_y = centre_of[""][1]
        start_right = (_PAD + self.start_w - 40, new_y)
        paths = []
        for t in workflow.transitions:
            paths.append(self._path(chains[(t.source, t.target)], centre_of, start_right))
        centres = {s: centre_of[s] for s in workflow.statuses.values}
        lowest = max(y for points in paths for _, y in points)
        width = max(x for x, _ in centres.values()) + self.box_w / 2 + _PAD
        bottom = max(centre_of[s][1] for s in workflow.states) + self.box_h / 2
        height = max(lowest + self.row_h / 2, bottom) + _PAD + 30
        drawing = Drawing(width, height, self.box_w, self.box_h, (start_right[0] - 8, new_y))
        drawing.centres = centres
        drawing.edges = [(_curve(points), _number_at(points)) for points in paths]
        return drawing

    def _columns(
        self, workflow: Workflow
    ) -> tuple[dict[int, list[str]], dict[tuple[str, str], list[str]], list[tuple[str, str]]]:
        layer = workflow.layers()
        columns: dict[int, list[str]] = {}
        for state in workflow.states:
            columns.setdefault(layer[state], []).append(state)
        edges: list[tuple[str, str]] = []  # unit-length edges, through dummies
        chains: dict[tuple[str, str], list[str]] = {}
        for t in workflow.transitions:
            chain = [t.source]
            for col in range(layer[t.source] + 1, layer[t.target]):
                name = f"~{t.source}>{t.target}@{col}"
                columns[col].append(name)
                chain.append(name)
            chain.append(t.target)
            chains[(t.source, t.target)] = chain
            edges += list(zip(chain, chain[1:], strict=False))
        return columns, chains, edges

    def _centres(self, columns: dict[int, list[str]]) -> dict[str, Point]:
        height = max(len(c) for c in columns.values()) * self.row_h
        centre_of: dict[str, Point] = {}
        for col, names in columns.items():
            top = (height - len(names) * self.row_h) / 2
            x = _PAD + (self.start_w + (col - 1) * self.col_w if col else 0) + self.box_w / 2
            for i, name in enumerate(names):
                centre_of[name] = (x, _PAD + top + i * self.row_h + self.row_h / 2)
        return centre_of

    def _path(self, chain: list[str], centre_of: dict[str, Point], start: Point) -> list[Point]:
        half = self.box_w / 2
        if chain[0] == "":
            points = [start]
        else:
            sx, sy = centre_of[chain[0]]
            points = [(sx - half + self.box_w, sy)]
        for name in chain[1:-1]:
            # Straight across the column the edge skips, curving only between columns.
            x, y = centre_of[name]
            points += [(x - half, y), (x + half, y)]
        tx, ty = centre_of[chain[-1]]
        points.append((tx - half, ty))
        return points


def _number_at(points: list[Point]) -> Point:
    """In the first column the edge crosses, or 70% along a direct edge (where edges
    leaving the same box have already drawn apart)."""
    if len(points) > 2:
        (ax, ay), (bx, by) = points[1:3]
        return (ax + bx) / 2, (ay + by) / 2
    return _on_curve(points[0], points[1], 0.7)


def _sweep(columns: dict[int, list[str]], edges: list[tuple[str, str]], order_by: str) -> None:
    """Order each column by the mean position of its neighbours in the column before
    ('pred', left to right) or after ('succ', right to left)."""
    last = max(columns)
    cols = range(1, last + 1) if order_by == "pred" else range(last - 1, -1, -1)
    for col in cols:
        ref = columns[col - 1] if order_by == "pred" else columns[col + 1]
        index = {name: i for i, name in enumerate(ref)}
        current = list(columns[col])
        keys = {}
        for name in current:
            near = [
                index[a if order_by == "pred" else b]
                for a, b in edges
                if (b if order_by == "pred" else a) == name
                and (a if order_by == "pred" else b) in index
            ]
            keys[name] = sum(near) / len(near) if near else float(current.index(name))
        columns[col] = sorted(current, key=lambda name: keys[name])


# --- lanes: rows given by the workflow --------------------------------------------------------


@dataclass(frozen=True)
class LaneLayout:
    """Columns by longest-path layer, rows from `rows` (presentation only; the main path runs
    along row 0). Arrows into `sink` (a status reachable from most others) run down to their
    own lane below everything; a long arrow up a row runs over the top on its own lane."""

    look: Look
    rows: Mapping[str, float]
    sink: str
    top_row: float = -1.0
    col_w: float = 215.0
    box_w: float = 180.0
    box_h: float = 44.0
    row_h: float = 74.0
    start_w: float = 70.0
    extra_height: float = 44.0  # room for the legend

    def svg(self, workflow: Workflow) -> str:
        return paint(workflow, self.look, self.draw(workflow))

    def draw(self, workflow: Workflow) -> Drawing:
        layer = workflow.layers()
        centres: dict[str, Point] = {}
        for state in workflow.states:
            col = layer[state]
            x = (
                _PAD + (self.start_w + (col - 1) * self.col_w) + self.box_w / 2
                if col
                else _PAD + 10
            )
            y = _PAD + 40 + (self.rows.get(state, 0) - self.top_row + 0.5) * self.row_h
            centres[state] = (x, y)
        width = max(x for x, _ in centres.values()) + self.box_w / 2 + _PAD
        height = max(y for _, y in centres.values()) + self.row_h / 2 + _PAD
        start = centres.pop("")
        drawing = Drawing(width, height + self.extra_height, self.box_w, self.box_h, start)
        drawing.centres = centres
        n = len(workflow.transitions)
        bottom_lanes = iter(centres[self.sink][1] - 8 - 9 * k for k in range(n))
        top_lanes = iter(_PAD + 14 + 10 * k for k in range(n))
        for t in workflow.transitions:
            lane = next(bottom_lanes) if t.target == self.sink else next(top_lanes)
            drawing.edges.append(self._edge(t, {**centres, "": start}, lane, layer))
        return drawing

    def _edge(
        self, t: Transition, centres: dict[str, Point], lane: float, layer: dict[str, int]
    ) -> tuple[str, Point]:
        (sx, sy), (tx, ty) = centres[t.source], centres[t.target]
        x1 = tx - self.box_w / 2
        if t.target == self.sink:
            right = sx + self.box_w / 2
            bx = right + 16  # down the gap between columns, clear of the boxes below
            by = sy + 10
            d = (
                f"M {right:.1f} {by:.1f} L {bx - 6:.1f} {by:.1f} "
                f"Q {bx:.1f} {by:.1f}, {bx:.1f} {by + 6:.1f} L {bx:.1f} {lane - 8:.1f} "
                f"Q {bx:.1f} {lane:.1f}, {bx + 8:.1f} {lane:.1f} L {x1 - 30:.1f} {lane:.1f} "
                f"C {x1 - 10:.1f} {lane:.1f}, {x1 - 20:.1f} {ty:.1f}, {x1:.1f} {ty:.1f}"
            )
            return d, (bx, sy + self.box_h / 2 + 22)
        x0 = sx + (8 if t.source == "" else self.box_w / 2)
        long_edge = layer[t.target] - layer[t.source] > 1
        if long_edge and self.rows.get(t.target, 0) < self.rows.get(t.source, 0):
            d = (
                f"M {x0:.1f} {sy:.1f} C {x0 + 30:.1f} {sy:.1f}, {x0 + 10:.1f} {lane:.1f}, "
                f"{x0 + 40:.1f} {lane:.1f} L {x1 - 40:.1f} {lane:.1f} "
                f"C {x1 - 10:.1f} {lane:.1f}, {x1 - 30:.1f} {ty:.1f}, {x1:.1f} {ty:.1f}"
            )
            return d, (x0 + 60, lane)
        return _curve([(x0, sy), (x1, ty)]), _on_curve((x0, sy), (x1, ty), 0.75)
