"""Documents (issue 18, ADR 0032): checked by content, encrypted at rest, read per policy."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.crypto import encrypt_bytes
from desist.core.pdf import html_to_pdf
from desist.core.roles import RoleCode
from desist.documents import content, selectors, services, store
from desist.documents.models import ContentCheck, Document
from desist.documents.tests.conftest import (
    EXE,
    MARKER,
    World,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)
from desist.orders.tests.helpers import VICTIM_NAME
from desist.sharing.redaction import RedactionBlocked

pytestmark = pytest.mark.django_db


def attach(world: World, record: Any, data: bytes | None = None, *, actor: Any = None) -> Document:
    data = data or pdf_bytes()
    name = "map.png" if data.startswith(b"\x89PNG") else "order.pdf"
    inspected, message = content.inspect(upload(name, data))
    assert inspected is not None, message
    return services.document_upload(
        actor=actor or world.officer,
        record=record,
        kind="court_order",
        title="Sealed order",
        file=inspected,
    )


def post_upload(client: Any, world: World, name: str, data: bytes) -> Any:
    client.force_login(world.officer)
    url = reverse("documents:upload", args=["order", world.order.pk])
    return client.post(url, {"kind": "map", "title": "Exclusion zone", "file": upload(name, data)})


# --- checked by content, not by name -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("map.png", pdf_bytes(), "The selected file is a PDF, so its name must end in .pdf"),
        ("order.pdf", EXE, "The selected file must be a PDF, PNG or JPEG"),
        (
            "notes.pdf",
            b"Plain text pretending to be a PDF",
            "The selected file must be a PDF, PNG or JPEG",
        ),
        ("photo.jpg", png_bytes(), "The selected file is a PNG, so its name must end in .png"),
    ],
)
def test_a_lying_name_or_a_type_not_allowed_is_refused(
    client: Any, world: World, name: str, data: bytes, message: str
) -> None:
    response = post_upload(client, world, name, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "govuk-error-summary" in page and "govuk-file-upload--error" in page
    assert not Document.objects.exists()


def test_no_file_and_too_large_files_are_refused(client: Any, world: World, settings: Any) -> None:
    client.force_login(world.officer)
    url = reverse("documents:upload", args=["order", world.order.pk])
    response = client.post(url, {"kind": "map", "title": "Exclusion zone"})
    assert "Select a file" in response.content.decode()
    settings.DESIST_DOCUMENT_MAX_MB = 1
    big = pdf_bytes() + b"%" + b"x" * (1024 * 1024)
    response = post_upload(client, world, "big.pdf", big)
    assert "The selected file must be smaller than 1MB" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("order.pdf", pdf_bytes(), "application/pdf"),
        ("map.png", png_bytes(), "image/png"),
        ("photo.jpeg", jpeg_bytes(), "image/jpeg"),
        ("unnamed", jpeg_bytes(), "image/jpeg"),
    ],
)
def test_allowed_types_are_attached(
    client: Any, world: World, name: str, data: bytes, kind: str
) -> None:
    response = post_upload(client, world, name, data)
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.content_type, document.size, document.order_id) == (
        kind,
        len(data),
        world.order.pk,
    )
    event = AuditEvent.objects.get(verb="document.upload")
    assert event.category == "collection"
    assert event.new_values["record"] == f"orders.Order:{world.order.pk}"
    assert "Exclusion zone" not in str(event.new_values)  # free text stays out of the audit


# --- encrypted at rest -------------------------------------------------------------------------


def test_the_storage_holds_no_plaintext(world: World) -> None:
    document = attach(world, world.order)
    with store.backend().open(document.stored_name, "rb") as stored:
        raw = stored.read()
    assert MARKER not in raw and b"%PDF" not in raw
    assert store.get(document.stored_name) == pdf_bytes()
    # The name the storage keeps says nothing about the document either.
    assert "order" not in document.stored_name and "pdf" not in document.stored_name


def test_a_changed_stored_file_is_not_served(world: World) -> None:
    document = attach(world, world.order)
    store.remove(document.stored_name)
    swapped = ContentFile(encrypt_bytes(pdf_bytes(b"another file")))
    assert store.backend().save(document.stored_name, swapped) == document.stored_name
    with pytest.raises(RuntimeError, match="does not match"):
        services.document_download(actor=world.officer, document=document)


# --- who reads what ----------------------------------------------------------------------------


def test_provider_gets_404_for_a_police_only_document(client: Any, world: World) -> None:
    document = attach(world, world.order)
    client.force_login(world.practitioner)
    url = reverse("documents:download", args=[document.pk])
    assert client.get(url).status_code == 404
    # And the referral page does not list it.
    page = client.get(reverse("programme:referral", args=[world.referral.pk])).content.decode()
    assert url not in page


def test_marked_provider_safe_the_provider_downloads_it(client: Any, world: World) -> None:
    document = attach(world, world.order)
    services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    url = reverse("documents:download", args=[document.pk])
    client.force_login(world.practitioner)
    page = client.get(reverse("programme:referral", args=[world.referral.pk])).content.decode()
    assert url in page
    assert "Sealed order" not in page  # the police description stays with the police
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="OFFICIAL-SENSITIVE_desist-document-{document.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.filter(verb="document.download").get()
    assert (event.category, event.actor_id) == ("disclosure", world.practitioner.pk)
    assert event.recipients == [world.practitioner.organisation.name]
    # A provider the subject was never referred to sees nothing.
    client.force_login(world.other_provider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "practitioner", "advocate"])
def test_police_case_documents_stay_with_the_force(client: Any, world: World, who: str) -> None:
    document = attach(world, world.case)
    client.force_login(getattr(world, who))
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


@pytest.mark.parametrize("who", ["officer", "practitioner", "clinical_supervisor"])
def test_advocacy_documents_never_leave_the_service(client: Any, world: World, who: str) -> None:
    document = attach(world, world.advocacy_case, actor=world.advocate)
    client.force_login(getattr(world, who))
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    client.force_login(world.advocate)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(verb="document.download").get()
    assert event.category == "consultation"


def test_advocacy_and_case_documents_cannot_be_marked_provider_safe(world: World) -> None:
    on_case = attach(world, world.case)
    with pytest.raises(PermissionDenied):
        services.document_mark_provider_safe(actor=world.officer, document=on_case, confirmed=True)
    on_advocacy = attach(world, world.advocacy_case, actor=world.advocate)
    with pytest.raises(PermissionDenied):
        services.document_mark_provider_safe(
            actor=world.advocate, document=on_advocacy, confirmed=True
        )


def test_provider_and_other_force_cannot_attach(client: Any, world: World) -> None:
    for who, expected in (("practitioner", 403), ("outsider", 404), ("advocate", 404)):
        client.force_login(getattr(world, who))
        url = reverse("documents:upload", args=["order", world.order.pk])
        assert client.get(url).status_code == expected, who
    client.force_login(world.officer)
    assert client.get(
        reverse("documents:upload", args=["advocacy", world.advocacy_case.pk])
    ).status_code in (403, 404)


# --- marking provider-safe ---------------------------------------------------------------------


def test_marking_needs_the_officers_confirmation(client: Any, world: World) -> None:
    document = attach(world, world.order)
    client.force_login(world.officer)
    url = reverse("documents:provider_safe", args=[document.pk])
    response = client.post(url, {"version": document.version})
    assert html.escape(services.CONFIRM_MESSAGE) in response.content.decode()
    document.refresh_from_db()
    assert not document.provider_safe
    response = client.post(url, {"confirmed": "on", "version": document.version})
    assert response.status_code == 302
    document.refresh_from_db()
    # The PDF's text was read and checked (it names no victim), then confirmed.
    assert document.provider_safe
    assert document.content_check == ContentCheck.TEXT_CHECKED_AND_CONFIRMED
    event = AuditEvent.objects.get(verb="document.mark_provider_safe")
    assert event.category == "alteration" and event.new_values["provider_safe"] is True
    client.post(reverse("documents:provider_safe_withdraw", args=[document.pk]))
    document.refresh_from_db()
    assert not document.provider_safe
    assert AuditEvent.objects.filter(verb="document.unmark_provider_safe").count() == 1


def test_readable_text_naming_the_victim_blocks_marking(client: Any, world: World) -> None:
    document = attach(world, world.order, png_bytes(f"Home of {VICTIM_NAME[0]} {VICTIM_NAME[1]}"))
    client.force_login(world.officer)
    response = client.post(
        reverse("documents:provider_safe", args=[document.pk]),
        {"confirmed": "on", "version": document.version},
    )
    assert html.escape(services.IDENTIFIER_MESSAGE) in response.content.decode()
    document.refresh_from_db()
    assert not document.provider_safe
    blocked = AuditEvent.objects.get(verb="redaction.blocked")
    assert blocked.new_values["where"] == "document.provider_safe"
    with pytest.raises(RedactionBlocked):
        services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)


@pytest.mark.parametrize(
    "shown",
    [
        b"Exclusion zone around BN3 7QZ",
        b"Exclusion zone around BN3) Tj (7QZ",  # split across two text operators
        b"Zone: BN3 7QZ \\(rear entrance\\)",
    ],
)
def test_a_pdf_naming_a_victims_postcode_is_refused(
    client: Any, world: World, shown: bytes
) -> None:
    """The text of a PDF is read and checked by the redaction guard before the provider may
    read it: the victim's postcode (synthetic: the world's victim) is refused, on the page
    with a GOV.UK error saying the file contains a victim's details, and audited."""
    document = attach(world, world.order, pdf_bytes(shown))
    client.force_login(world.officer)
    response = client.post(
        reverse("documents:provider_safe", args=[document.pk]),
        {"confirmed": "on", "version": document.version},
    )
    page = response.content.decode()
    assert "govuk-error-summary" in page and html.escape(services.IDENTIFIER_MESSAGE) in page
    document.refresh_from_db()
    assert not document.provider_safe
    blocked = AuditEvent.objects.get(verb="redaction.blocked")
    assert blocked.new_values["where"] == "document.provider_safe"
    assert "BN3" not in str(blocked.new_values)  # the audit row names the kind, never the value


