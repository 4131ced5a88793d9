"""The one transition-table engine. An app's workflow is data plus hooks: its statuses, its
table of transitions (who may make each change, whether a reason is required), how reasons are
given, and how the diagram is laid out. `Workflow` enforces the table and renders it (DOT,
SVG, Markdown); `desist workflow_docs` writes every registered workflow into docs/workflows/.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from desist.core.roles import RoleCode

if TYPE_CHECKING:
    from desist.core.workflow_diagram import Layout

NEW = ""  # the state before the first transition


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[RoleCode]
    reason_required: bool
    label: str


class TransitionError(ValidationError):
    """A status change the table does not allow (for this role)."""


@dataclass(frozen=True)
class EdgeStyle:
    """How the arrows of one group of roles are described and drawn (a dash as well as a
    colour, so colour is never the only cue)."""

    who: str
    colour: str = "#0b0c0c"
    dash: str = ""


class ReasonRule(Protocol):
    @property
    def field(self) -> str: ...  # the keyword the reason comes in, and the form field

    @property
    def message(self) -> str: ...

    def accepts(self, target: str, value: str) -> bool: ...

    def markdown(self, status_label: Callable[[str], str]) -> list[str]: ...


@dataclass(frozen=True)
class FreeTextReason:
    """A reason in the user's own words, required where the table says so."""

    field: str = "reason"
    message: str = "Enter the reason for this change"

    def accepts(self, target: str, value: str) -> bool:
        return bool((value or "").strip())

    def markdown(self, status_label: Callable[[str], str]) -> list[str]:
        return []


@dataclass(frozen=True)
class CodedReason:
    """A reason chosen from a list of codes, by the status the change leads to."""

    reasons: Mapping[str, list[tuple[str, str]]]
    field: str = "reason_code"
    message: str = "Select the reason for this change"

    def accepts(self, target: str, value: str) -> bool:
        return value in {code for code, _ in self.reasons.get(target, [])}

    def label(self, code: str) -> str:
        for options in self.reasons.values():
            for value, label in options:
                if value == code:
                    return label
        return code

    def markdown(self, status_label: Callable[[str], str]) -> list[str]:
        lines = ["", "## Coded reasons", ""]
        for target, options in self.reasons.items():
            lines.append(
                f"- **{status_label(target)}**: "
                + "; ".join(f"`{c}` {label}" for c, label in options)
            )
        return lines


@dataclass(frozen=True)
class Docs:
    """Where the generated page lives and what it says about itself."""

    title: str
    source: str  # the module holding the table, as a path
    command: str  # the command that regenerates the files
    stem: str  # docs/workflows/<stem>.svg and .md
    alt: str
    dot_name: str
    notes: tuple[tuple[str, str], ...] = ()  # (heading, paragraph) after the table


