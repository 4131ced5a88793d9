"""docs/workflows/retention.md shows the registry's schedule, word for word."""

from __future__ import annotations

import re
from pathlib import Path

from desist.retention.registry import schedule_table

DOC = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "retention.md"


def test_the_schedule_page_is_the_registry() -> None:
    text = DOC.read_text()
    found = re.search(r"<!-- schedule:start -->\n(.*?)\n<!-- schedule:end -->", text, re.S)
    assert found, "the schedule markers are missing from docs/workflows/retention.md"
    assert found.group(1) == schedule_table(), (
        "docs/workflows/retention.md is out of date; paste this table between the markers:\n"
        + schedule_table()
    )