def test_a_typeset_pdf_naming_the_victim_is_refused(world: World) -> None:
    """A PDF typeset with embedded (composite) fonts, as word processors and WeasyPrint write
    them, is read through its font maps: the victim's name in a letter is found, not missed.
    The first, hand-made reader saw only glyph numbers here and recorded such a file as
    confirmed without a check."""
    letter = f"<p>Statement taken from {VICTIM_NAME[0]} {VICTIM_NAME[1]} about the zone.</p>"
    document = attach(world, world.order, html_to_pdf(letter))
    assert VICTIM_NAME[1] in content.pdf_text(store.get(document.stored_name))
    with pytest.raises(RedactionBlocked):
        services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    document.refresh_from_db()
    assert not document.provider_safe


def test_an_unreadable_pdf_yields_no_text_and_no_error() -> None:
    assert content.pdf_text(b"%PDF-1.7\n" + b"\x00garbage" * 50) == ""


def test_a_file_with_no_readable_text_is_recorded_as_confirmed_only(world: World) -> None:
    document = attach(world, world.order, png_bytes())  # a picture: no text in it
    services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    document.refresh_from_db()
    assert document.content_check == ContentCheck.CONFIRMED


def test_clean_readable_text_is_recorded_as_checked(world: World) -> None:
    document = attach(world, world.order, png_bytes("Exclusion zone, 500 metres"))
    services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    document.refresh_from_db()
    assert document.content_check == ContentCheck.TEXT_CHECKED_AND_CONFIRMED


