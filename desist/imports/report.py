"""The error report: row number, the row's case reference, the field and the reason, one line
per problem, written through the project's one CSV writer (ADR 0027), so a cell from the file
that starts like a formula is neutralised."""

from __future__ import annotations

import io
from collections.abc import Iterable

from desist.core import safecsv
from desist.imports.rows import RowProblem
from desist.imports.sources import LABELS

HEADER = ("Row", "Case reference", "Field", "Reason")


def error_report(problems: Iterable[RowProblem]) -> str:
    out = io.StringIO()
    writer = safecsv.writer(out)
    writer.writerow(HEADER)
    for p in problems:
        writer.writerow([p.row, p.reference, LABELS.get(p.field, ""), p.reason])
    return out.getvalue()
