"""Provider-facing wording is checked when it is shown, not only when it was saved (issue 11).

The tester's scenario: an officer writes a term's provider description naming someone who is
not yet a victim (so the guard at save time passes it), then adds that person as a victim.
The practitioner's referral page must not show her name, street, postcode or phone; the
withholding is audited without the value and the owning police are alerted once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from desist.audit.models import AuditEvent
from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import add_term, ago, full, make_case, make_subject, make_victim
from desist.programme import actions as programme_services
from desist.programme.models import Referral, ReferralStatus
from desist.sharing.events import EventKind
from desist.sharing.models import Alert
from desist.sharing.shown import WITHHELD_TEXT

from .victim_wall import Wall

R = RoleCode
DESCRIPTION = "Must not contact Zara Quinn at 12 Elm Road BN1 1AA or on 07700 900555"
ZARA = ("Zara", "Quinn", "Elm Road", "BN1 1AA", "07700 900555", "900555")


@pytest.fixture
def referral_url(users: dict[RoleCode, Any], orgs: dict[str, Any]) -> dict[str, Any]:
    partnership = Partnership.objects.create(code="pilot", name="Pilot")
    partnership.organisations.add(orgs["police_force"], orgs["provider"], orgs["commissioner"])
    officer, practitioner = users[R.POLICE_OFFICER], users[R.PRACTITIONER]
    programme = programme_services.programme_save(
        actor=users[R.PROGRAMME_MANAGER],
        name="Pilot programme",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=30,
        funding=Decimal("98000"),
        sessions=12,
    )
    subject = make_subject(orgs["police_force"])
    case = make_case(subject)
    protected = make_victim(case)
    order = full(officer, subject, made=ago(60))
    # Accepted: Zara Quinn is nobody's victim yet.
    add_term(officer, order, protected, provider_description=DESCRIPTION)
    # Then she is added to the case, with that address and phone.
    make_victim(
        case,
        first_names="Zara",
        last_name="Quinn",
        address="12 Elm Road, Brighton",
        postcode="BN1 1AA",
        phone="07700 900555",
    )
    referral = programme_services.referral_put_forward(
        actor=officer,
        subject=subject,
        programme=programme,
        order=order,
        risk_summary="Fixated and persistent",
        put_forward_on=timezone.localdate() - dt.timedelta(days=30),
    )
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACTIVE, practitioner=practitioner, started_on=ago(20)
    )
    return {
        "officer": officer,
        "practitioner": practitioner,
        "subject": subject,
        "url": reverse("programme:referral", args=[referral.pk]),
    }


def test_wording_naming_a_victim_added_later_is_withheld_from_the_provider(
    victim_wall: Wall, client: Any, referral_url: dict[str, Any]
) -> None:
    client.force_login(referral_url["practitioner"])
    page = client.get(referral_url["url"]).content.decode()
    assert victim_wall.provider_requests == 1
    assert [z for z in ZARA if z.casefold() in page.casefold()] == []
    assert page.count(escape(WITHHELD_TEXT)) == 1 and "Fixated and persistent" in page
    events = AuditEvent.objects.filter(verb="redaction.withheld_on_display")
    assert [e.new_values["kinds"] for e in events] == [["name", "address", "postcode", "phone"]]
    assert all(z.casefold() not in str(e.new_values).casefold() for e in events for z in ZARA)
    alerts = Alert.objects.filter(kind=EventKind.WORDING_WITHHELD)
    assert {a.recipient.organisation.kind for a in alerts} == {"police_force"}
    assert all(z.casefold() not in (a.title + a.body).casefold() for a in alerts for z in ZARA)
    first = alerts.count()
    assert first >= 1
    # Seen again: audited again, but the police are not alerted twice for the same wording.
    client.get(referral_url["url"])
    assert AuditEvent.objects.filter(verb="redaction.withheld_on_display").count() == 2
    assert Alert.objects.filter(kind=EventKind.WORDING_WITHHELD).count() == first


def test_police_still_read_the_wording_they_wrote(
    client: Any, referral_url: dict[str, Any]
) -> None:
    client.force_login(referral_url["officer"])
    page = client.get(referral_url["url"]).content.decode()
    assert escape(WITHHELD_TEXT) not in page and "Fixated and persistent" in page
    assert not AuditEvent.objects.filter(verb="redaction.withheld_on_display").exists()
