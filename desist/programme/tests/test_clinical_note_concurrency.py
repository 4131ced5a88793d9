"""Clinical notes carry the revision they were written over: of two people saving over the same
revision, the second is told "Someone else changed this record" and keeps their text."""

from __future__ import annotations

import html
from typing import Any

from django.test import Client
from django.urls import reverse

from desist.programme import actions
from desist.programme.models import ClinicalNote, Referral
from desist.programme.tests.conftest import book


def test_second_save_over_the_same_revision_keeps_its_text_and_is_refused(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    session = book(practitioner, active, 1)
    actions.clinical_note_save(actor=practitioner, session=session, text="Base", base_revision=0)
    url = reverse("programme:notes", args=[session.pk])
    other = Client()
    client.force_login(practitioner)
    other.force_login(clin)
    # Both open the form at revision 1.
    for c in (client, other):
        page = c.get(url).content.decode()
        assert 'name="base_revision" value="1"' in page
    first = client.post(url, {"text": "Practitioner's text", "base_revision": 1})
    assert first.status_code == 302
    second = other.post(url, {"text": "Supervisor's text", "base_revision": 1})
    page = html.unescape(second.content.decode())
    assert second.status_code == 200
    assert "Someone else changed this record while you were editing it" in page
    assert "govuk-error-summary" in page
    # Their text is still in the box; what was saved meanwhile is shown beside it.
    assert "\nSupervisor's text</textarea>" in page
    assert "Practitioner's text" in page and "Revision 2" in page
    # Who saved it, by name (once "by <bound method User.display_name ...>").
    assert f"Revision 2, by {practitioner.display_name()} on" in page
    assert "bound method" not in page
    assert [n.text for n in ClinicalNote.objects.filter(session=session)] == [
        "Practitioner's text",
        "Base",
    ]
    # The form now sits on revision 2: saving again is a deliberate replacement.
    assert 'name="base_revision" value="2"' in page
    third = other.post(url, {"text": "Supervisor's text", "base_revision": 2})
    assert third.status_code == 302
    assert ClinicalNote.objects.filter(session=session).first().text == "Supervisor's text"


def test_first_notes_are_written_over_revision_zero(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    session = book(practitioner, active, 1)
    url = reverse("programme:notes", args=[session.pk])
    client.force_login(practitioner)
    assert 'name="base_revision" value="0"' in client.get(url).content.decode()
    assert client.post(url, {"text": "First", "base_revision": 0}).status_code == 302
    other = Client()
    other.force_login(clin)
    page = html.unescape(
        other.post(url, {"text": "Also first", "base_revision": 0}).content.decode()
    )
    assert "Someone else changed this record" in page and "\nAlso first</textarea>" in page
    assert ClinicalNote.objects.filter(session=session).count() == 1
