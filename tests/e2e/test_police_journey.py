"""A Sussex Police officer's journey through the browser, from a new subject to a breach of
an interim Stalking Protection Order.

The officer creates a subject, records a case and a victim, records a risk assessment, records
an SPO application, makes an interim order, serves it, records the initial notification, adds a
term and records a breach. Twice on the way a wrong date is refused with the GOV.UK error
summary and nothing is saved. Every distinct page is checked with axe-core and for console, JS
and CSP errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e

USERNAME = "police.sussex"


def _id_from(url: str, pattern: str) -> int:
    match = re.search(pattern, url)
    assert match, (pattern, url)
    return int(match.group(1))


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _expect_error_summary(page: Any, message: str) -> None:
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1, page.url
    assert summary.locator("h2").inner_text().strip() == "There is a problem"
    assert message in summary.inner_text(), summary.inner_text()
    assert "Error" in page.title(), page.title()


def _no_error_summary(page: Any) -> None:
    assert page.locator(".govuk-error-summary").count() == 0, (
        page.url,
        page.locator(".govuk-error-summary").inner_text(),
    )


def _open_action(page: Any, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=label, exact=True).click()


def test_police_officer_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.cases.models import Case
    from desist.orders.models import Breach, Notification, Order, Term
    from desist.people.models import Subject
    from desist.risk.models import Assessment
    from desist.safeguarding.models import Victim

    today = dt.date.today()
    opened_on = today - dt.timedelta(days=90)
    applied_on = today - dt.timedelta(days=60)
    interim_made_on = today - dt.timedelta(days=50)
    # The end of the fixed period the court set: the interim order is still in force today.
    interim_expires_on = today + dt.timedelta(days=120)
    served_on = today - dt.timedelta(days=45)
    notified_on = today - dt.timedelta(days=44)
    breached_on = today - dt.timedelta(days=10)

    login(page, USERNAME)
    _no_error_summary(page)
    assert "Police" in page.locator("main h1").inner_text()
    assert_accessible(page)

    # --- a new subject ---------------------------------------------------------------------
    page.goto("/subjects/new/")
    assert_accessible(page)
    page.fill("#id_first_names", "Jordan Alexis")
    page.fill("#id_last_name", "Pemberton-Vale")
    fill_date(page, "id_date_of_birth", dt.date(1985, 3, 14))
    page.check("input[name=sex][value=male]")
    page.fill("#id_force_reference", "SX-E2E-0001")
    _submit(page, "Add subject")
    _no_error_summary(page)
    subject_id = _id_from(page.url, r"/subjects/(\d+)/$")
    subject = Subject.objects.get(pk=subject_id)
    assert (subject.first_names, subject.last_name) == ("Jordan Alexis", "Pemberton-Vale")
    assert page.locator("main h1").inner_text().strip().endswith("Pemberton-Vale")
    assert_accessible(page)

    # --- a case for them -------------------------------------------------------------------
    _open_action(page, "Record a case")
    assert_accessible(page)
    page.fill("#id_crime_reference", "47/E2E/2026")
    page.check("input[name=relationship][value=ex_intimate]")
    page.check("input[name=indicators][value=fixated]")
    page.check("input[name=indicators][value=repeated]")
    page.fill("#id_summary", "Repeated unwanted contact after the relationship ended.")
    fill_date(page, "id_opened_on", opened_on)
    _submit(page, "Record case")
    _no_error_summary(page)
    case = Case.objects.get(subject_id=subject_id)
    assert case.crime_reference == "47/E2E/2026"
    assert page.url.rstrip("/").endswith(f"/cases/{case.pk}"), page.url
    assert_accessible(page)

    # --- a victim on the case --------------------------------------------------------------
    _open_action(page, "Add a victim")
    assert_accessible(page)
    page.fill("#id_first_names", "Morgan")
    page.fill("#id_last_name", "Ashdown")
    page.check("input[name=sex][value=female]")
    page.fill("#id_postcode", "BN1 1AA")
    _submit(page, "Add victim")
    _no_error_summary(page)
    assert page.url.rstrip("/").endswith(f"/cases/{case.pk}"), page.url
    victim = Victim.objects.get()
    assert (victim.first_names, victim.last_name) == ("Morgan", "Ashdown")
    assert "has been added to the case" in page.locator("main").inner_text()
    assert_accessible(page)

    # --- a risk assessment -----------------------------------------------------------------
    page.goto(f"/subjects/{subject_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Risk assessment history and trend").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Record a risk assessment").click()
    assert_accessible(page)
    page.get_by_role("radio", name="Desist stalking risk screening", exact=True).check()
    _submit(page, "Continue")
    assert page.locator("main h1").inner_text().strip() == "Desist stalking risk screening"
    assert_accessible(page)
    fill_date(page, "id_assessed_on", today)
    page.check("input[name=context][value=referral]")
    yes = {"duration", "told_to_stop", "turning_up", "watching", "life_changed"}
    items = page.locator("input[type=radio][name^=item_][value=no]")
    assert items.count() == 12
    for i in range(items.count()):
        name = items.nth(i).get_attribute("name")
        answer = "yes" if name.removeprefix("item_") in yes else "no"
        page.check(f"input[name={name}][value={answer}]")
    fill_date(page, "id_review_date", today + dt.timedelta(days=30))
    _submit(page, "Continue")
    _no_error_summary(page)
    body = page.locator("main").inner_text()
    assert "Check your answers before recording the assessment" in body
    assert "Risk level: Medium" in body and "Score 5 out of 12" in body
    assert not Assessment.objects.exists()
    assert_accessible(page)
    _submit(page, "Record assessment")
    _no_error_summary(page)
    assessment = Assessment.objects.get()
    assert assessment.subject_id == subject_id
    assert assessment.assessed_on == today
    assert_accessible(page)

    # --- an SPO application ----------------------------------------------------------------
    page.goto(f"/subjects/{subject_id}/")
    _open_action(page, "Record an SPO application")
    assert_accessible(page)
    fill_date(page, "id_application_date", applied_on)
    page.fill("#id_court", "Brighton Magistrates' Court")
    page.select_option("#id_case", str(case.pk))
    page.check("input[name=sex_offender_notification][value=no]")
    _submit(page, "Record application")
    _no_error_summary(page)
    order_id = _id_from(page.url, r"/orders/(\d+)/$")
    order = Order.objects.get(pk=order_id)
    assert order.subject_id == subject_id and order.case_id == case.pk
    assert order.status == "applied"
    assert order.reference in page.locator("main").inner_text()
    assert_accessible(page)
    order_url = page.url

    # --- an interim order ------------------------------------------------------------------
    _open_action(page, "Record an interim order")
    assert_accessible(page)
    fill_date(page, "id_made_on", interim_made_on)
    fill_date(page, "id_expires_on", interim_expires_on)
    _submit(page, "Record interim order")
    _no_error_summary(page)
    order.refresh_from_db()
    assert order.status == "interim"
    assert order.interim_made_on == interim_made_on
    assert order.interim_expires_on == interim_expires_on
    assert page.url == order_url

    # A full order shorter than 2 years is refused and the order stays interim.
    _open_action(page, "Record a full order")
    assert_accessible(page)
    full_made_on = today - dt.timedelta(days=5)
    fill_date(page, "id_made_on", full_made_on)
    fill_date(page, "id_ends_on", full_made_on + dt.timedelta(days=365))
    _submit(page, "Record full order")
    _expect_error_summary(page, "A full order must last at least 2 years")
    assert_accessible(page)
    order.refresh_from_db()
    assert order.status == "interim"
    assert order.full_made_on is None and order.full_ends_on is None
    page.goto(order_url)

    # --- service ---------------------------------------------------------------------------
    _open_action(page, "Record service")
    assert_accessible(page)
    # Served before the order was made: refused, nothing saved.
    fill_date(page, "id_served_on", interim_made_on - dt.timedelta(days=3))
    _submit(page, "Record service")
    _expect_error_summary(
        page, "The date of service must be the same as or after the date the order was made"
    )
    assert_accessible(page)
    order.refresh_from_db()
    assert order.interim_served_on is None
    assert not Notification.objects.filter(order=order).exists()
    fill_date(page, "id_served_on", served_on)
    _submit(page, "Record service")
    _no_error_summary(page)
    order.refresh_from_db()
    assert order.interim_served_on == served_on
    notification = Notification.objects.get(order=order)
    assert notification.kind == "initial" and notification.received_on is None
    assert page.url == order_url

    # --- the initial notification ----------------------------------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name="Record that the initial notification after service").click()
    assert_accessible(page)
    # Received before the order was served: refused, nothing saved.
    fill_date(page, "id_received_on", served_on - dt.timedelta(days=1))
    _submit(page, "Record notification")
    _expect_error_summary(
        page, "The date the notification was received must be the same as or after"
    )
    assert_accessible(page)
    notification.refresh_from_db()
    assert notification.received_on is None
    fill_date(page, "id_received_on", notified_on)
    _submit(page, "Record notification")
    _no_error_summary(page)
    notification.refresh_from_db()
    assert notification.received_on == notified_on
    assert page.url == order_url

    # --- a term ----------------------------------------------------------------------------
    _open_action(page, "Add a term")
    assert_accessible(page)
    page.check("input[name=kind][value=prohibition]")
    page.check("input[name=category][value=no_contact]")
    page.fill("#id_wording", "Must not contact Morgan Ashdown directly or indirectly.")
    page.fill("#id_provider_description", "Must not contact the protected person.")
    page.fill("#id_area", "Brighton and Hove")
    page.check(f"input[name=protected_persons][value='{victim.pk}']")
    _submit(page, "Add term")
    _no_error_summary(page)
    term = Term.objects.get(order=order)
    assert term.kind == "prohibition"
    assert "Must not contact Morgan Ashdown" in page.locator("#terms + *").inner_text()
    assert page.url.split("#")[0] == order_url

    # --- a breach --------------------------------------------------------------------------
    _open_action(page, "Record a breach")
    assert_accessible(page)
    page.check(f"input[name=term][value='{term.pk}']")
    fill_date(page, "id_occurred_on", breached_on)
    page.select_option("#id_detection", "victim_report")
    page.check("input[name=police_action][value=arrest]")
    page.fill("#id_details", "Waited outside the victim's workplace.")
    _submit(page, "Record breach")
    _no_error_summary(page)
    breach = Breach.objects.get(term=term)
    assert breach.occurred_on == breached_on
    assert breach.detection == "victim_report" and breach.police_action == "arrest"
    assert page.url.split("#")[0] == order_url
    main = page.locator("main").inner_text()
    assert "Reported by the victim" in main
    # Issue 19: the breach's details are shown, on the order and on the case timeline.
    assert "Waited outside the victim's workplace." in main
    assert_accessible(page)
    page.goto(f"/cases/{case.pk}/")
    timeline = page.locator(".moj-timeline").inner_text()
    assert "Waited outside the victim's workplace." in timeline
    assert f"Breach of SPO {order.reference}" in timeline
    assert_accessible(page)


def test_police_appeal_against_a_refusal_makes_the_order(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """The magistrates refused the application; the Crown Court allowed the police's appeal and
    made a full order. A missing end date is refused first; then the order is in force."""
    from desist.accounts.models import User
    from desist.orders import actions as services
    from desist.orders.models import Order
    from desist.people.services import subject_create

    today = dt.date.today()
    officer = User.objects.get(username=USERNAME)
    subject = subject_create(actor=officer, first_names="Rowan", last_name="Appealcase")
    order = services.order_apply(
        actor=officer,
        subject=subject,
        application_date=today - dt.timedelta(days=90),
        court="Brighton Magistrates' Court",
    )
    services.order_refuse(
        actor=officer,
        order=order,
        version=order.version,
        refused_on=today - dt.timedelta(days=60),
        reason="The court was not satisfied the order was necessary",
    )

    login(page, USERNAME)
    page.goto(f"/orders/{order.pk}/")
    assert_accessible(page)
    assert page.get_by_role("link", name="Record a full order", exact=True).count() == 0
    _open_action(page, "Record an appeal")
    assert_accessible(page)
    decided_on = today - dt.timedelta(days=7)
    page.check("input[name=applicant][value=police]")
    page.fill("#id_court", "Lewes Crown Court")
    fill_date(page, "id_decided_on", decided_on)
    page.check("input[name=outcome][value=granted]")
    page.fill("#id_details", "Appeal allowed: the order is necessary to protect the victim")
    _submit(page, "Record appeal")
    _expect_error_summary(page, "Enter the date the order ends, or select")
    assert_accessible(page)
    order.refresh_from_db()
    assert order.status == "refused"
    fill_date(page, "id_new_ends_on", decided_on + dt.timedelta(days=3 * 366))
    _submit(page, "Record appeal")
    _no_error_summary(page)
    order.refresh_from_db()
    assert order.status == "full" and order.full_made_on == decided_on
    assert order.ended_on is None
    assert "Full order" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Record service", exact=True).count() == 1
    assert_accessible(page)
    assert Order.objects.filter(subject=subject).count() == 1


def test_police_correct_close_and_reopen_a_case(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """An officer adds the victim of the subject's earlier case to this case (one record per
    person), corrects the case's FOUR indicators, closes it (a missing reason is refused first)
    and reopens it when a new offence comes in."""
    from desist.accounts.models import User
    from desist.cases.models import Case
    from desist.cases.services import case_create
    from desist.people.services import subject_create
    from desist.safeguarding.services import victim_create

    today = dt.date.today()
    officer = User.objects.get(username=USERNAME)
    subject = subject_create(actor=officer, first_names="Morgan", last_name="Closecase")
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/E2E/CLOSE",
        relationship="colleague",
        opened_on=today - dt.timedelta(days=40),
        fixated=True,
    )

    earlier = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/E2E/EARLIER",
        relationship="colleague",
        opened_on=today - dt.timedelta(days=400),
    )
    victim = victim_create(
        actor=officer, case=earlier, first_names="Imogen", last_name="Linkwell", sex="female"
    )

    login(page, USERNAME)
    page.goto(f"/cases/{case.pk}/")
    assert_accessible(page)
    _open_action(page, "Add a victim from another case")
    assert_accessible(page)
    _submit(page, "Add victim to case")
    _expect_error_summary(page, "Select a victim from the subject's other cases")
    assert_accessible(page)
    page.get_by_label(f"Imogen LINKWELL ({victim.reference})").check()
    _submit(page, "Add victim to case")
    _no_error_summary(page)
    assert list(Case.objects.get(pk=case.pk).victims.all()) == [victim]
    assert "Imogen" in page.locator("main").inner_text()

    _open_action(page, "Change the case's details")
    assert_accessible(page)
    page.check("#four-repeated")
    _submit(page, "Save changes")
    _no_error_summary(page)
    case.refresh_from_db()
    assert case.fixated and case.repeated
    assert "has been updated" in page.locator("main").inner_text()

    _open_action(page, "Close the case")
    assert_accessible(page)
    fill_date(page, "id_closed_on", today)
    _submit(page, "Close case")
    _expect_error_summary(page, "Select why the case is being closed")
    assert_accessible(page)
    page.check("input[name=reason][value=charged]")
    _submit(page, "Close case")
    _no_error_summary(page)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on == today
    assert "charged or summonsed" in page.locator("main").inner_text()
    assert_accessible(page)

    _open_action(page, "Reopen the case")
    assert_accessible(page)
    _submit(page, "Reopen case")
    _no_error_summary(page)
    assert Case.objects.get(pk=case.pk).status == "open"
    assert_accessible(page)
