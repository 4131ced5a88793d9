"""The intervention programme in the browser, from referral to the end-of-intervention report.

The programme manager sets the programme up; a Sussex officer puts a subject forward from the
subject's page; the clinical supervisor receives the referral and allocates a practitioner; the
practitioner records the suitability assessment and consent, starts the intervention, books
twelve sessions (the last next week; a double booking and a bank holiday are refused) and
records attendance at the eleven held, is refused "completed" while short of the programme's
rule, records an outcome measure and writes the end
report, and completes the intervention, which cancels the session still to come; the officer then sees the engagement and the summary,
never the clinical notes. Every page visited is checked with axe-core and for console, JS and
CSP errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _link(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def _ok(page: Any) -> None:
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(
        ".govuk-error-summary"
    ).inner_text()


def _switch(page: Any, login: Callable[..., Any], username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    login(page, username)


def test_programme_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.dates import bank_holiday
    from desist.people.services import subject_create
    from desist.programme.models import ProgrammeSession, Referral

    def visit(url: str) -> None:
        page.goto(url)
        assert_accessible(page)

    officer = User.objects.get(username="police.sussex")
    subject = subject_create(
        actor=officer,
        first_names="Rowan",
        last_name="Ellingham-Voss",
        date_of_birth=dt.date(1984, 6, 2),
    )
    today = timezone.localdate()

    # --- the programme manager sets the programme up ------------------------------------------
    login(page, "programme.manager")
    assert_accessible(page)
    visit("/programme/settings/")
    _link(page, "Set up a programme")
    assert_accessible(page)
    _submit(page, "Save settings")
    assert "Enter the name of the programme" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_name", "Sussex SPO intervention pilot")
    page.select_option("#id_provider", label="Harbour Forensic Psychology Service")
    page.get_by_label("Sussex Police").check()
    page.fill("#id_capacity", "30")
    page.fill("#id_funding", "98000")
    _submit(page, "Save settings")
    _ok(page)
    assert "Sussex SPO intervention pilot" in page.locator("main h1").inner_text()
    # The completion rule, from the settings (issue 20).
    assert (
        "At least 10 sessions attended, including a Maintaining"
        in page.locator("main").inner_text()
    )
    assert_accessible(page)

    # --- police put the subject forward -------------------------------------------------------
    _switch(page, login, "police.sussex")
    visit(f"/subjects/{subject.pk}/")
    _link(page, "Put forward for the programme")
    assert_accessible(page)
    page.fill(
        "#id_risk_summary",
        "Repeated contact after being told to stop; fixated on a former partner.",
    )
    # Dated back, so the twelve past sessions below fall after the start (issue 20).
    fill_date(page, "id_put_forward_on", today - dt.timedelta(days=20))
    _submit(page, "Put forward")
    _ok(page)
    referral = Referral.objects.get(subject=subject)
    assert page.url.rstrip("/").endswith(f"/programme/{referral.pk}")
    assert_accessible(page)
    visit("/programme/workflow/")
    visit("/programme/engagement/")

    # --- the clinical supervisor receives and allocates ---------------------------------------
    _switch(page, login, "clinical.supervisor")
    assert referral.reference in page.locator("main").inner_text()  # the unallocated queue
    assert_accessible(page)
    visit(f"/programme/{referral.pk}/")
    assert "Philippa" not in page.content()
    _link(page, "Referral received")
    assert_accessible(page)
    _submit(page, "Confirm")
    _ok(page)
    assert_accessible(page)
    _link(page, "Practitioner allocated")
    assert_accessible(page)
    # The label carries the caseload against the programme's limit ("0 open of 40").
    samir = page.locator("#id_practitioner option", has_text="Samir Douglas (0 open of ")
    page.select_option("#id_practitioner", value=samir.get_attribute("value"))
    _submit(page, "Confirm")
    _ok(page)
    assert_accessible(page)

    # --- the practitioner assesses, records consent and starts --------------------------------
    _switch(page, login, "practitioner")
    assert_accessible(page)
    visit(f"/programme/{referral.pk}/")
    _link(page, "Record the suitability assessment")
    assert_accessible(page)
    for box in page.locator("input[type=radio][value=yes]").all():  # every criterion met
        box.check()
    page.check("input[name=outcome][value=suitable]")
    _submit(page, "Record assessment")
    _ok(page)
    assert_accessible(page)
    _link(page, "Consent given")
    assert_accessible(page)
    _submit(page, "Confirm")
    assert "Enter what the person was told" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill(
        "#id_sharing_explained",
        "Attendance and engagement go to the police. A risk to anyone goes to the police and victim services. Clinical notes stay with the provider.",
    )
    page.check("input[name=attendance_required_by_order][value=yes]")
    fill_date(page, "id_effective_on", today - dt.timedelta(days=15))
    _submit(page, "Confirm")
    _ok(page)
    assert_accessible(page)
    _link(page, "Intervention started")
    assert_accessible(page)
    fill_date(page, "id_effective_on", today - dt.timedelta(days=14))
    _submit(page, "Confirm")
    _ok(page)
    assert_accessible(page)

    # --- eleven past sessions with attendance, the twelfth next week --------------------------
    # Two a day (10:00 and 14:00) on days that are no bank holiday, whatever day this runs.
    days = [
        d
        for d in (timezone.localtime() - dt.timedelta(days=13 - i) for i in range(12))
        if not bank_holiday(d.date())
    ]
    times = [d.replace(hour=h, minute=0) for d in days for h in (10, 14)][:11]
    next_week = timezone.localtime() + dt.timedelta(days=7)
    while bank_holiday(next_week.date()):
        next_week += dt.timedelta(days=1)
    times.append(next_week.replace(hour=10, minute=0))
    for n, when in enumerate(times):
        _link(page, "Book a session")
        if n == 0:
            assert_accessible(page)
        page.fill("#id_starts_at", when.strftime("%Y-%m-%dT%H:%M"))
        page.check("input[name=remote][value=no]")
        page.fill("#id_place", "Harbour House, Brighton")
        _submit(page, "Book session")
        _ok(page)
        if n == 0:
            # The same hour again double-books the practitioner; a bank holiday is refused.
            _link(page, "Book a session")
            page.fill("#id_starts_at", when.replace(minute=30).strftime("%Y-%m-%dT%H:%M"))
            page.check("input[name=remote][value=yes]")
            _submit(page, "Book session")
            assert (
                "already has a session from 10:00 to 11:00"
                in page.locator(".govuk-error-summary").inner_text()
            )
            assert_accessible(page)
            holiday = next(
                timezone.localdate() + dt.timedelta(days=i)
                for i in range(1, 400)
                if bank_holiday(timezone.localdate() + dt.timedelta(days=i))
            )
            page.fill("#id_starts_at", f"{holiday.isoformat()}T10:00")
            _submit(page, "Book session")
            assert "is a bank holiday" in page.locator(".govuk-error-summary").inner_text()
            assert_accessible(page)
            visit(f"/programme/{referral.pk}/")
    assert_accessible(page)
    sessions = list(ProgrammeSession.objects.filter(referral=referral).order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 13))
    for i, s in enumerate(sessions[:11]):
        visit(f"/programme/sessions/{s.pk}/attendance/")
        page.check("input[name=attendance][value=attended]")
        _submit(page, "Save attendance")
        _ok(page)
        assert_accessible(page)
        if i == 2:
            # Completing with 3 of the 10 sessions the rule needs is refused, saying why.
            visit(f"/programme/{referral.pk}/change/completed/")
            _submit(page, "Confirm")
            summary = page.locator(".govuk-error-summary").inner_text()
            assert "at least 10 sessions attended" in summary
            assert "So far 3 sessions have been attended" in summary
            assert_accessible(page)
    # What was delivered and the clinical notes, on the first session.
    visit(f"/programme/sessions/{sessions[0].pk}/delivery/")
    page.fill("#id_content", "Timeline of the behaviour; goals agreed.")
    page.check("input[name=fidelity][value=agenda]")
    page.check("input[name=engagement][value=good]")
    _submit(page, "Save")
    _ok(page)
    assert_accessible(page)
    _link(page, "Write the clinical notes")
    assert_accessible(page)
    page.fill("#id_text", "CLINICAL-NOTE-E2E: formulation started.")
    _submit(page, "Save notes")
    _ok(page)
    assert_accessible(page)

    # --- a measure and the end report ---------------------------------------------------------
    visit(f"/programme/{referral.pk}/")
    _link(page, "Record an outcome measure")
    assert_accessible(page)
    page.check("input[name=timepoint][value=after]")
    for name in ("thinking", "urge", "checking", "grievance"):
        page.check(f"input[name=item_{name}][value=rarely]")
    for name in ("calming", "skills", "moving_on", "support"):
        page.check(f"input[name=item_{name}][value=often]")
    _submit(page, "Save measure")
    _ok(page)
    assert_accessible(page)
    _link(page, "Write the end-of-intervention report")
    assert_accessible(page)
    page.fill(
        "#id_practitioner_assessment",
        "Engaged throughout; can name the feelings behind the checking.",
    )
    page.fill("#id_warning_signs", "Drinking alone; looking at the former partner's accounts.")
    page.fill("#id_skills_to_use", "Urge surfing; opposite action.")
    page.fill("#id_contacts", "Provider duty line; offender manager.")
    page.fill("#id_police_summary", "Completed eleven sessions; maintenance plan agreed.")
    _submit(page, "Save report")
    _ok(page)
    assert_accessible(page)
    _link(page, "Intervention completed")
    assert_accessible(page)
    _submit(page, "Confirm")
    _ok(page)
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.ended_on == today
    # The session still to come was cancelled with the reason, and left the calendar.
    sessions[11].refresh_from_db()
    assert sessions[11].state == "cancelled"
    assert sessions[11].change_reason == "The intervention ended: completed"
    visit(f"/programme/calendar/?week={times[11].date().isoformat()}")
    assert f"/programme/sessions/{sessions[11].pk}/" not in page.content()

    # --- police see the outcome, never the notes ----------------------------------------------
    _switch(page, login, "police.sussex")
    visit(f"/programme/{referral.pk}/")
    main = page.locator("main").inner_text()
    assert "11 of 12" in main and "Completed eleven sessions" in main
    assert "CLINICAL-NOTE-E2E" not in page.content()
    visit("/programme/engagement/")
    assert "Completed" in page.locator("main").inner_text()