@dataclass(frozen=True)
class Workflow:
    name: str
    statuses: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    noun: str  # "order": "The order's status is already ..."
    a_noun: str  # "An order": "An order with the status ..."
    reasons: ReasonRule
    styles: Mapping[frozenset[RoleCode], EdgeStyle]
    ended: Collection[str]
    docs: Docs
    layout: Layout
    _by_pair: dict[tuple[str, str], Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pairs = {(t.source, t.target): t for t in self.transitions}
        object.__setattr__(self, "_by_pair", pairs)

    # --- the rule ------------------------------------------------------------------------

    @property
    def states(self) -> list[str]:
        return [NEW, *self.statuses.values]

    def status_label(self, status: str) -> str:
        return str(self.statuses(status).label) if status else "New"

    def transition_for(self, source: str, target: str) -> Transition | None:
        return self._by_pair.get((str(source), str(target)))

    def transitions_from(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == source]

    def allowed_targets(self, role_codes: Iterable[str], source: str) -> list[str]:
        """Targets the roles may move `source` to, in table order."""
        codes = {RoleCode(c) for c in role_codes}
        return [t.target for t in self.transitions_from(source) if t.roles & codes]

    def check_transition_allowed(
        self, *, role_codes: Iterable[str], source: str, target: str
    ) -> Transition:
        """The table's rule for `source` -> `target` if the actor's roles may use it;
        otherwise TransitionError with a clear message."""
        transition = self.transition_for(source, target)
        if transition is None:
            raise TransitionError({"status": [self._not_in_table(source, target)]})
        if not transition.roles.intersection(RoleCode(c) for c in role_codes):
            who = " or ".join(sorted(r.label.lower() for r in transition.roles))
            raise TransitionError(
                {"status": [f"Only a {who} can record this change ({transition.label.lower()})"]}
            )
        return transition

    def check_transition(
        self, *, role_codes: Iterable[str], source: str, target: str, **reason: str
    ) -> Transition:
        """As `check_transition_allowed`, and a reason is given where the table requires
        one. The reason comes in the keyword the workflow's reason rule names."""
        unexpected = set(reason) - {self.reasons.field}
        if unexpected:
            raise TypeError(f"Unexpected keyword argument(s): {', '.join(sorted(unexpected))}")
        transition = self.check_transition_allowed(
            role_codes=role_codes, source=source, target=target
        )
        given = reason.get(self.reasons.field, "")
        if transition.reason_required and not self.reasons.accepts(target, given):
            raise TransitionError({self.reasons.field: [self.reasons.message]})
        return transition

    def _not_in_table(self, source: str, target: str) -> str:
        if source == target:
            return f"The {self.noun}'s status is already '{self.status_label(target)}'"
        return (
            f"{self.a_noun} with the status '{self.status_label(source)}' cannot be changed "
            f"to '{self.status_label(target)}'"
        )

    # --- shape of the table --------------------------------------------------------------

    def layers(self) -> dict[str, int]:
        """Longest-path layering of the (acyclic) table: each state one column right of the
        furthest state that leads to it."""
        layer = dict.fromkeys(self.states, 0)
        for _ in self.states:  # relax |V| times; enough for a DAG
            for t in self.transitions:
                layer[t.target] = max(layer[t.target], layer[t.source] + 1)
        return layer

    def is_acyclic(self) -> bool:
        layer = self.layers()
        return all(layer[t.target] > layer[t.source] for t in self.transitions)

    def style_of(self, roles: frozenset[RoleCode]) -> EdgeStyle:
        return self.styles[roles]

    # --- rendering -----------------------------------------------------------------------

    def diagram_dot(self) -> str:
        """Graphviz DOT text for the table (render with `dot -Tsvg` where available)."""
        lines = [
            f"digraph {self.docs.dot_name} {{",
            "  rankdir=LR;",
            '  node [shape=box, style=rounded, fontname="Arial"];',
            '  new [shape=point, label=""];',
        ]
        for status in self.statuses:
            lines.append(f'  {status.value} [label="{status.label}"];')
        for n, t in enumerate(self.transitions, 1):
            extra = ", reason required" if t.reason_required else ""
            who = self.style_of(t.roles).who
            lines.append(
                f'  {t.source or "new"} -> {t.target} [label="{n}. {t.label} ({who}{extra})"];'
            )
        lines.append("}")
        return "\n".join(lines) + "\n"

    def diagram_svg(self) -> str:
        return self.layout.svg(self)

    def diagram_markdown(self) -> str:
        """The generated page: the table, the reasons, notes, the DOT source, the SVG."""
        d = self.docs
        lines = [
            f"# {d.title}",
            "",
            f"Generated from `{d.source}` by `desist {d.command}`. Do not edit by hand: a "
            "test fails if this file and the table differ.",
            "",
            f"![{d.alt}]({d.stem}.svg)",
            "",
            "| # | From | To | Who may record it | Reason required | What happened |",
            "|---|------|----|-------------------|-----------------|---------------|",
        ]
        for n, t in enumerate(self.transitions, 1):
            who = ", ".join(sorted(r.label for r in t.roles))
            lines.append(
                f"| {n} | {self.status_label(t.source)} | {self.status_label(t.target)} | "
                f"{who} | {'Yes' if t.reason_required else 'No'} | {t.label} |"
            )
        lines += self.reasons.markdown(self.status_label)
        for heading, paragraph in d.notes:
            lines += ["", f"## {heading}", "", paragraph]
        lines += ["", "## Graphviz source", "", "```dot", self.diagram_dot().rstrip(), "```", ""]
        return "\n".join(lines)

    def doc_files(self, root: Path) -> dict[Path, str]:
        folder = root / "docs" / "workflows"
        page = folder / f"{self.docs.stem}.md"
        return {
            folder / f"{self.docs.stem}.svg": self.diagram_svg(),
            page: self.diagram_markdown() + hand_written_tail(page),
        }


# Below this line a generated page is written by hand, and the generator keeps it as it is
# (the SPO page's table of statutory dates, which a test executes).
HAND_WRITTEN = "<!-- Written by hand from here on: the generator keeps it as it is. -->"


def hand_written_tail(page: Path) -> str:
    """The hand-written part of an existing generated page, from the marker on ("" if none)."""
    text = page.read_text() if page.exists() else ""
    at = text.find(HAND_WRITTEN)
    return "" if at < 0 else "\n" + text[at:]


def page_view(
    workflow: Workflow, template: str, require: Callable[[Any], None]
) -> Callable[[HttpRequest], HttpResponse]:
    """The /<app>/workflow/ page: the diagram and the table, for users `require` admits."""

    @login_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        require(request.user)
        rows = [
            {
                "n": n,
                "source": workflow.status_label(t.source),
                "target": workflow.status_label(t.target),
                "roles": sorted(r.label for r in t.roles),
                "reason_required": t.reason_required,
                "label": t.label,
            }
            for n, t in enumerate(workflow.transitions, 1)
        ]
        # Generated by our own code from the table (no user input), so it is safe.
        svg = mark_safe(workflow.diagram_svg())  # noqa: S308  # nosec
        return render(request, template, {"rows": rows, "svg": svg})

    return view


# --- the register the docs command reads ----------------------------------------------------

_REGISTERED: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Called by an app's workflow module: `WORKFLOW = register(Workflow(...))`."""
    _REGISTERED[workflow.name] = workflow
    return workflow


def registered() -> dict[str, Workflow]:
    """Every app's workflow, by name (importing each installed app's `workflow` module)."""
    autodiscover_modules("workflow")
    return dict(sorted(_REGISTERED.items()))
