"""Provider risk alerts link an advocate to the victim's advocacy case, never a provider; the
person who raised a concern is told exactly which organisations and roles were alerted
(issue 11, item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from desist.orders.tests.helpers import make_victim
from desist.sharing.events import EventKind as E
from desist.sharing.events import publish
from desist.sharing.rules import Route, _link_for
from desist.sharing.selectors import NO_ADVOCATE_ALERTED, NOBODY_ALERTED, alert_receipt_for
from desist.sharing.tests.conftest import link_advocate

pytestmark = pytest.mark.django_db


def _raise(practitioner: Any, subject: Any, case: Any) -> list[Any]:
    return publish(
        kind=E.RISK_DISCLOSURE,
        actor=practitioner,
        subject=subject,
        source=case,
        summary="Says he still believes they are together",
    )


def test_advocate_alert_opens_the_victims_advocacy_case(
    client: Any,
    officer: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    supported: Any,
    partnership: Any,
) -> None:
    alerts = _raise(practitioner, subject, case)
    to_advocate = next(a for a in alerts if a.recipient == advocate)
    assert to_advocate.link_url == reverse("safeguarding:case_for_subject", args=[subject.pk])
    # Police keep their own link; nobody but the advocate gets the safeguarding one.
    assert all("safeguarding" not in a.link_url for a in alerts if a.recipient != advocate)
    client.force_login(advocate)
    page = client.get(reverse("sharing:alert_detail", args=[to_advocate.pk])).content.decode()
    assert "Open the victim's advocacy case" in page
    opened = client.get(to_advocate.link_url)
    assert opened.status_code == 302
    assert opened.url == reverse("safeguarding:case", args=[supported.pk])


def test_the_link_prefers_the_advocates_own_open_case(
    client: Any, advocate: Any, make_user: Any, subject: Any, case: Any, victim: Any
) -> None:
    from desist.core.roles import RoleCode

    colleague = make_user(RoleCode.VICTIM_ADVOCATE, organisation=advocate.organisation)
    link_advocate(victim, colleague)
    second = make_victim(case)
    mine = link_advocate(second, advocate)
    client.force_login(advocate)
    opened = client.get(reverse("safeguarding:case_for_subject", args=[subject.pk]))
    assert opened.url == reverse("safeguarding:case", args=[mine.pk])


def test_provider_never_gets_an_advocacy_link(practitioner: Any, subject: Any, case: Any) -> None:
    # Even if a rule ever routed a provider account as an "advocate".
    route = Route(practitioner, "advocate")
    assert _link_for(practitioner, case, subject, route, E.RISK_DISCLOSURE) == ""


@pytest.mark.parametrize("who", ["practitioner", "officer", "other_advocate", "no_case"])
def test_case_for_subject_ladder(
    client: Any,
    who: str,
    users: Any,
    make_user: Any,
    make_org: Any,
    subject: Any,
    supported: Any,
) -> None:
    from desist.core.roles import RoleCode as R

    user = {
        "practitioner": lambda: users[R.PRACTITIONER],
        "officer": lambda: users[R.POLICE_OFFICER],
        "other_advocate": lambda: make_user(R.VICTIM_ADVOCATE, organisation=make_org("advocacy")),
        "no_case": lambda: None,
    }[who]()
    url = reverse("safeguarding:case_for_subject", args=[subject.pk])
    if user is None:
        assert client.get(url).status_code == 302  # anonymous: sent to sign in
        return
    client.force_login(user)
    assert client.get(url).status_code in (403, 404)


def test_receipt_names_the_organisations_and_roles_alerted(
    officer: Any,
    supervisor: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    victim: Any,
    supported: Any,
    partnership: Any,
) -> None:
    _raise(practitioner, subject, case)
    receipt = alert_receipt_for(actor=practitioner, source=case)
    force, service = officer.organisation.name, advocate.organisation.name
    assert receipt == (
        f"{force} (police officer, police supervisor) and {service} (victim advocate) were alerted."
    )
    for secret in (victim.first_names, victim.last_name, victim.phone, victim.email):
        assert secret not in receipt
    # Someone else asking about the same record learns nothing.
    assert alert_receipt_for(actor=officer, source=case) == NOBODY_ALERTED


def test_receipt_says_when_no_advocate_was_alerted(
    officer: Any, practitioner: Any, subject: Any, case: Any, victim: Any, partnership: Any
) -> None:
    _raise(practitioner, subject, case)
    receipt = alert_receipt_for(actor=practitioner, source=case)
    assert receipt.startswith(f"{officer.organisation.name} (police officer")
    assert receipt.endswith(NO_ADVOCATE_ALERTED)
