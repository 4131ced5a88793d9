"""Contact preferences in the browser (issue 11, item 6).

An advocate tries to log a letter to the home address for a victim who said "never write to
home". The form shows the victim's preferences, refuses the letter without a reason (GOV.UK
error summary linking to the reason field), accepts it with one, and the advocacy case shows
the contact marked as against the victim's contact preferences. Then a Sussex officer refers a
victim who said "shared with no one": the form asks for a lawful basis and a reason.

Every page is checked with axe-core and for console, JS and CSP errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _sussex_victim(**prefs: Any) -> Any:
    from desist.accounts.models import User
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.safeguarding.models import Victim

    officer = User.objects.get(username="police.sussex")
    subject = make_subject(officer, first_names="Rowan", last_name="Edgecombe")
    victim = make_victim(officer, make_case(officer, subject), first_names="Morgan")
    Victim.objects.filter(pk=victim.pk).update(**prefs)
    victim.refresh_from_db()
    return victim


def test_advocate_is_stopped_from_writing_home_without_a_reason(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.safeguarding.models import AdvocacyCase, ContactLogEntry

    victim = _sussex_victim(safe_channels=["phone", "text"])
    victim.never_contact = "Never write to home"
    victim.save(update_fields=["never_contact"])
    advocate = User.objects.get(username="advocate")
    case = AdvocacyCase.objects.create(
        victim=victim,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )

    login(page, "advocate")
    page.goto(f"/safeguarding/advocacy/{case.pk}/contacts/new/")
    assert "Never write to home" in page.locator("#contact-preferences").inner_text()
    assert_accessible(page)
    page.check("input[name=kind][value=contact]")
    page.select_option("#id_channel", "letter")
    page.fill("#id_summary", "Posted the safety information pack to her home address.")
    _submit(page, "Save contact")
    summary = page.locator(".govuk-error-summary")
    assert "Letter is one of the ways the victim said never to use" in summary.inner_text()
    assert summary.locator("a[href='#id_override_reason']").count() == 1
    assert not ContactLogEntry.objects.exists()
    assert_accessible(page)  # the page with its error summary

    page.fill("#id_override_reason", "She asked for it in writing; her ex-partner has moved out.")
    _submit(page, "Save contact")
    assert page.locator(".govuk-error-summary").count() == 0
    assert page.url.rstrip("/").endswith(f"/safeguarding/advocacy/{case.pk}")
    marked = page.locator(".contact-override")
    assert "Against the victim's contact preferences" in marked.inner_text()
    assert "ex-partner has moved out" in marked.inner_text()
    assert ContactLogEntry.objects.get().against_preferences
    assert_accessible(page)


def test_officer_must_give_a_basis_to_refer_against_the_victims_wishes(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from django.utils import timezone

    from desist.safeguarding.models import AdvocacyCase
    from desist.sharing.models import Disclosure

    victim = _sussex_victim(share_with=[], wishes_recorded_on=timezone.localdate())
    login(page, "police.sussex")
    page.goto(f"/safeguarding/victims/{victim.pk}/refer/")
    assert "shared with no one" in page.locator("#against-wishes").inner_text()
    assert_accessible(page)
    page.check("input[name=service]")
    _submit(page, "Refer to advocacy")
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "Select the lawful basis" in errors and "Enter why the victim" in errors
    assert not AdvocacyCase.objects.exists()
    assert_accessible(page)
    page.check("input[name=lawful_basis][value=gdpr_6_1_d]")
    page.fill("#id_wishes_reason", "Threat to life reported tonight; MARAC chair agreed.")
    _submit(page, "Refer to advocacy")
    assert page.locator(".govuk-error-summary").count() == 0
    assert AdvocacyCase.objects.get(victim=victim).against_wishes_basis == "gdpr_6_1_d"
    assert Disclosure.objects.filter(lawful_basis="gdpr_6_1_d").count() == 1
    assert_accessible(page)
