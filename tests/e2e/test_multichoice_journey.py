"""Every "select all that apply" keeps every answer, in the browser (issue 11).

The programme manager sets up a programme teaching every module (six boxes); a
Sussex officer adds a term protecting both victims of one subject. Each saved record must hold
every box ticked. Every page visited is checked with axe-core and for console, JS and CSP
errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _ok(page: Any) -> None:
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(
        ".govuk-error-summary"
    ).inner_text()


def _tick_all(page: Any, name: str, at_least: int = 2) -> list[str]:
    boxes = page.locator(f"input[type=checkbox][name={name}]")
    assert boxes.count() >= at_least, f"{name}: expected checkboxes, found {boxes.count()}"
    for i in range(boxes.count()):
        boxes.nth(i).check()
    return [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]


def test_multichoice_journey(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.orders.models import Term
    from desist.orders.tests.helpers import applied, make_case, make_subject, make_victim
    from desist.programme.models import Programme

    # --- the programme manager: every force offered, every module --------------------------------------
    login(page, "programme.manager")
    assert_accessible(page)
    page.goto("/programme/settings/new/")
    assert_accessible(page)
    page.fill("#id_name", "All-modules pilot")
    page.select_option("#id_provider", label="Harbour Forensic Psychology Service")
    forces = _tick_all(page, "forces", at_least=1)  # the forces partnered with the provider
    modules = _tick_all(page, "modules")
    page.fill("#id_capacity", "30")
    page.fill("#id_funding", "98000")
    _submit(page, "Save settings")
    _ok(page)
    assert_accessible(page)
    programme = Programme.objects.get(name="All-modules pilot")
    assert sorted(str(pk) for pk in programme.forces.values_list("pk", flat=True)) == sorted(forces)
    assert sorted(programme.modules) == sorted(modules)

    # --- a Sussex officer: one term protecting both victims -----------------------------------
    officer = User.objects.get(username="police.sussex")
    subject = make_subject(Organisation.objects.get(code="sussex-police"))
    case = make_case(subject)
    victims = [
        make_victim(case, first_names="Imogen", last_name="Tarrant-Vale"),
        make_victim(case, first_names="Beatrix", last_name="Ollerenshaw"),
    ]
    order = applied(officer, subject)
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    login(page, "police.sussex")
    page.goto(f"/orders/{order.pk}/terms/new/")
    assert_accessible(page)
    page.check("input[name=kind][value=prohibition]")
    page.locator("input[name=category]").first.check()
    page.fill("#id_wording", "Not to contact either protected person by any means.")
    if page.locator("#id_provider_description").count():
        page.fill("#id_provider_description", "No contact with the protected people.")
    ticked = _tick_all(page, "protected_persons")
    assert sorted(ticked) == sorted(str(v.pk) for v in victims)
    _submit(page, "Add term")
    _ok(page)
    assert_accessible(page)
    term = Term.objects.filter(order=order).get()
    assert set(term.protected_persons.values_list("pk", flat=True)) == {v.pk for v in victims}
