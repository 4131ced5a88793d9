"""One export writer: no module but desist/core/safecsv.py builds a csv writer or a workbook.

Every CSV and XLSX export neutralises formula cells only because it writes through
core.safecsv; a new export calling csv.writer or openpyxl directly would skip that
(tests/security/test_csv_exports.py plants a formula in each export the URL list has).
"""

from __future__ import annotations

import ast
from pathlib import Path

import desist

ROOT = Path(desist.__file__).parent
WRITER = ROOT / "core" / "safecsv.py"


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr)
            in {("csv", "writer"), ("csv", "DictWriter"), ("openpyxl", "Workbook")}
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            names = {a.name for a in node.names} & {"writer", "DictWriter"}
            found += [(node.lineno, f"from csv import {n}") for n in sorted(names)]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            found.append((node.lineno, f"from {node.module} import …"))
    return found


def test_no_module_outside_the_writer_writes_csv_or_xlsx() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or path == WRITER:
            continue
        for line, what in _offences(ast.parse(path.read_text())):
            offenders.append(f"{path.relative_to(ROOT)}:{line} {what}")
    assert offenders == []


def test_the_check_sees_each_way_in() -> None:
    """The walk above would catch each of these, and does catch the writer itself."""
    source = (
        "import csv, openpyxl\nfrom csv import writer\nfrom openpyxl import Workbook\n"
        "csv.writer(f)\ncsv.DictWriter(f, [])\nopenpyxl.Workbook()\n"
    )
    assert len(_offences(ast.parse(source))) == 5
    assert _offences(ast.parse(WRITER.read_text()))  # the one place that may
