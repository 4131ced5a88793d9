"""'Record' becomes 'Change' once something is recorded (issue 20 item 7): a summary list's
action link may say Record only in the branch taken when its row holds nothing yet. ("Add" stays:
it adds another item, such as a second address.) This walks every template's summary-list
actions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "desist"
# The text of each action link in a summary list's actions cell.
ACTION = re.compile(r'summary-list__actions"[^>]*>\s*<a [^>]*>(.*?)<span', re.S)
CONDITIONAL = re.compile(r"^\{% if [^%]+%\}Change\{% else %\}Record\{% endif %\}$")


def stray_actions(text: str) -> list[str]:
    return [
        label
        for label in ACTION.findall(text)
        if "Record" in label and not CONDITIONAL.match(label.strip())
    ]


def test_no_summary_list_offers_record_for_a_row_that_may_hold_a_value() -> None:
    found = {
        str(p.relative_to(ROOT)): stray
        for p in sorted(ROOT.glob("**/templates/**/*.html"))
        if (stray := stray_actions(p.read_text()))
    }
    assert found == {}


def test_the_walk_finds_an_unconditional_record() -> None:
    bad = '<dd class="govuk-summary-list__actions"><a class="govuk-link" href="x">Record<span>'
    good = (
        '<dd class="govuk-summary-list__actions"><a class="govuk-link" href="x">'
        "{% if s.done %}Change{% else %}Record{% endif %}<span>"
    )
    assert stray_actions(bad) == ["Record"]
    assert stray_actions(good) == []
