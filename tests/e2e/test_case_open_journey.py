"""Issue 20 (tester finding): the advocate opens a case from another agency's referral.

The advocate sends the form with a referral date years ago, "I spoke to the victim on this
call" ticked and nothing else, is told every problem at once, puts them right and opens the
case. Every page is axe-checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e


def _submit(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Open case", exact=True).click()


def test_advocate_opens_a_case_from_an_agency_referral(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.safeguarding.models import AdvocacyCase

    login(page, "advocate")
    page.goto("/safeguarding/advocacy/")
    with page.expect_navigation():
        page.get_by_role("link", name="Open a case from a call or referral").click()
    assert_accessible(page)

    page.check("input[name=origin][value=agency]")
    fill_date(page, "id_referred_on", dt.date(1991, 3, 4))
    page.check("input[name=spoke_to_victim]")
    _submit(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    for message in (
        "The date of the call or referral must be within the last year",
        "Untick 'I spoke to the victim on this call', or select that the referral came by phone",
        "Select the kind of agency that referred the victim",
        "Enter who referred the victim and how to reach them",
        "Enter the victim's first names",
        "Enter a telephone number or an email address for the victim",
    ):
        assert message in summary
    assert_accessible(page)

    fill_date(page, "id_referred_on", dt.date.today() - dt.timedelta(days=2))
    page.uncheck("input[name=spoke_to_victim]")
    page.check("input[name=agency_kind][value=housing]")
    page.fill("#id_referrer", "Housing officer Priya Latchford, 01273 900455")
    page.fill("#id_first_names", "Wren")
    page.fill("#id_last_name", "Halloran")
    page.fill("#id_email", "wren.halloran@example.org")
    _submit(page)
    assert "has been opened" in page.locator("main").inner_text()
    assert_accessible(page)
    case = AdvocacyCase.objects.filter(origin="agency").order_by("-id").first()
    assert case is not None and case.referrer.startswith("Housing officer Priya Latchford")
    assert case.first_contact_at is None and case.agency_kind == "housing"
