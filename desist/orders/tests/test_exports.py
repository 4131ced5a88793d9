"""Exports of the register: content, audited as disclosures, no victim identity, own force only."""

from __future__ import annotations

import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from desist.audit.models import AuditEvent, Category
from desist.core.tests.exporting import csv_dicts, download
from desist.orders.exports import HEADER
from desist.orders.tests.helpers import (
    VICTIM_NAME,
    add_term,
    ago,
    ahead,
    applied,
    breach,
    full,
    interim,
    make_case,
    make_subject,
    make_victim,
)


def _csv(client: Any) -> list[dict[str, str]]:
    response = download(client, reverse("orders:export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="OFFICIAL-SENSITIVE_desist-spo-register-'
    )
    return csv_dicts(response.content.decode())


def test_csv_content_and_no_victim_identity(
    client: Any, officer: Any, subject: Any, victim: Any, force: Any
) -> None:
    order = interim(officer, subject, made=ago(50), expires=ahead(30), served=ago(49))
    term = add_term(officer, order, victim, area="Wisteria Crescent, Hove")
    breach(officer, order, term, ago(3))
    breach(officer, order, term, ago(2))
    other = full(officer, make_subject(force), made=ago(30))
    client.force_login(officer)
    rows = _csv(client)
    assert [r["Reference"] for r in rows] == sorted([order.reference, other.reference])
    row = next(r for r in rows if r["Reference"] == order.reference)
    assert row["Status"] == "Interim order"
    assert row["Subject"] == subject.full_name
    assert row["Interim order made"] == ago(50).isoformat()
    assert row["Interim order served"] == ago(49).isoformat()
    assert row["Notifications overdue"] == "1" and row["Notifications due"] == "0"
    assert row["Terms"] == "1" and row["Breaches"] == "2"
    assert row["Last breach"] == ago(2).isoformat()
    assert row["Protected persons"] == f"V{victim.pk:06d}"
    text = download(client, reverse("orders:export_csv")).content.decode()
    for secret in (*VICTIM_NAME, "Wisteria", "BN3 7QZ", "Must not contact"):
        assert secret not in text


def test_export_is_an_audited_disclosure(client: Any, officer: Any, subject: Any) -> None:
    applied(officer, subject)
    applied(officer, subject)
    client.force_login(officer)
    _csv(client)
    download(client, reverse("orders:export_xlsx"))
    events = list(AuditEvent.objects.filter(verb="order.export").order_by("id"))
    assert len(events) == 2
    for event, fmt in zip(events, ("csv", "xlsx"), strict=True):
        assert event.category == Category.DISCLOSURE
        assert event.recipients == [officer.username]
        assert event.new_values == {
            "format": fmt,
            "filters": {},
            "rows": 2,
            "force": officer.organisation_id,
            "purpose": "casework",  # the first an officer is offered
            "purpose_reason": "",
        }
        assert event.justification == "SPO register export"


def test_xlsx_content(client: Any, officer: Any, subject: Any, victim: Any) -> None:
    order = full(officer, subject, made=ago(30))
    add_term(officer, order, victim)
    client.force_login(officer)
    response = download(client, reverse("orders:export_xlsx"))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book["SPO register"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == order.reference and rows[1][1] == "Full order"
    flat = " ".join(str(c) for row in rows for c in row if c is not None)
    for secret in VICTIM_NAME:
        assert secret not in flat
    assert f"V{victim.pk:06d}" in flat


def test_formula_cells_are_neutralised(client: Any, officer: Any, force: Any) -> None:
    subject = make_subject(force, first_names="=HYPERLINK(1)", last_name="x")
    applied(officer, subject)
    client.force_login(officer)
    rows = _csv(client)
    assert rows[0]["Subject"].startswith("'=")
    book = load_workbook(io.BytesIO(download(client, reverse("orders:export_xlsx")).content))
    cells = [c.value for row in book["SPO register"].iter_rows() for c in row]
    assert any(str(v).startswith("'=HYPERLINK") for v in cells)
    assert not any(str(v).startswith("=") for v in cells)


def test_export_query_count_is_fixed(client: Any, officer: Any, force: Any) -> None:
    client.force_login(officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert download(client, reverse("orders:export_csv")).status_code == 200
        return len(ctx.captured_queries)

    full(officer, make_subject(force), made=ago(30))
    queries()  # the first request after signing in stamps the session (at most once a minute)
    few = queries()
    for _ in range(6):
        order = interim(
            officer, make_subject(force), made=ago(20), expires=ahead(9), served=ago(19)
        )
        add_term(officer, order, make_victim(make_case(order.subject)))
    assert queries() == few


def test_other_force_export_is_empty_and_audited(
    client: Any, officer: Any, outsider: Any, subject: Any
) -> None:
    order = applied(officer, subject)
    client.force_login(outsider)
    assert _csv(client) == []
    response = download(client, reverse("orders:export_xlsx"))
    assert order.reference.encode() not in response.content
    event = AuditEvent.objects.filter(verb="order.export").latest("id")
    assert event.new_values["rows"] == 0 and event.recipients == [outsider.username]


def test_export_honours_the_active_filter(client: Any, officer: Any, force: Any) -> None:
    """Issue 19: the register's download links carry the filter on screen, the file holds only
    the rows shown, and the export's audit row names the filter."""
    made = full(officer, make_subject(force), made=ago(30))
    applied(officer, make_subject(force))
    client.force_login(officer)
    page = client.get(reverse("orders:list"), {"status": "full", "page": "1"}).content.decode()
    assert f'href="{reverse("orders:export_csv")}?status=full"' in page
    assert f'href="{reverse("orders:export_xlsx")}?status=full"' in page
    rows = csv_dicts(download(client, reverse("orders:export_csv"), {"status": "full"}))
    assert [r["Reference"] for r in rows] == [made.reference]
    book = load_workbook(
        io.BytesIO(download(client, reverse("orders:export_xlsx"), {"status": "full"}).content)
    )
    assert book.active.max_row == 2  # the header and the one full order
    events = list(AuditEvent.objects.filter(verb="order.export").order_by("id"))
    assert [e.new_values["filters"] for e in events] == [{"Status": "Full order"}] * 2
    assert [e.new_values["rows"] for e in events] == [1, 1]


def test_export_honours_a_home_queue(client: Any, officer: Any, force: Any) -> None:
    waiting = applied(officer, make_subject(force))
    full(officer, make_subject(force), made=ago(30))
    client.force_login(officer)
    page = client.get(reverse("orders:list"), {"queue": "applications"}).content.decode()
    assert f'href="{reverse("orders:export_csv")}?queue=applications"' in page
    text = download(
        client, reverse("orders:export_csv"), {"queue": "applications"}
    ).content.decode()
    assert [r["Reference"] for r in csv_dicts(text)] == [waiting.reference]
    event = AuditEvent.objects.filter(verb="order.export").latest("id")
    assert event.new_values["filters"] == {"Showing": "Applications awaiting a hearing"}
    # An unknown filter value is ignored, as on the list page: the whole register.
    text = download(client, reverse("orders:export_csv"), {"status": "nonsense"}).content.decode()
    assert len(csv_dicts(text)) == 2
    assert AuditEvent.objects.filter(verb="order.export").latest("id").new_values["filters"] == {}