def test_lists_follow_the_scope(world: World) -> None:
    police_only = attach(world, world.order)
    shared = attach(world, world.order)
    on_referral = attach(world, world.referral)
    services.document_mark_provider_safe(actor=world.officer, document=shared, confirmed=True)
    services.document_mark_provider_safe(actor=world.officer, document=on_referral, confirmed=True)
    seen = selectors.document_list_for_referral(actor=world.practitioner, referral=world.referral)
    assert {d.pk for d in seen} == {shared.pk, on_referral.pk}
    police = selectors.document_list_for(actor=world.officer, record=world.order)
    assert {d.pk for d in police} == {police_only.pk, shared.pk}
    assert selectors.document_list_for(actor=world.outsider, record=world.order) == []


# --- two officers at once (tester finding, issue 18): one change, one audit row ----------------

STALE = "This document&#x27;s sharing was changed by someone else. Check it and try again"


def _officer_client(user: Any) -> Client:
    other = Client()
    other.force_login(user)
    return other


def _form_version(response: Any) -> str:
    """The version the share form carries: what the officer saw."""
    found = re.search(r'name="version" value="(\d+)"', response.content.decode())
    assert found, "the share form carries no version"
    return found.group(1)


def _shares(verb: str = "document.mark_provider_safe") -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def test_two_officers_sharing_at_once_make_one_change(world: World) -> None:
    document = attach(world, world.order)
    url = reverse("documents:provider_safe", args=[document.pk])
    a, b = _officer_client(world.officer), _officer_client(world.supervisor)
    seen_a, seen_b = _form_version(a.get(url)), _form_version(b.get(url))
    first = b.post(url, {"confirmed": "on", "version": seen_b}, follow=True)
    assert "The provider can now read this document" in first.content.decode()
    second = a.post(url, {"confirmed": "on", "version": seen_a}, follow=True)
    page = second.content.decode()
    assert "The provider could already read this document. Nothing was changed" in page
    assert "The provider can now read this document" not in page
    assert _shares() == 1
    document.refresh_from_db()
    assert document.provider_safe and document.provider_safe_by_id == world.supervisor.pk


