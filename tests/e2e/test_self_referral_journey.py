"""A victim's self-referral is never dropped (issue 11), in the browser.

A victim fills in the public form quickly, as browser autofill does. The spam checks doubt it,
so it is held, not discarded, and the page says it was sent, which is true. The advocacy manager
signs in, finds it in "Self-referrals to check before triage" on their home page, and accepts
it into triage. Every page is checked with axe-core and for console, JS and CSP errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_self_referral_sent_quickly_reaches_the_manager(
    page: Any,
    seeded: dict[str, int],
    settings: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.safeguarding.models import AdvocacyCase

    # However fast the browser is, this counts as "sent within seconds of opening the form".
    settings.DESIST_SELF_REFERRAL_MIN_SECONDS = 3600
    page.goto("/safeguarding/refer/")
    main = page.locator("main").inner_text()
    assert "0808 802 0300" in main and "call 999" in main and "press 55" in main
    assert "How we use what you tell us" in main and "within 48 hours" in main
    assert "Every page you view is recorded" not in page.content()
    assert_accessible(page)
    page.fill("#id_first_names", "Tamsin")
    page.fill("#id_last_name", "Greythorne")
    page.fill("#id_email", "tamsin.greythorne@example.org")
    page.check("input[name=safe_channels][value=email]")
    page.fill("#id_notes", "Someone I used to work with keeps sending me messages.")
    _submit(page, "Send")
    assert page.locator("h1").first.inner_text().strip() == "Your request has been sent"
    assert_accessible(page)
    case = AdvocacyCase.objects.get(victim__in=_victims_named("Tamsin"))
    assert (case.status, case.check_reason) == ("check", "too_fast")

    # --- the advocacy manager checks it before triage ----------------------------------------
    login(page, "advocacy.manager")
    queue = page.locator("main").inner_text()
    assert "Self-referrals to check before triage" in queue
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"{case.reference}: Tamsin GREYTHORNE").click()
    assert page.locator("h1").inner_text() == "Check a self-referral before triage"
    assert "Sent within seconds of opening the form" in page.locator("main").inner_text()
    assert_accessible(page)
    _submit(page, "Save the check")  # nothing chosen: refused, with the error summary
    assert (
        "Select whether this is a genuine request"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    page.get_by_label("Yes: accept it into triage").check()
    _submit(page, "Save the check")
    assert "The request has been accepted into triage" in page.locator("main").inner_text()
    assert_accessible(page)
    case.refresh_from_db()
    assert case.status == "open" and case.advocate is None  # in triage, waiting for an advocate


def test_honeypot_hit_is_told_and_counted_for_oversight(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.safeguarding.models import SelfReferralDiscards

    page.goto("/safeguarding/refer/")
    page.fill("#id_first_names", "Spam")
    page.fill("#id_last_name", "Robot")
    page.fill("#id_phone", "07700 900 777")
    # A bot fills every field, the hidden one too.
    page.evaluate("() => { document.getElementById('id_website').value = 'http://spam.example'; }")
    _submit(page, "Send")
    assert page.locator("h1").inner_text() == "Your request was not sent"
    assert "0808 802 0300" in page.locator("main").inner_text()
    assert_accessible(page)
    assert SelfReferralDiscards.objects.get().honeypot == 1

    login(page, "evaluator")
    page.goto("/evaluation/oversight/")
    main = page.locator("main").inner_text()
    assert "Self-referrals discarded by the spam trap in the last 30 days" in main
    assert "No self-referrals discarded." not in main
    assert_accessible(page)


def _victims_named(first_names: str) -> list[Any]:
    from desist.safeguarding.models import Victim

    # Names are encrypted at rest, so they are compared in Python.
    return [v for v in Victim.objects.filter(force__isnull=True) if v.first_names == first_names]
