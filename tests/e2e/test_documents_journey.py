"""Documents in the browser (issue 18, ADR 0032): an officer attaches files to an order (an
empty submit and a PDF named .png are refused with GOV.UK messages), marks the map safe for the
provider after confirming it (a stale share form for the court order, shared and withdrawn by
a colleague meanwhile, is refused), and the practitioner finds and downloads the map on the
referral page while the police-only court order is neither listed nor downloadable (404).
Every page visited is checked with axe-core."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_provider_safe_terms import _referred_subject

pytestmark = pytest.mark.e2e


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 110, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _attach(page: Any, kind: str, title: str, name: str, data: bytes, mime: str) -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#id_title", title)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    _submit(page, "Attach the document")


def test_officer_shares_a_map_and_the_practitioner_downloads_only_that(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.documents.models import Document

    order, _victim, referral = _referred_subject()
    png = _png()

    login(page, "police.sussex")
    page.goto(f"/orders/{order.pk}/")
    assert page.locator("#documents").count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Attach a document", exact=True).click()
    assert page.locator("h1").inner_text() == "Attach a document"
    assert_accessible(page)

    # Nothing chosen: every question says what is missing.
    _submit(page, "Attach the document")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Select a file" in summary and "Enter a description of the document" in summary
    assert page.locator("#id_file.govuk-file-upload--error").count() == 1
    assert_accessible(page)

    # A PDF named as a picture is refused: the content decides, not the name.
    _attach(page, "map", "Exclusion zone", "zone.png", PDF, "image/png")
    assert "The selected file is a PDF, so its name must end in .pdf" in (
        page.locator(".govuk-error-summary").inner_text()
    )
    assert not Document.objects.exists()
    assert_accessible(page)

    _attach(page, "map", "Exclusion zone", "zone.png", png, "image/png")
    assert "Document attached" in page.locator(".govuk-notification-banner").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Attach a document", exact=True).click()
    _attach(page, "court_order", "Sealed order", "sealed.pdf", PDF, "application/pdf")
    court_order = Document.objects.get(kind="court_order")
    the_map = Document.objects.get(kind="map")
    assert page.locator("#documents ~ .govuk-table").inner_text().count("Police only") == 2
    assert_accessible(page)

    # Mark the map provider-safe: the confirmation is required.
    with page.expect_navigation():
        page.locator(f"a[href='/documents/{the_map.pk}/provider-safe/']").click()
    assert page.locator("h1").inner_text() == "Let the provider read this document"
    assert_accessible(page)
    _submit(page, "Let the provider read it")
    assert "Confirm that you have checked" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.check("#id_confirmed")
    _submit(page, "Let the provider read it")
    assert "The provider can now read this document" in (
        page.locator(".govuk-notification-banner").inner_text()
    )
    assert "Provider can read" in page.locator("#documents ~ .govuk-table").inner_text()
    assert_accessible(page)

    # A stale form: the officer opens the court order's share form; meanwhile a colleague
    # shares it and stops sharing it. The officer's submit is refused, not a silent re-share.
    from desist.accounts.models import User
    from desist.documents import services

    with page.expect_navigation():
        page.locator(f"a[href='/documents/{court_order.pk}/provider-safe/']").click()
    colleague = User.objects.get(username="police.supervisor")
    services.document_mark_provider_safe(actor=colleague, document=court_order, confirmed=True)
    services.document_unmark_provider_safe(actor=colleague, document=court_order)
    page.check("#id_confirmed")
    _submit(page, "Let the provider read it")
    assert "This document's sharing was changed by someone else" in (
        page.locator(".govuk-error-summary").inner_text()
    )
    assert not page.locator("#id_confirmed").is_checked()
    court_order.refresh_from_db()
    assert not court_order.provider_safe
    assert_accessible(page)

    # The practitioner finds the map on the referral page, never the court order.
    page.context.clear_cookies()
    login(page, "practitioner")
    page.goto(f"/programme/{referral.pk}/")
    documents = page.locator("#documents ~ .govuk-table").inner_text()
    assert "Map" in documents and "Court order" not in documents
    assert page.locator(f"a[href='/documents/{court_order.pk}/download/']").count() == 0
    assert "Exclusion zone" not in documents  # the police description stays with the police
    assert_accessible(page)
    with page.expect_download() as info:
        page.locator(f"a[href='/documents/{the_map.pk}/download/']").click()
    download = info.value
    assert download.suggested_filename == f"OFFICIAL-SENSITIVE_desist-document-{the_map.pk}.png"
    assert Path(download.path()).read_bytes() == png
    # Asked for directly, the police-only document does not exist for the provider.
    response = page.request.get(f"/documents/{court_order.pk}/download/")
    assert response.status == 404
