"""One rounding rule on every page (desist/core/figures.py) and one suppression rule
(desist/evaluation/privacy.py FIGURES): nothing else formats a share or an hours figure, and
nothing outside the modules whose figures are all about people suppresses directly.

Seen red with the spending share formatted as f"{...:.0f}%" in programme/selectors.py."""

from __future__ import annotations

import re
from pathlib import Path

from desist.core import figures
from desist.evaluation.engine import charts

ROOT = Path(__file__).resolve().parents[2] / "desist"
FIGURES = ROOT / "core" / "figures.py"

# A number formatted and followed by "%" or an hours unit, in code or in a template.
PY_ROUNDING = re.compile(r"\.\d+f\}\s*(%|h\b|hours?\b)|round\([^)]*\)\}\s*(%|h\b|hours?\b)")
HTML_ROUNDING = re.compile(r"floatformat[^}]*\}\}\s*(%|h\b|hours?\b)|\}\}\s*%")
# The progress bar of a running job counts whole percent done (an integer, never rounded).
HTML_ALLOWED = {ROOT / "evaluation" / "templates" / "evaluation" / "includes" / "progress.html"}
# An amount of money formatted other than by figures.money (pounds and pence everywhere).
PY_MONEY = re.compile(r"£\{")
HTML_MONEY = re.compile(r"£\{\{")
SUPPRESSING = re.compile(r"\b(suppress|suppressed_rate|is_small)\(")
# Every figure these show counts cohort members: all about people (privacy.FIGURES).
SUPPRESS_ALLOWED = {ROOT / "evaluation" / p for p in ("privacy.py", "reporting.py", "extract.py")}


ENGINE = ROOT / "evaluation" / "engine"


def _sources(pattern: str) -> list[Path]:
    # The engine imports nothing of the app (test_engine_purity); its one percentage format,
    # for chart labels, is held to the rule below.
    return [p for p in ROOT.rglob(pattern) if "tests" not in p.parts and ENGINE not in p.parents]


def test_the_engine_labels_agree_with_the_rule() -> None:
    for x in (0.0, 0.01435, 1 / 3, 0.5, 0.99951, 1.0):
        assert charts._pct(x) == figures.percent(x)


def test_shares_and_hours_are_formatted_only_by_the_helper() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _sources("*.py")
        if p != FIGURES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if PY_ROUNDING.search(line)
    ]
    found += [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _sources("*.html")
        if p not in HTML_ALLOWED
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if HTML_ROUNDING.search(line)
    ]
    assert found == [], "format shares and hours with desist.core.figures"


def test_money_is_formatted_only_by_the_helper() -> None:
    """Pounds and pence on every page and report (docs/evaluation.md). Seen red with the
    report's whole pounds (reporting._money) and the templates' own floatformat."""
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _sources("*.py")
        if p != FIGURES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if PY_MONEY.search(line)
    ]
    found += [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _sources("*.html")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if HTML_MONEY.search(line)
    ]
    assert found == [], "format money with desist.core.figures.money"
    assert figures.money(1234.5) == "£1,234.50" and figures.money(-12) == "-£12.00"


def test_suppression_goes_through_the_figure_table() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _sources("*.py")
        if p not in SUPPRESS_ALLOWED
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if SUPPRESSING.search(line)
    ]
    assert found == [], "show dashboard figures through privacy.shown_count/shown_rate"
