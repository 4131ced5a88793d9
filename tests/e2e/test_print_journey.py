"""Printing a record (issue 18): the printout drops the navigation, header links, buttons and
footer, and keeps the protective marking and the record's reference (desist/print.css)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _order() -> Any:
    from desist.accounts.models import User
    from desist.orders.tests.helpers import ago, full, make_case, make_subject

    officer = User.objects.get(username="police.sussex")
    subject = make_subject(officer.organisation, first_names="Rowan", last_name="Elsworth")
    return full(officer, subject, made=ago(60), case=make_case(subject))


def test_an_order_prints_with_its_marking_and_reference_and_without_navigation(
    page: Any,
    seeded: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    order = _order()
    login(page, "police.sussex")
    page.goto(f"/orders/{order.pk}/")
    assert_accessible(page)
    reference = page.locator(".desist-print-reference")
    assert page.locator(".govuk-service-navigation").is_visible()
    assert not reference.is_visible()  # on screen the heading says it

    page.emulate_media(media="print")
    for chrome in (
        ".govuk-header",
        ".govuk-service-navigation",
        ".desist-identity",  # the account links and the sign-out button
        ".govuk-back-link",
        ".govuk-footer",
    ):
        assert page.locator(chrome).count() and not page.locator(chrome).first.is_visible(), chrome
    assert not [b for b in page.locator(".govuk-button").all() if b.is_visible()]
    markings = page.locator("[data-desist-marking]")
    assert markings.count() == 2
    for n in range(2):
        assert markings.nth(n).is_visible()
        assert "OFFICIAL-SENSITIVE" in markings.nth(n).inner_text()
    assert reference.is_visible()
    assert f"Order {order.reference}" in reference.inner_text()
    # Black on white in print: browsers leave out background colours.
    colours = markings.first.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert colours == ["rgb(11, 12, 12)", "rgb(255, 255, 255)"], colours
