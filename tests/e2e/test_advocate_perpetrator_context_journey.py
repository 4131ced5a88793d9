"""What the advocate may know of the perpetrator (issue 20), in the browser: the advocate opens
the victim's case and reads "What we can tell you about the person" (the order, its terms
redacted for this victim: the other victim of the same man is counted, never named); the
practitioner records that the intervention started; the victim asked for engagement news, so
the advocate finds the alert in their inbox and on the case. Every page is checked with axe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

OTHER_NAME = ("Philippa", "Quorndon-Zeal")


def _submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _world() -> dict[str, Any]:
    """A Sussex subject with two victims and a full order protecting both, referred (consent
    given) to the demo practitioner; the advocate holds one victim's case (made through the
    services: the journey is what the browser does)."""
    from django.utils import timezone

    from desist.accounts.models import User
    from desist.cases.models import Case
    from desist.core.models import Organisation
    from desist.orders import actions as orders
    from desist.people.services import subject_create
    from desist.programme import actions as programme
    from desist.programme.models import Referral, ReferralStatus
    from desist.safeguarding.models import AdvocacyCase, Victim

    officer = User.objects.get(username="police.sussex")
    advocate = User.objects.get(username="advocate")
    force = officer.organisation
    today = timezone.localdate()
    subject = subject_create(
        actor=officer, first_names="Rowan", last_name="Tillbury", date_of_birth=dt.date(1983, 6, 2)
    )
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference="47/ADV/2026",
        relationship="stranger",
        opened_on=today - dt.timedelta(days=200),
    )
    mine = Victim.objects.create(
        force=force,
        first_names="Marguerite",
        last_name="Ashdown-Pell",
        address="4 Larkspur Row, Lewes",
        postcode="BN7 2XY",
        wants_engagement_news=True,
    )
    other = Victim.objects.create(
        force=force,
        first_names=OTHER_NAME[0],
        last_name=OTHER_NAME[1],
        address="17 Wisteria Crescent, Hove",
        postcode="BN3 7QZ",
    )
    case.victims.add(mine, other)
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
    orders.order_add_term(
        actor=officer,
        order=order,
        kind="prohibition",
        category="no_approach",
        wording="Must not go within 100 metres of Marguerite Ashdown-Pell or Philippa "
        "Quorndon-Zeal.",
        provider_description="Must not approach the protected people.",
        protected_persons=[mine, other],
    )
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
        status=ReferralStatus.CONSENTED,
        practitioner=User.objects.get(username="practitioner"),
        consent_on=today - dt.timedelta(days=5),
    )
    advocacy = AdvocacyCase.objects.create(
        victim=mine,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
        first_contact_at=timezone.now(),
    )
    return {"order": order, "referral": referral, "case": advocacy, "other": other}


def test_advocate_reads_the_person_and_hears_the_intervention_started(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    world = _world()
    case_url = f"/safeguarding/advocacy/{world['case'].pk}/"

    login(page, "advocate")
    page.goto(case_url)
    about = page.locator("#about-the-person ~ *").all_inner_texts()
    text = "\n".join(about)
    assert world["order"].reference in text
    assert "Full order" in text
    assert "Must not go within 100 metres of Marguerite Ashdown-Pell or" in text
    assert "This victim and 1 other person" in text
    assert "Consent given" in text  # the stage, as she asked for engagement news
    page_text = page.content()
    for value in (*OTHER_NAME, "Wisteria", f"V{world['other'].pk:06d}"):
        assert value not in page_text, value
    assert_accessible(page)

    # The practitioner records that the intervention started.
    page.context.clear_cookies()
    login(page, "practitioner")
    page.goto(f"/programme/{world['referral'].pk}/change/active/")
    assert_accessible(page)
    _submit(page, "Confirm")
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)
    world["referral"].refresh_from_db()
    assert world["referral"].status == "active"

    # The advocate is told: in the inbox, and on the case with its lawful basis.
    page.context.clear_cookies()
    login(page, "advocate")
    page.goto("/sharing/alerts/")
    assert "Intervention started" in page.content()
    assert_accessible(page)
    page.goto(case_url)
    text = "\n".join(page.locator("#about-the-person ~ *").all_inner_texts())
    assert "Intervention started" in text
    assert "UK GDPR article 6(1)(e)" in text
    assert "Started" in text
    assert_accessible(page)
