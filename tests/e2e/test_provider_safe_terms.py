"""Provider-safe terms in the browser: an officer adds an SPO term with its category and a
description written for the provider; the redaction guard refuses a description that locates
the victim; the practitioner then sees only the provider-safe version on the referral page.
Every page visited is checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ADDRESS, POSTCODE, PHONE = "14 Downs View, Lewes", "BN7 2QT", "07700 900033"
POLICE_WORDING = f"Not to enter {ADDRESS}, {POSTCODE} or contact her on {PHONE}."
FOR_PROVIDER = "Must not enter an exclusion zone or contact the protected person."


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _referred_subject() -> tuple[Any, Any, Any]:
    """A Sussex subject with a victim and a full order, referred and allocated to the demo
    practitioner (made through the services; the terms are what the browser adds)."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.cases.models import Case
    from desist.core.models import Organisation
    from desist.orders import actions as orders
    from desist.people.services import subject_create
    from desist.programme import actions as programme
    from desist.programme.models import Referral, ReferralStatus
    from desist.safeguarding.models import Victim

    officer = User.objects.get(username="police.sussex")
    force = officer.organisation
    today = timezone.localdate()
    subject = subject_create(
        actor=officer,
        first_names="Jordan",
        last_name="Pemberton",
        date_of_birth=dt.date(1985, 3, 14),
    )
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference="47/PST/2026",
        relationship="ex_intimate",
        opened_on=today - dt.timedelta(days=200),
    )
    victim = Victim.objects.create(
        force=force,
        first_names="Morgan",
        last_name="Ashdown",
        address=ADDRESS,
        postcode=POSTCODE,
        phone=PHONE,
    )
    case.victims.add(victim)
    order = orders.order_apply(
        actor=officer,
        subject=subject,
        application_date=today - dt.timedelta(days=100),
        court="Brighton Magistrates' Court",
        case=case,
    )
    made = today - dt.timedelta(days=60)
    orders.order_make_full(
        actor=officer,
        order=order,
        version=order.version,
        made_on=made,
        ends_on=made + dt.timedelta(days=800),
        until_further_order=False,
    )
    practitioner = User.objects.get(username="practitioner")
    prog = programme.programme_save(
        actor=User.objects.get(username="programme.manager"),
        name="Sussex pilot",
        provider=Organisation.objects.get(code="harbour-psychology"),
        forces=[force],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )
    referral = programme.referral_put_forward(
        actor=officer,
        subject=subject,
        programme=prog,
        order=order,
        put_forward_on=today - dt.timedelta(days=30),
    )
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACTIVE,
        practitioner=practitioner,
        started_on=today - dt.timedelta(days=20),
    )
    return order, victim, referral


def test_officer_adds_a_provider_safe_term_and_the_practitioner_sees_only_that(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    from desist.orders.models import Term

    order, victim, referral = _referred_subject()
    reference = f"V{victim.pk:06d}"

    login(page, "police.sussex")
    page.goto(f"/orders/{order.pk}/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Add a term", exact=True).click()
    assert_accessible(page)
    page.check("input[name=kind][value=prohibition]")
    page.check("input[name=category][value=exclusion_zone]")
    page.fill("#id_wording", POLICE_WORDING)
    page.fill("#id_area", "Downs View")
    # A description that locates the victim is refused, saying why, and nothing is saved.
    page.fill("#id_provider_description", f"Must keep away from {POSTCODE}.")
    page.check(f"input[name=protected_persons][value='{victim.pk}']")
    _submit(page, "Add term")
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1
    assert summary.locator("a[href='#id_provider_description']").count() == 1
    assert not Term.objects.filter(order=order).exists()
    assert_accessible(page)

    page.fill("#id_provider_description", FOR_PROVIDER)
    _submit(page, "Add term")
    assert page.locator(".govuk-error-summary").count() == 0
    term = Term.objects.get(order=order)
    assert (term.category, term.provider_description) == ("exclusion_zone", FOR_PROVIDER)
    terms = page.locator("#terms ~ .govuk-summary-card").first.inner_text()
    assert POLICE_WORDING in terms and FOR_PROVIDER in terms  # police see both
    assert_accessible(page)

    page.context.clear_cookies()
    login(page, "practitioner")
    page.goto(f"/programme/{referral.pk}/")
    assert_accessible(page)
    text = page.locator("main").inner_text()
    assert FOR_PROVIDER in text and "Exclusion zone" in text and reference in text
    for secret in ("Downs View", POSTCODE, PHONE, "Morgan", "Ashdown"):
        assert secret not in text, f"the practitioner can read {secret!r}"
