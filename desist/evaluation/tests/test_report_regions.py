"""The report's scrolling tables are landmarks (role=region), so each needs a name of its own:
captions such as "Counts" repeat from section to section (axe: landmark-unique)."""

from __future__ import annotations

import re
from types import SimpleNamespace as NS

from django.template.loader import render_to_string


def _table(caption: str) -> NS:
    return NS(caption=caption, columns=["Group", "People"], rows=[["Programme", 12]])


def _block(**kw: object) -> NS:
    return NS(**({"warnings": [], "paragraphs": [], "charts": [], "tables": [], "parts": []} | kw))


def test_repeated_captions_make_regions_named_apart() -> None:
    part = _block(id="p", title="By force", tables=[_table("Counts")])
    report = NS(
        sections=[
            _block(id="a", title="Re-offending", tables=[_table("Counts")]),
            _block(id="b", title="Breaches", tables=[_table("Counts")], parts=[part]),
        ],
        methods=[],
        limitations=[],
    )
    html = render_to_string("evaluation/includes/report_body.html", {"report": report})
    names = re.findall(r'role="region" aria-label="([^"]*)"', html)
    assert len(names) == 3
    assert len(set(names)) == 3, names
    assert "Counts (Breaches: By force)" in names
