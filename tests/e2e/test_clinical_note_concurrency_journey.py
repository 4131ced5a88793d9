"""Two people edit the same clinical notes in two browsers (issue 12, Medium 4).

The practitioner and the clinical supervisor both open the notes of a session at the same
revision. The practitioner saves first; the supervisor's save is refused with "Someone else
changed this record", their own text still in the box and the practitioner's text shown, and
nothing is lost: saving again adds the supervisor's text as the newest revision.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.pilot import put_forward

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(
    browser: Any, live_server: Any, assert_accessible: Callable[[Any], None]
) -> Iterator[Any]:
    """Another browser context (its own cookies): a second person at another desk."""
    # The conftest module as pytest loaded it (its page registry is the one axe checks use).
    e2e = sys.modules[assert_accessible.__module__]
    AXE_JS, AXE_URL_PATH = e2e.AXE_JS, e2e.AXE_URL_PATH  # noqa: N806
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    body = AXE_JS.read_bytes()
    context.route(
        f"{live_server.url}{AXE_URL_PATH}",
        lambda route: route.fulfill(status=200, body=body, content_type="application/javascript"),
    )
    pg = context.new_page()
    e2e._watch(pg)  # console, JS and CSP errors fail the test, as on the main page
    try:
        yield pg
        e2e.assert_no_page_problems(pg)
    finally:
        context.close()


def _session_with_notes() -> Any:
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.dates import bank_holiday
    from desist.programme import actions as services
    from desist.programme.models import Referral, ReferralStatus

    practitioner = User.objects.get(username="practitioner")
    referral = put_forward("Concurrency pilot", "Tamsin", "Orrell-Bex", dt.date(1979, 3, 4))
    programme = referral.programme
    # Straight to an active intervention (test data); the programme journey walks the workflow.
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACTIVE,
        practitioner=practitioner,
        started_on=timezone.localdate() - dt.timedelta(days=14),
        programme_version=programme.versions.order_by("-number").first(),
    )
    referral.refresh_from_db()
    when = timezone.now() - dt.timedelta(days=1)
    while bank_holiday(timezone.localdate(when)):  # refused on a bank holiday (issue 20)
        when -= dt.timedelta(days=1)
    session = services.session_schedule(
        actor=practitioner,
        referral=referral,
        starts_at=when,
        duration_minutes=60,
        remote=False,
        place="Harbour House, room 2",
    )
    services.clinical_note_save(
        actor=practitioner, session=session, text="Formulation begun.", base_revision=0
    )
    return session


def _save(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save notes", exact=True).click()


def test_second_save_is_refused_and_keeps_its_text(
    page: Any,
    second_page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.programme.models import ClinicalNote

    session = _session_with_notes()
    url = f"/programme/sessions/{session.pk}/notes/"
    login(page, "practitioner")
    login(second_page, "clinical.supervisor")
    for pg in (page, second_page):
        pg.goto(url)
        assert pg.locator("#id_text").input_value() == "Formulation begun."
        assert_accessible(pg)

    page.fill("#id_text", "PRACTITIONER-TEXT: formulation agreed.")
    _save(page)
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)

    second_page.fill("#id_text", "SUPERVISOR-TEXT: check the risk plan.")
    _save(second_page)
    summary = second_page.locator(".govuk-error-summary")
    assert "Someone else changed this record" in summary.inner_text()
    assert second_page.locator("#id_text").input_value() == "SUPERVISOR-TEXT: check the risk plan."
    assert "PRACTITIONER-TEXT: formulation agreed." in second_page.locator("main").inner_text()
    assert_accessible(second_page)
    assert [n.text for n in ClinicalNote.objects.filter(session=session)] == [
        "PRACTITIONER-TEXT: formulation agreed.",
        "Formulation begun.",
    ]

    # Having seen the other text, saving again is a deliberate choice; both are kept.
    _save(second_page)
    assert second_page.locator(".govuk-error-summary").count() == 0
    assert_accessible(second_page)
    assert [n.text for n in ClinicalNote.objects.filter(session=session)][:2] == [
        "SUPERVISOR-TEXT: check the risk plan.",
        "PRACTITIONER-TEXT: formulation agreed.",
    ]
