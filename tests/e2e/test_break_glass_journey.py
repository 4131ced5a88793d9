"""Break-glass governance in the browser (issue 12): police.surrey asks for emergency access to
a Sussex case; Surrey and Sussex share no partnership, so a Surrey supervisor (made here: the
demo has none) approves it; police.surrey then sees the emergency-access banner and "2 victims,
held by Sussex Police" (never their names); Sussex's police.supervisor has the alert and finds
the access in Sussex's own audit log. axe-core on every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

WHY = "Subject detained in Surrey tonight near the protected person's work; need the case now."


def _sussex_case_and_surrey_supervisor() -> Any:
    from desist.accounts.models import User
    from desist.accounts.services import user_create
    from desist.core.roles import RoleCode
    from desist.orders.tests.helpers import make_case, make_subject, make_victim

    officer = User.objects.get(username="police.sussex")
    subject = make_subject(officer.organisation, created_by=officer)
    case = make_case(subject, created_by=officer)
    make_victim(case, first_names="Marisol")
    make_victim(case, first_names="Jovanka")
    user_create(
        actor=None,
        username="surrey.supervisor",
        organisation=User.objects.get(username="police.surrey").organisation,
        roles=[RoleCode.POLICE_SUPERVISOR],
        password="correct-horse-battery-staple",
    )
    return case


def _surrey_can_see(case: Any) -> bool:
    from desist import policy
    from desist.accounts.models import User

    return policy.can(User.objects.get(username="police.surrey"), policy.Perm.CASE_VIEW, case)


def _sign_in_as(page: Any, login: Callable[..., Any], username: str, **kw: Any) -> None:
    page.context.clear_cookies()
    login(page, username, **kw)


def test_break_glass_request_approval_banner_and_owner_view(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    case = _sussex_case_and_surrey_supervisor()

    # 1. police.surrey asks; the form's own message first, then a real request.
    _sign_in_as(page, login, "police.surrey")
    page.goto("/sharing/break-glass/new/")
    assert_accessible(page)
    page.get_by_label("Case").check()
    page.fill("input[name=reference]", case.crime_reference)
    with page.expect_navigation():
        page.get_by_role("button", name="Open the record").click()
    assert_accessible(page)
    assert "Enter a reason for emergency access" in page.locator("main").inner_text()
    page.fill("textarea[name=justification]", WHY)
    with page.expect_navigation():
        page.get_by_role("button", name="Open the record").click()
    assert_accessible(page)
    assert "needs a supervisor's approval" in page.locator("body").inner_text()
    assert not _surrey_can_see(case)  # nothing opens before the approval

    # 2. Surrey's supervisor approves from the alert.
    _sign_in_as(page, login, "surrey.supervisor", password="correct-horse-battery-staple")
    page.goto("/sharing/alerts/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Emergency access waiting for your approval").click()
    assert_accessible(page)
    if "/sharing/alerts/" in page.url:  # the alert page links on to the decision
        with page.expect_navigation():
            page.locator("main a[href*='/break-glass/approvals/']").first.click()
        assert_accessible(page)
    page.get_by_label("Approve: open the record for the requester now").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record decision").click()
    assert_accessible(page)

    assert _surrey_can_see(case)

    # 3. police.surrey opens the case: banner, and victims counted, never named.
    _sign_in_as(page, login, "police.surrey")
    page.goto(f"/cases/{case.pk}/")
    assert_accessible(page)
    body = page.locator("body").inner_text()
    assert "You are viewing this record under emergency access (break-glass), granted" in body
    assert "every page is recorded" in body
    assert "2 victims, held by Sussex Police" in body
    assert "No victims recorded" not in body
    assert "Marisol" not in body and "Jovanka" not in body

    # 4. Sussex's supervisor: the alert, and the access in Sussex's own audit log.
    _sign_in_as(page, login, "police.supervisor")
    page.goto("/sharing/alerts/")
    assert_accessible(page)
    assert page.get_by_role("link", name="Emergency access to your force's record").count() >= 1
    page.goto(f"/audit/?object_type=cases.Case&object_id={case.pk}")
    assert_accessible(page)
    audit = page.locator("main").inner_text()
    assert "police.surrey" in audit and "break_glass.use" in audit
    assert "break_glass.request" in audit
