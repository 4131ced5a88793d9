"""Issue 19, Victims' Code: the officer sees on the order page that the victim is owed an update
after the order was made, records one (an empty submit and an update dated before the order
first refused with the GOV.UK error summary), and sees it given; an officer of another force
cannot reach the form. Every page is axe-checked and no wider than a 1,280 px window."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.dates import fill_date

pytestmark = pytest.mark.e2e

OFFICER = "police.sussex"
OTHER_FORCE = "police.surrey"
TOLD = "Explained the full order and its terms; gave her the officer's direct number."


def test_officer_records_the_update_owed_after_an_order_is_made(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.orders.models import VictimUpdate
    from desist.orders.tests.helpers import add_term, full, make_case, make_victim
    from desist.people.services import subject_create

    officer = User.objects.get(username=OFFICER)
    today = dt.date.today()
    made = today - dt.timedelta(days=2)
    subject = subject_create(actor=officer, first_names="Robin", last_name="Codeupdate")
    victim = make_victim(make_case(subject), enhanced_rights=True)
    order = full(officer, subject, made=made)
    add_term(officer, order, victim)

    def check(p: Any) -> None:
        assert_accessible(p)
        width = int(p.evaluate("document.documentElement.scrollWidth"))
        assert width <= 1280, (p.url, width)

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, OFFICER)
    page.goto(f"/orders/{order.pk}/")
    check(page)
    section = page.locator("main").inner_text()
    assert "Updates to victims (Victims' Code)" in section and "Enhanced rights" in section
    with page.expect_navigation():
        page.get_by_role("link", name="Record update to").first.click()
    check(page)
    # The link chose the victim and the event: only the rest is asked.
    assert page.locator(f"input[name=victim][value='{victim.pk}']").is_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Record update").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the date you gave the update" in summary
    assert "Enter what you told the victim" in summary
    check(page)
    fill_date(page, "id_told_on", made - dt.timedelta(days=1))
    page.get_by_label("Telephone call").check()
    page.fill("#id_summary", TOLD)
    with page.expect_navigation():
        page.get_by_role("button", name="Record update").click()
    assert "after the date of the event" in page.locator(".govuk-error-summary").inner_text()
    check(page)
    fill_date(page, "id_told_on", today)
    with page.expect_navigation():
        page.get_by_role("button", name="Record update").click()
    assert page.url.endswith(f"/orders/{order.pk}/"), page.url
    main = page.locator("main").inner_text()
    assert "Given " in main and TOLD in main
    check(page)
    assert VictimUpdate.objects.get(order=order).how == "phone"

    page.context.clear_cookies()
    login(page, OTHER_FORCE)
    response = page.goto(f"/orders/{order.pk}/victim-updates/new/")
    assert response is not None and response.status == 404
    e2e = sys.modules[assert_accessible.__module__]
    assert [p for p in e2e.page_problems(page).take() if "404" not in p] == []
