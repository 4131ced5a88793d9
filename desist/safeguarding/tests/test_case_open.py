"""Cases the advocacy service opens itself, from a phone call or another agency's referral
(issue 20): the source is recorded, the victim record is the service's own, a call in which the
advocate spoke to the victim is first contact, and only advocacy staff of the service may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.people.tests.factories import assert_ladder
from desist.safeguarding import selectors, services
from desist.safeguarding.models import AdvocacyCase

R = RoleCode
REFERRER = "Duty social worker Ama Mensah, 01273 900100"


def _open(actor: Any, service: Any, **over: Any) -> AdvocacyCase:
    values: dict[str, Any] = {
        "origin": "agency",
        "referred_at": timezone.now() - dt.timedelta(hours=3),
        "first_names": "Saoirse",
        "last_name": "Delaney",
        "phone": "07700 900321",
        "agency_kind": "children",
        "referrer": REFERRER,
        "notes": "Mother of a pupil; ex-partner waits at the school gate.",
    }
    values.update(over)
    return services.advocacy_case_open(actor=actor, service=service, **values)


def test_agency_referral_records_its_source(advocate: Any, advocacy_org: Any) -> None:
    case = _open(advocate, advocacy_org)
    assert (case.origin, case.agency_kind, case.referrer) == ("agency", "children", REFERRER)
    assert case.victim.owner_id == advocacy_org.pk and case.victim.force_id is None
    assert case.first_contact_at is None and case.referred_by_id == advocate.pk
    assert selectors.victim_get_for(actor=advocate, victim_id=case.victim_id) == case.victim
    event = AuditEvent.objects.get(verb="advocacy.case_open")
    assert event.new_values["origin"] == "agency" and event.new_values["agency_kind"] == "children"
    assert "Mensah" not in str(event.new_values) and "Saoirse" not in str(event.new_values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT referrer FROM safeguarding_advocacycase WHERE id = %s", [case.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gAAAA") and "Mensah" not in raw


def test_a_call_with_the_victim_is_first_contact(advocate: Any, advocacy_org: Any) -> None:
    when = timezone.now() - dt.timedelta(hours=1)
    case = _open(
        advocate,
        advocacy_org,
        origin="phone",
        referred_at=when,
        agency_kind="health",  # not an agency referral: not kept
        referrer="",
        spoke_to_victim=True,
        safe_channels=["phone"],
    )
    assert case.first_contact_at == when and case.agency_kind == ""
    assert not case.first_contact_overdue(now=when + dt.timedelta(days=5))
    third_party = _open(
        advocate, advocacy_org, origin="phone", referrer="Her sister", different_person=True
    )
    assert third_party.first_contact_at is None


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"origin": "police"}, "origin", "Select how the referral came in"),
        ({"referred_at": None}, "referred_on", "Enter the date of the call or referral"),
        (
            {"referred_at": timezone.now() + dt.timedelta(days=1)},
            "referred_on",
            "The date of the call or referral must be today or in the past",
        ),
        (
            {"agency_kind": ""},
            "agency_kind",
            "Select the kind of agency that referred the victim",
        ),
        ({"referrer": " "}, "referrer", "Enter who referred the victim and how to reach them"),
        ({"first_names": ""}, "first_names", "Enter the victim's first names"),
        (
            {"phone": "", "email": ""},
            "phone",
            "Enter a telephone number or an email address for the victim",
        ),
    ],
)
def test_validation(
    advocate: Any, advocacy_org: Any, over: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _open(advocate, advocacy_org, **over)
    assert exc.value.message_dict[field] == [message]
    assert not AdvocacyCase.objects.exists()


def test_only_the_services_own_staff_open_cases(
    users: dict[RoleCode, Any], advocacy_org: Any, other_advocate: Any
) -> None:
    for role in (R.POLICE_OFFICER, R.PRACTITIONER, R.PROGRAMME_MANAGER):
        with pytest.raises(PermissionDenied):
            _open(users[role], advocacy_org)
    with pytest.raises(PermissionDenied):
        _open(other_advocate, advocacy_org)  # another service's advocate
    assert not AdvocacyCase.objects.exists()


def test_form_ladder_errors_and_case_page(
    client: Any, users: dict[RoleCode, Any], advocate: Any
) -> None:
    url = reverse("safeguarding:case_open")
    assert_ladder(client, users, url, allowed={R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER})
    client.force_login(advocate)
    html = client.post(url, {"origin": "agency"}).content.decode()
    for message in (
        "Select the kind of agency that referred the victim",
        "Enter the victim&#x27;s first names",
        "Enter a telephone number or an email address for the victim",
    ):
        assert message in html
    response = client.post(
        url,
        {
            "origin": "agency",
            "referred_on": timezone.localdate().isoformat(),
            "agency_kind": "housing",
            "referrer": REFERRER,
            "first_names": "Saoirse",
            "last_name": "Delaney",
            "email": "saoirse@example.org",
            "safe_channels": ["email"],
        },
    )
    case = AdvocacyCase.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Referral from another agency (Housing)" in page and "Ama Mensah" in page
    assert case.victim.safe_channels == ["email"]


def test_a_call_years_ago_is_refused(advocate: Any, advocacy_org: Any) -> None:
    """Tester finding: a referral dated 1991 opened a case; the date is within the last year."""
    with pytest.raises(ValidationError) as exc:
        _open(advocate, advocacy_org, referred_at=timezone.now() - dt.timedelta(days=400))
    assert exc.value.message_dict["referred_on"] == [
        "The date of the call or referral must be within the last year"
    ]
    earliest = services.opening_earliest(timezone.localdate())
    at = timezone.make_aware(dt.datetime.combine(earliest, dt.time(12, 0)))
    assert _open(advocate, advocacy_org, referred_at=at).referred_at == at


def test_spoke_to_the_victim_only_on_a_call(advocate: Any, advocacy_org: Any) -> None:
    """Tester finding: 'I spoke to the victim on this call' with an agency's referral was
    dropped without a word."""
    with pytest.raises(ValidationError) as exc:
        _open(advocate, advocacy_org, spoke_to_victim=True)
    assert exc.value.message_dict["spoke_to_victim"] == [services.OPENING_SPOKE_NOT_CALL]
    assert not AdvocacyCase.objects.exists()


def test_the_form_shows_every_error_at_once(client: Any, advocate: Any) -> None:
    """Tester finding: a refused date hid the other errors until it was put right."""
    client.force_login(advocate)
    response = client.post(
        reverse("safeguarding:case_open"),
        {"origin": "agency", "referred_on": "1991-03-04", "spoke_to_victim": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["referred_on"] == [
        "The date of the call or referral must be within the last year"
    ]
    assert errors["agency_kind"] == ["Select the kind of agency that referred the victim"]
    assert errors["spoke_to_victim"] == [services.OPENING_SPOKE_NOT_CALL]
    assert errors["phone"] == ["Enter a telephone number or an email address for the victim"]
    assert "govuk-error-summary" in response.content.decode()
    assert not AdvocacyCase.objects.exists()


def test_a_call_with_the_victim_records_a_safe_way_to_reach_her(
    advocate: Any, advocacy_org: Any
) -> None:
    """Tester finding: a case opened from a call with the victim kept no safe way to contact
    her. Whoever spoke to her can ask; a referral from someone else may not know."""
    with pytest.raises(ValidationError) as refused:
        _open(advocate, advocacy_org, origin="phone", referrer="", spoke_to_victim=True)
    assert refused.value.message_dict["safe_channels"] == [
        "Select at least one safe way to contact the victim (ask them during the call)"
    ]
    assert not AdvocacyCase.objects.exists()
    assert _open(advocate, advocacy_org, origin="phone", referrer="Her sister").pk


def test_a_case_opened_today_is_dated_when_it_was_opened(
    client: Any, advocate: Any, advocacy_org: Any
) -> None:
    """Tester finding: a call at 14:58 was recorded as first contact at 12:00."""
    client.force_login(advocate)
    before = timezone.now()
    response = client.post(
        reverse("safeguarding:case_open"),
        {
            "origin": "phone",
            "referred_on": timezone.localdate().isoformat(),
            "spoke_to_victim": "on",
            "safe_channels": ["text"],
            "first_names": "Ione",
            "last_name": "Castell",
            "phone": "07700 900654",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = AdvocacyCase.objects.get()
    assert case.first_contact_at is not None and case.first_contact_at >= before


def test_an_open_case_of_the_same_person_is_named_before_a_second_is_opened(
    client: Any, advocate: Any, advocacy_org: Any
) -> None:
    """Tester finding: the same caller opened two cases and two victim records, unwarned."""
    first = _open(advocate, advocacy_org)
    for same in ({"phone": "07700900321"}, {"phone": "", "email": "x@example.org"}):
        with pytest.raises(ValidationError) as refused:
            _open(advocate, advocacy_org, **same)
        (message,) = refused.value.message_dict["different_person"]
        assert message.startswith(f"Open case {first.reference} may be the same person")
    assert AdvocacyCase.objects.count() == 1
    # Confirmed a different person: opened; a closed case is no twin.
    assert _open(advocate, advocacy_org, different_person=True).pk
    # The page shows the question with the message, and the answer carries through.
    client.force_login(advocate)
    data = {
        "origin": "agency",
        "referred_on": timezone.localdate().isoformat(),
        "agency_kind": "children",
        "referrer": REFERRER,
        "first_names": "Saoirse",
        "last_name": "Delaney",
        "phone": "07700 900999",
    }
    page = client.post(reverse("safeguarding:case_open"), data).content.decode()
    assert "may be the same person" in page and 'name="different_person"' in page
    response = client.post(reverse("safeguarding:case_open"), {**data, "different_person": "on"})
    assert response.status_code == 302
    assert AdvocacyCase.objects.count() == 3


def test_a_safe_way_to_contact_needs_its_detail(advocate: Any, advocacy_org: Any) -> None:
    """Tester finding: a case opened with 'Email' as its only safe way and no email address."""
    with pytest.raises(ValidationError) as refused:
        _open(advocate, advocacy_org, safe_channels=["email"])
    assert refused.value.message_dict["email"] == [
        "Enter the victim's email address, or untick 'Email' as a safe way to contact"
    ]
    with pytest.raises(ValidationError) as refused:
        _open(advocate, advocacy_org, phone="", email="s.d@example.org", safe_channels=["text"])
    assert refused.value.message_dict["phone"] == [
        "Enter the victim's mobile number, or untick 'Text message' as a safe way to contact"
    ]
    assert not AdvocacyCase.objects.exists()
    case = _open(advocate, advocacy_org, safe_channels=["phone", "text", "letter"])
    assert case.victim.safe_channels == ["phone", "text", "letter"]
