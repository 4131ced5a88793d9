"""Session warnings in a real browser (issue 16, deliverable 6).

The idle timeout is cut to seconds for the live server. A practitioner sees the timeout
warning (focus in the dialog, axe clean with it open), stays signed in by button and by
Escape; then leaves a clinical note half-written until the session times out, signs in
again, restores the draft, and finds it gone once saved; a new draft is gone after signing out.
An advocate's typing of a victim's contact details keeps nothing in the browser; a contact log
entry keeps only its summary and actions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_clinical_note_concurrency_journey import _session_with_notes

pytestmark = pytest.mark.e2e

IDLE_MINUTES = 0.25  # 15 seconds
WARNING_SECONDS = 12
DIALOG = "#desist-timeout-dialog"
COLLEAGUE_TEXT = "Saved by a colleague while the practitioner was signed out."
DRAFT_TEXT = "HALF-WRITTEN: agreed to try the urge-surfing exercise before"

STORED_DRAFTS = """() => Object.keys(sessionStorage)
    .filter(k => k.startsWith('desist-draft:'))
    .map(k => JSON.parse(sessionStorage.getItem(k)))"""


def _focus_in_dialog(page: Any) -> str:
    return str(
        page.evaluate(
            f"""() => document.activeElement.closest('{DIALOG}')
                ? document.activeElement.textContent.trim() : ''"""
        )
    )


def _sign_in_here(page: Any, username: str) -> None:
    """Sign in on the sign-in page we were sent to, keeping its ?next=."""
    from django.conf import settings

    page.fill("input[name=username]", username)
    page.fill("input[name=password]", settings.DESIST_DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _warning_then_stay(page: Any, assert_accessible: Callable[[Any], None]) -> None:
    dialog = page.locator(DIALOG)
    dialog.wait_for(state="visible", timeout=10_000)
    assert _focus_in_dialog(page) == "Stay signed in"
    assert page.get_by_role("dialog", name="You are about to be signed out").is_visible()
    assert "we will sign you out in" in page.locator("#desist-timeout-message").inner_text()
    assert_accessible(page)
    # Tab stays inside the dialog.
    page.keyboard.press("Tab")
    assert _focus_in_dialog(page) == "Sign out"
    page.keyboard.press("Tab")
    assert _focus_in_dialog(page) == "Stay signed in"
    page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")


def test_timeout_warning_and_draft_kept_over_the_sign_out(
    page: Any,
    seeded: dict[str, int],
    settings: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.programme.models import ClinicalNote

    settings.DESIST_IDLE_TIMEOUT_MINUTES = IDLE_MINUTES
    settings.DESIST_IDLE_WARNING_SECONDS = WARNING_SECONDS
    session = _session_with_notes()
    notes_url = f"/programme/sessions/{session.pk}/notes/"
    login(page, "practitioner")
    page.goto(notes_url)
    loaded = time.monotonic()

    # The warning; "Stay signed in" keeps the session past its first deadline.
    _warning_then_stay(page, assert_accessible)
    page.wait_for_timeout(max(0.0, 16 - (time.monotonic() - loaded)) * 1000)
    assert page.url.endswith(notes_url)
    # Escape also means "stay signed in".
    page.locator(DIALOG).wait_for(state="visible", timeout=10_000)
    page.keyboard.press("Escape")
    page.locator(DIALOG).wait_for(state="hidden")
    assert page.url.endswith(notes_url)

    # A note half-written, then nothing until the session times out.
    page.fill("#id_text", DRAFT_TEXT)
    drafts = page.evaluate(STORED_DRAFTS)
    assert [d["values"] for d in drafts] == [{"text": DRAFT_TEXT}]  # only the note's text
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=30_000)
    # Meanwhile a colleague saves a newer revision.
    read = ClinicalNote.objects.filter(session=session).order_by("-revision").first()
    ClinicalNote.objects.create(
        session=session,
        revision=read.revision + 1,
        text=COLLEAGUE_TEXT,
        written_by=User.objects.exclude(username="practitioner").first(),
    )
    assert "You were signed out because you had not done anything" in page.inner_text("main")
    assert_accessible(page)

    # Signed in again (the timeout back to normal), the draft is offered and restored.
    settings.DESIST_IDLE_TIMEOUT_MINUTES = 30
    settings.DESIST_IDLE_WARNING_SECONDS = 120
    _sign_in_here(page, "practitioner")
    assert page.url.endswith(notes_url)
    assert page.locator("#id_text").input_value() == COLLEAGUE_TEXT
    banner = page.get_by_role("region", name="Important").filter(has_text="unsent draft")
    assert "You have an unsent draft from" in banner.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Restore it").click()
    assert page.locator("#id_text").input_value() == DRAFT_TEXT
    assert banner.count() == 0

    # The draft was written on the older revision: saving it meets the colleague's save first.
    with page.expect_navigation():
        page.get_by_role("button", name="Save notes", exact=True).click()
    assert "Someone else changed this record" in page.inner_text(".govuk-error-summary")
    assert ClinicalNote.objects.filter(session=session).first().text == COLLEAGUE_TEXT
    assert page.locator("#id_text").input_value() == DRAFT_TEXT
    assert_accessible(page)

    # Saved deliberately over it: the draft is gone.
    with page.expect_navigation():
        page.get_by_role("button", name="Save notes", exact=True).click()
    assert ClinicalNote.objects.filter(session=session).first().text == DRAFT_TEXT
    assert page.evaluate(STORED_DRAFTS) == []
    assert_accessible(page)

    # A new draft, then a deliberate sign-out: nothing is left in the browser.
    page.goto(notes_url)
    page.fill("#id_text", "ANOTHER DRAFT")
    assert len(page.evaluate(STORED_DRAFTS)) == 1
    with page.expect_navigation():
        page.locator(".desist-identity").get_by_role("button", name="Sign out").click()
    assert "/accounts/login/" in page.url
    assert page.evaluate(STORED_DRAFTS) == []
    assert_accessible(page)


def test_victim_details_never_reach_the_browser_storage(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """An advocate types a victim's contact details (no draft kept), then a contact log entry:
    only its summary and actions are kept, not the way of contact or anything else."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.safeguarding.models import AdvocacyCase
    from tests.e2e.test_contact_preferences_journey import _sussex_victim

    victim = _sussex_victim(safe_channels=["phone"])
    advocate = User.objects.get(username="advocate")
    case = AdvocacyCase.objects.create(
        victim=victim,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )
    login(page, "advocate")
    page.goto(f"/safeguarding/victims/{victim.pk}/edit/")
    assert page.locator("form[data-desist-draft]").count() == 0
    page.fill("#id_first_names", "Morgana")
    page.fill("#id_address", "14 Quarry Lane, Lewes")
    page.fill("#id_phone", "01632 960 123")
    assert page.evaluate(STORED_DRAFTS) == []
    assert_accessible(page)

    page.goto(f"/safeguarding/advocacy/{case.pk}/contacts/new/")
    page.check("input[name=kind][value=contact]")
    page.select_option("#id_channel", "letter")
    page.fill("#id_override_reason", "She asked for it in writing.")
    page.fill("#id_summary", "Talked through the safety plan; she will call back on Friday.")
    drafts = page.evaluate(STORED_DRAFTS)
    assert [sorted(d["values"]) for d in drafts] == [["actions", "summary"]]
    assert "Quarry Lane" not in str(drafts) and "01632" not in str(drafts)
    assert_accessible(page)
