"""The clinical supervisor rates a session (issue 20): from the reviews due, opens a session
that took place, is refused without the ratings (GOV.UK errors), rates adherence and
competence against the anchors shown on the form, signs off, and sees the rating in the
practitioner's supervision log and their trend on the supervision page. Every page visited is
checked with axe-core and for console, JS and CSP errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.pilot import put_forward

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _link(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def _held_session() -> Any:
    """An active referral of the demo practitioner with one session held yesterday."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.dates import bank_holiday
    from desist.programme import actions
    from desist.programme.models import Attendance, Referral, ReferralStatus

    practitioner = User.objects.get(username="practitioner")
    referral = put_forward("Supervision pilot", "Caradoc", "Ashworth-Lyle", dt.date(1977, 2, 11))
    programme = referral.programme
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACTIVE,
        practitioner=practitioner,
        started_on=timezone.localdate() - dt.timedelta(days=14),
        programme_version=programme.versions.order_by("-number").first(),
    )
    referral.refresh_from_db()
    when = timezone.now().replace(hour=10, minute=0) - dt.timedelta(days=1)
    while bank_holiday(timezone.localdate(when)):
        when -= dt.timedelta(days=1)
    session = actions.session_schedule(
        actor=practitioner, referral=referral, starts_at=when, remote=True
    )
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    return session


def test_supervisor_rates_adherence_and_competence(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.programme.models import SupervisionEntry

    session = _held_session()
    practitioner = User.objects.get(username="practitioner")
    login(page, "clinical.supervisor")
    assert_accessible(page)
    page.goto("/programme/supervision/")
    assert "Not rated yet" in page.locator("#practitioners").inner_text()
    assert_accessible(page)
    _link(page, "Caradoc Ashworth-Lyle, session 1")
    assert_accessible(page)
    _link(page, "Review and sign off")
    # The anchors are on the form, under each point of the scale.
    assert "The module was covered as planned" in page.locator("main").inner_text()
    assert_accessible(page)

    page.fill("#id_comment", "Agenda agreed and the skill rehearsed twice.")
    _submit(page, "Sign off")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Select how closely the session kept to the plan" in summary
    assert "Select how well the session was delivered" in summary
    assert_accessible(page)

    page.get_by_role("radio", name="3: Fully on plan").check()
    page.get_by_role("radio", name="2: Competent").check()
    _submit(page, "Sign off")
    assert page.locator(".govuk-error-summary").count() == 0
    assert "Session signed off" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    entry = SupervisionEntry.objects.get(session=session)
    assert (entry.adherence, entry.competence) == (3, 2)

    page.goto(f"/programme/supervision/{practitioner.pk}/")
    log = page.locator("main").inner_text()
    assert "Adherence 3: Fully on plan" in log and "Competence 2: Competent" in log
    assert_accessible(page)
    page.goto("/programme/supervision/")
    table = page.locator("#practitioners").inner_text()
    assert "3.0 of 3" in table and "2.0 of 3" in table
    assert_accessible(page)
