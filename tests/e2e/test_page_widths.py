"""Issue 19: lists fit the screen. At 1,280 px wide the SPO register is no wider than the
window (its notification and breach columns used to fall off), and the home, order and case
pages are no wider than 375 px on a 375 px phone. Each page is axe-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

USERNAME = "police.sussex"


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_register_and_record_pages_fit_the_screen(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.cases.services import case_create
    from desist.orders import actions
    from desist.people.services import subject_create

    officer = User.objects.get(username=USERNAME)
    today = dt.date.today()
    subject = subject_create(
        actor=officer, first_names="Maximilian-Alexander", last_name="Widthcheck-Longsurname"
    )
    case = case_create(
        actor=officer,
        subject=subject,
        crime_reference="47/WIDTH/2026",
        relationship="stranger",
        opened_on=today - dt.timedelta(days=100),
    )
    order = actions.order_apply(
        actor=officer,
        subject=subject,
        case=case,
        application_date=today - dt.timedelta(days=90),
        court="Brighton Magistrates' Court",
    )
    login(page, USERNAME)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/orders/")
    assert_accessible(page)
    assert _width(page) <= 1280, _width(page)
    page.set_viewport_size({"width": 375, "height": 800})
    for url in ("/", f"/orders/{order.pk}/", f"/cases/{case.pk}/"):
        page.goto(url)
        assert_accessible(page)
        assert _width(page) <= 375, (url, _width(page))
