"""Issue 20, journey 4: the advocacy manager allocates from the per-advocate view.

The manager opens the caseload, goes to the advocates' caseloads, sees each advocate's load and
first-contact timeliness and the referrals waiting, opens one to allocate, is told to choose,
picks the advocate with the lightest load (the loads are shown beside the names) and comes back
to the per-advocate view with the load updated. Every page is axe-checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _team_and_referrals() -> tuple[Any, Any]:
    from desist.accounts.models import User
    from desist.accounts.services import user_create
    from desist.core.models import Organisation
    from desist.core.roles import RoleCode
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.safeguarding import services

    officer = User.objects.get(username="police.sussex")
    manager = User.objects.get(username="advocacy.manager")
    advocate = User.objects.get(username="advocate")
    service = Organisation.objects.get(code="safe-steps-advocacy")
    colleague = user_create(
        actor=None,
        username="advocate.e2e",
        organisation=service,
        roles=[RoleCode.VICTIM_ADVOCATE],
        password=None,
        first_name="Kwame",
        last_name="Asante",
    )
    cases = []
    for name in ("Bryony", "Cerys", "Delyth"):
        subject = make_subject(officer)
        victim = make_victim(officer, make_case(officer, subject), first_names=name)
        cases.append(services.advocacy_refer(actor=officer, victim=victim, service=service))
    for case in cases[:2]:  # the demo advocate already holds two
        services.advocacy_allocate(
            actor=manager, case=case, version=case.version, advocate=advocate
        )
    return colleague, cases[2]


def test_manager_allocates_from_the_per_advocate_view(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    colleague, waiting = _team_and_referrals()
    login(page, "advocacy.manager")
    page.goto("/safeguarding/advocacy/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Advocates' caseloads and first-contact timeliness").click()
    assert_accessible(page)
    table = page.locator("table").first.inner_text()
    assert "Rosa Kendrick" in table and "Kwame Asante" in table
    assert waiting.reference in page.locator("main").inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name=f"Allocate case {waiting.reference}").click()
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "Rosa Kendrick: 2 open cases, 2 waiting for first contact" in main
    assert "Kwame Asante: 0 open cases" in main
    _submit(page, "Allocate")
    assert "Select an advocate" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Kwame Asante: 0 open cases").check()
    _submit(page, "Allocate")
    assert page.url.rstrip("/").endswith("/safeguarding/advocacy/team")
    assert "The case has been allocated" in page.locator("main").inner_text()
    assert_accessible(page)
    row = page.locator("tr", has_text="Kwame Asante").first.inner_text()
    assert "\t1\t" in row  # one open case now
    assert "No referrals are waiting for an advocate." in page.locator("main").inner_text()
    waiting.refresh_from_db()
    assert waiting.advocate_id == colleague.pk