def test_a_stale_share_form_is_refused_after_sharing_was_stopped(world: World) -> None:
    document = attach(world, world.order)
    url = reverse("documents:provider_safe", args=[document.pk])
    withdraw = reverse("documents:provider_safe_withdraw", args=[document.pk])
    a, b = _officer_client(world.officer), _officer_client(world.supervisor)
    seen_a = _form_version(a.get(url))
    b.post(url, {"confirmed": "on", "version": _form_version(b.get(url))})
    b.post(withdraw)
    response = a.post(url, {"confirmed": "on", "version": seen_a})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and STALE in page
    assert 'value="on" checked' not in page  # to be checked afresh
    document.refresh_from_db()
    assert not document.provider_safe
    assert _shares() == 1
    # Checked again, from the form as it is now, it goes.
    again = a.post(url, {"confirmed": "on", "version": _form_version(response)})
    assert again.status_code == 302
    document.refresh_from_db()
    assert document.provider_safe and document.provider_safe_by_id == world.officer.pk
    assert _shares() == 2


def test_stopping_twice_writes_one_change_and_says_so(world: World) -> None:
    document = attach(world, world.order)
    services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    withdraw = reverse("documents:provider_safe_withdraw", args=[document.pk])
    a, b = _officer_client(world.officer), _officer_client(world.supervisor)
    assert "The provider can no longer read this document" in (
        b.post(withdraw, follow=True).content.decode()
    )
    page = a.post(withdraw, follow=True).content.decode()
    assert "Sharing had already stopped" in page
    assert _shares("document.unmark_provider_safe") == 1


def test_the_share_command_refuses_a_stale_version(world: World) -> None:
    document = attach(world, world.order)
    seen = document.version
    services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    services.document_unmark_provider_safe(actor=world.supervisor, document=document)
    stale = Document.objects.get(pk=document.pk)
    with pytest.raises(ValidationError, match="changed by someone else"):
        services.document_mark_provider_safe(
            actor=world.officer, document=stale, confirmed=True, version=seen
        )
    assert not Document.objects.get(pk=document.pk).provider_safe


def test_a_description_over_the_limit_is_refused(client: Any, world: World) -> None:
    client.force_login(world.officer)
    url = reverse("documents:upload", args=["order", world.order.pk])
    data = {"kind": "map", "title": "W" * (services.TITLE_MAX + 1)}
    response = client.post(url, {**data, "file": upload("zone.png", png_bytes())})
    page = response.content.decode()
    assert "The description must be 200 characters or fewer" in page
    assert not Document.objects.exists()
    with pytest.raises(ValidationError, match="200 characters or fewer"):
        inspected, _ = content.inspect(upload("zone.png", png_bytes()))
        assert inspected is not None
        services.document_upload(
            actor=world.officer, record=world.order, kind="map", title=data["title"], file=inspected
        )


# --- what a refusal says (tester finding, issue 18) --------------------------------------------


def test_sharing_a_case_document_says_why_not(client: Any, world: World) -> None:
    document = attach(world, world.case)
    client.force_login(world.officer)
    url = reverse("documents:provider_safe", args=[document.pk])
    for response in (client.get(url), client.post(url, {"confirmed": "on", "version": 1})):
        assert response.status_code == 403
        page = response.content.decode()
        assert "Only documents on an order or a referral can be shared" in page
        assert "You do not have access to this page" not in page
    document.refresh_from_db()
    assert not document.provider_safe
    # And the case page never offers it.
    case_page = client.get(reverse("cases:detail", args=[world.case.pk])).content.decode()
    assert reverse("documents:download", args=[document.pk]) in case_page
    assert url not in case_page


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("practitioner", "documents:provider_safe"),
        ("advocate", "documents:provider_safe"),
        ("outsider", "documents:provider_safe"),
        ("practitioner", "documents:download"),
        ("outsider", "documents:download"),
        ("evaluator", "documents:download"),
    ],
)
def test_a_refusal_is_the_same_for_a_document_that_does_not_exist(
    client: Any, world: World, users: Any, who: str, name: str
) -> None:
    """The workflow page's promise: the answer does not say whether the document exists.
    A role that may never do this gets 403 before any lookup; one that may, 404."""
    document = attach(world, world.order)
    actor = users[RoleCode.OVERSEER] if who == "evaluator" else getattr(world, who)
    client.force_login(actor)
    existing = client.get(reverse(name, args=[document.pk])).status_code
    missing = client.get(reverse(name, args=[document.pk + 1000])).status_code
    assert existing == missing
    assert existing in (403, 404)
