"""The protective marking that everything Desist shows or hands out carries (issue 18).

Desist holds police intelligence, clinical notes and victims' details: OFFICIAL-SENSITIVE under
the Government Security Classifications. One definition, used by the page banner (base.html,
through `context`), the printout (print styles keep the banner), the PDF reports (each page's
top and bottom margin) and the exports (the file name; a CSV's first line, written by
core.safecsv; an XLSX sheet's printed header, footer and properties); see
docs/adr/0030-protective-marking.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

MARKING = "OFFICIAL-SENSITIVE"


def marked_filename(stem: str, extension: str) -> str:
    """An export's file name, marking first: `OFFICIAL-SENSITIVE_desist-audit-20261206.csv`.
    The content carries it too (a CSV's first line, core.safecsv), for a renamed copy."""
    return f"{MARKING}_{stem}.{extension}"


def attachment(stem: str, extension: str) -> str:
    """The Content-Disposition of a marked download."""
    return f'attachment; filename="{marked_filename(stem, extension)}"'


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the marking, for the banner in base.html."""
    return {"protective_marking": MARKING}
