"""Issue 19, the unit week (as far as tasks reach): a Sussex supervisor assigns a case and its
order to an officer and gives her a task on the case (an empty form first: the GOV.UK error
summary); the officer finds the case in "mine" and the task in "My tasks", marks it done, and
records a notification the subject gave late, which raises an investigation task for her at
once; the supervisor sees the force's workload. Every page is axe-checked and no wider than a
1,280 px window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e

OFFICER = "police.sussex"
SUPERVISOR = "police.supervisor"
TEAM = "Stalking unit East"


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _click(page: Any, role: str, name: str, exact: bool = False) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=exact).first.click()


def _setup() -> dict[str, Any]:
    from desist.accounts.models import User
    from desist.cases.services import case_create
    from desist.orders import actions
    from desist.people.services import subject_create

    officer = User.objects.get(username=OFFICER)
    User.objects.filter(username__in=[OFFICER, SUPERVISOR]).update(team=TEAM)
    officer.refresh_from_db()
    today = dt.date.today()
    subject = subject_create(actor=officer, first_names="Morgan", last_name="Unitweektest")
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/WEEK/2026",
        relationship="ex_intimate",
        opened_on=today - dt.timedelta(days=40),
    )
    order = actions.order_apply(
        actor=officer,
        subject=subject,
        case=case,
        application_date=today - dt.timedelta(days=30),
        court="Brighton Magistrates' Court",
    )
    made = today - dt.timedelta(days=12)
    actions.order_make_full(
        actor=officer,
        order=order,
        version=order.version,
        made_on=made,
        ends_on=made.replace(year=made.year + 3),
        until_further_order=False,
    )
    order.refresh_from_db()
    actions.order_serve(
        actor=officer, order=order, version=order.version, served_on=today - dt.timedelta(days=10)
    )
    return {"officer": officer, "case": case, "order": order, "today": today}


def test_unit_week_tasks(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.audit.models import AuditEvent
    from desist.tasks.models import Task, TaskKind, TaskStatus

    world = _setup()
    officer, case, order, today = world["officer"], world["case"], world["order"], world["today"]
    label = f"{officer.display_name()} ({TEAM})"

    def check(p: Any) -> None:
        assert_accessible(p)
        assert _width(p) <= 1280, (p.url, _width(p))

    page.set_viewport_size({"width": 1280, "height": 900})

    # --- 1. the supervisor assigns the case and gives the officer a task ------------------
    login(page, SUPERVISOR)
    for url in (f"/cases/{case.pk}/", f"/orders/{order.pk}/"):
        page.goto(url)
        check(page)
        _click(page, "link", "Change officer in charge")
        check(page)
        page.get_by_label("Officer in charge").select_option(label=label)
        _click(page, "button", "Save", exact=True)
        check(page)
    page.goto(f"/cases/{case.pk}/")
    _click(page, "link", "Add a task")
    check(page)
    _click(page, "button", "Add task")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter what the task is" in summary and "Select who the task is for" in summary
    check(page)
    page.get_by_label("What needs doing").fill("Visit the subject's new workplace")
    fill_date(page, "id_due_on", today + dt.timedelta(days=2))
    page.get_by_label("Who is it for").select_option(label=label)
    _click(page, "button", "Add task")
    check(page)
    assert "Visit the subject" in page.locator("#tasks ~ table").first.inner_text()

    # --- 2. the officer: the case in "mine", the task done, a late notification -----------
    page.context.clear_cookies()
    login(page, OFFICER)
    page.goto("/cases/?view=mine")
    check(page)
    assert case.crime_reference in page.locator("table").inner_text()
    _click(page, "link", "Tasks", exact=True)
    check(page)
    current = page.locator(".moj-sub-navigation__link[aria-current=page]").inner_text()
    assert current.strip() == "Mine"
    _click(page, "link", "Visit the subject's new workplace")
    check(page)
    _click(page, "button", "Mark as done")
    check(page)
    task = Task.objects.get(title="Visit the subject's new workplace")
    assert task.status == TaskStatus.DONE
    assert "Visit the subject's new workplace" not in page.locator("main").inner_text()

    page.goto(f"/orders/{order.pk}/")
    check(page)
    _click(page, "link", "Record that the initial notification after service")
    check(page)
    fill_date(page, "id_received_on", today - dt.timedelta(days=4))
    _click(page, "button", "Record notification")
    check(page)
    investigation = Task.objects.get(kind=TaskKind.LATE_NOTIFICATION, order=order)
    assert investigation.assignee_id == officer.pk
    page.goto("/tasks/")
    check(page)
    assert "Investigate failure to notify within 3 days" in page.locator("table").inner_text()

    # --- 3. the supervisor's view of the force's workload ----------------------------------
    page.context.clear_cookies()
    login(page, SUPERVISOR)
    page.goto("/tasks/?view=force")
    check(page)
    _click(page, "link", "Workload per officer")
    check(page)
    row = page.locator("tr", has_text=officer.display_name()).inner_text()
    assert "1" in row  # the open investigation
    assert AuditEvent.objects.filter(verb="task.complete", object_id=str(task.pk)).exists()
    assert AuditEvent.objects.filter(verb="task.raise", object_id=str(investigation.pk)).exists()
