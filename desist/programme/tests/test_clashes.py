"""No double booking and no bank holiday (issue 20): a booking or a move that overlaps another
session of the practitioner, or of the person, is refused, and so is a day that is a bank
holiday in England and Wales, each with a GOV.UK message on the date and time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.core.dates import bank_holiday
from desist.programme import actions
from desist.programme.models import Referral
from desist.programme.tests.conftest import S, referral_at

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _working_day(days_ago: int) -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    while bank_holiday(day):
        day -= dt.timedelta(days=1)
    return day


def _schedule(actor: Any, referral: Referral, when: dt.datetime, minutes: int = 60) -> Any:
    return actions.session_schedule(
        actor=actor,
        referral=referral,
        starts_at=when,
        duration_minutes=minutes,
        remote=False,
        place="Harbour House, room 2",
    )


def test_bank_holidays_of_england_and_wales() -> None:
    assert bank_holiday(dt.date(2026, 12, 25)) == "Christmas Day"
    assert bank_holiday(dt.date(2026, 12, 28)) == "Boxing Day (observed)"
    assert bank_holiday(dt.date(2027, 3, 29)) == "Easter Monday"
    assert bank_holiday(dt.date(2026, 12, 29)) == ""
    assert bank_holiday(dt.date(2027, 11, 30)) == ""  # St Andrew's Day: Scotland only


def test_a_session_on_a_bank_holiday_is_refused(active: Referral, practitioner: Any) -> None:
    christmas = dt.date(timezone.localdate().year, 12, 25)
    with pytest.raises(ValidationError) as exc:
        _schedule(practitioner, active, _at(christmas, 10))
    assert exc.value.message_dict["starts_at"] == [
        f"25 December {christmas.year} is a bank holiday (Christmas Day) in England and Wales: "
        "choose another day"
    ]


def test_double_booking_the_practitioner_is_refused_across_referrals(
    programme: Any, officer: Any, active: Referral, practitioner: Any
) -> None:
    other = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    day = _working_day(20)
    first = _schedule(practitioner, active, _at(day, 10), 60)
    for start, minutes in ((10, 60), (9, 90), (10, 15)):
        with pytest.raises(ValidationError) as exc:
            _schedule(practitioner, other, _at(day, start, 30 if minutes == 15 else 0), minutes)
        name = practitioner.get_full_name() or practitioner.username
        assert exc.value.message_dict["starts_at"] == [
            f"{name} already has a session from 10:00 to 11:00 on {day.day} {day:%B} "
            f"{day.year}: choose another time"
        ]
    # Back to back is no clash; nor is a session the practitioner no longer holds.
    assert _schedule(practitioner, other, _at(day, 11), 60).number == 1
    actions.session_cancel(actor=practitioner, session=first, version=first.version, reason="Ill")
    assert _schedule(practitioner, other, _at(day, 10), 60).number == 2


def test_double_booking_the_person_with_another_practitioner_is_refused(
    active: Referral, practitioner: Any, clin: Any
) -> None:
    day = _working_day(20)
    _schedule(practitioner, active, _at(day, 14))
    with pytest.raises(ValidationError) as exc:
        actions.session_schedule(
            actor=clin,
            referral=active,
            starts_at=_at(day, 14, 30),
            remote=True,
            place="",
            practitioner=clin,
        )
    assert exc.value.message_dict["starts_at"][0].startswith(
        "This person already has a session from 14:00 to 15:00"
    )


def test_moving_a_session_onto_another_or_a_bank_holiday_is_refused(
    active: Referral, practitioner: Any
) -> None:
    day = _working_day(20)
    one = _schedule(practitioner, active, _at(day, 10))
    two = _schedule(practitioner, active, _at(day, 12))
    move = {"duration_minutes": 60, "remote": True, "place": "", "reason": "Clash"}
    with pytest.raises(ValidationError) as exc:
        actions.session_reschedule(
            actor=practitioner, session=two, version=two.version, starts_at=_at(day, 10, 30), **move
        )
    assert "already has a session from 10:00 to 11:00" in exc.value.message_dict["starts_at"][0]
    christmas = dt.date(timezone.localdate().year, 12, 25)
    with pytest.raises(ValidationError) as exc:
        actions.session_reschedule(
            actor=practitioner,
            session=two,
            version=two.version,
            starts_at=_at(christmas, 9),
            **move,
        )
    assert "is a bank holiday (Christmas Day)" in exc.value.message_dict["starts_at"][0]
    # Moving a session within its own hour is no clash with itself.
    moved = actions.session_reschedule(
        actor=practitioner, session=one, version=one.version, starts_at=_at(day, 10, 15), **move
    )
    assert moved.replaces == one


def test_the_booking_page_shows_the_clash(client: Any, active: Referral, practitioner: Any) -> None:
    day = _working_day(20)
    _schedule(practitioner, active, _at(day, 10))
    client.force_login(practitioner)
    response = client.post(
        reverse("programme:schedule", args=[active.pk]),
        {
            "starts_at": f"{day.isoformat()}T10:30",
            "duration_minutes": 60,
            "remote": "yes",
            "place": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "already has a session from 10:00 to 11:00" in page


def test_booking_a_room_already_taken_in_the_provider_is_refused(
    client: Any,
    programme: Any,
    officer: Any,
    active: Referral,
    practitioner: Any,
    make_user: Any,
) -> None:
    """Tester finding: the same room at an overlapping time for another practitioner's client
    was accepted. Rooms are free text, compared without case or spaces."""
    from desist.core.roles import RoleCode

    colleague = make_user(RoleCode.PRACTITIONER, organisation=practitioner.organisation)
    theirs = referral_at(programme, officer, S.ACTIVE, practitioner=colleague)
    day = _working_day(20)
    actions.session_schedule(
        actor=colleague,
        referral=theirs,
        starts_at=_at(day, 10),
        remote=False,
        place="Room 2, Harbour House",
    )
    for place in ("Room 2, Harbour House", "room 2,  harbour house", " ROOM 2 , HARBOUR HOUSE"):
        with pytest.raises(ValidationError) as exc:
            actions.session_schedule(
                actor=practitioner,
                referral=active,
                starts_at=_at(day, 10, 30),
                remote=False,
                place=place,
            )
        assert exc.value.message_dict["place"] == [
            f"Room 2, Harbour House is already booked from 10:00 to 11:00 on {day.day} "
            f"{day:%B} {day.year}: choose another room or time"
        ]
    # The booking page: a GOV.UK error on the place, in the summary too.
    client.force_login(practitioner)
    response = client.post(
        reverse("programme:schedule", args=[active.pk]),
        {
            "starts_at": f"{day.isoformat()}T10:30",
            "duration_minutes": 60,
            "remote": "no",
            "place": "room 2, harbour house",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert 'href="#id_place"' in page
    assert "Room 2, Harbour House is already booked from 10:00 to 11:00" in page
    # Another room at that time, or the same room once it is free, is no clash.
    for when, remote, place in (
        (_at(day, 10, 30), False, "Room 3, Harbour House"),
        (_at(day, 11, 30), False, "Room 2, Harbour House"),
    ):
        actions.session_schedule(
            actor=practitioner, referral=active, starts_at=when, remote=remote, place=place
        )
