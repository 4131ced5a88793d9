"""Series booking (issue 20): the open slots of the plan, weekly at one day and time. The
preview shows each row's slot, module and clashes and writes nothing; confirming books the
clear rows and leaves the clashing slots open, numbers and modules kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.programme import actions
from desist.programme.actions.sessions import open_slots, plan_slots
from desist.programme.models import ProgrammeSession, Referral, SessionState
from desist.programme.tests.conftest import S, referral_at

pytestmark = pytest.mark.django_db

# Mondays from 1 March 2027: the fifth is Easter Monday (29 March), the tenth the early May
# bank holiday (3 May).
FIRST = dt.date(2027, 3, 1)
AT = dt.time(10, 0)


def _request(first: dt.date = FIRST, **kw: Any) -> actions.SeriesRequest:
    values: dict[str, Any] = {
        "first_day": first,
        "at": AT,
        "duration_minutes": 60,
        "remote": False,
        "place": "Harbour House, room 2",
    }
    values.update(kw)
    return actions.SeriesRequest(**values)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_the_preview_proposes_each_open_slot_weekly_with_its_module_and_writes_nothing(
    active: Referral, practitioner: Any
) -> None:
    before = (ProgrammeSession.objects.count(), AuditEvent.objects.count())
    rows = actions.session_series_preview(actor=practitioner, referral=active, request=_request())
    assert [r.number for r in rows] == list(range(1, 13))
    assert [timezone.localtime(r.starts_at) for r in rows] == [
        _at(FIRST + dt.timedelta(weeks=i), 10) for i in range(12)
    ]
    plan = plan_slots(active)
    assert [r.module for r in rows] == [plan[n]["module"] for n in range(1, 13)]
    assert rows[3].module_label == "Mindfulness"  # slots 3 and 4
    assert rows[4].problems == ("Bank holiday in England and Wales (Easter Monday)",)
    assert rows[9].problems == ("Bank holiday in England and Wales (May Day)",)
    assert [r.number for r in rows if not r.clear] == [5, 10]
    assert (ProgrammeSession.objects.count(), AuditEvent.objects.count()) == before


def test_the_preview_shows_practitioner_person_and_start_date_clashes(
    programme: Any, officer: Any, active: Referral, practitioner: Any, make_user: Any
) -> None:
    other = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    # The practitioner is busy on the third Monday, the person (with a colleague) the fourth.
    actions.session_schedule(
        actor=practitioner,
        referral=other,
        starts_at=_at(FIRST + dt.timedelta(weeks=2), 10, 30),
        remote=True,
    )
    colleague = make_user(RoleCode.PRACTITIONER)
    actions.session_schedule(
        actor=practitioner,
        referral=active,
        starts_at=_at(FIRST + dt.timedelta(weeks=3), 9, 30),
        remote=True,
        practitioner=colleague,
        number=12,
    )
    rows = actions.session_series_preview(actor=practitioner, referral=active, request=_request())
    assert [r.number for r in rows] == list(range(1, 12))  # slot 12 is taken
    name = practitioner.get_full_name() or practitioner.username
    assert rows[2].problems == (f"{name} already has a session from 10:30 to 11:30",)
    assert rows[3].problems == ("This person already has a session from 09:30 to 10:30",)
    # Starting the series before the intervention begins: those weeks are flagged.
    active.started_on = FIRST + dt.timedelta(weeks=1)
    active.save(update_fields=["started_on"])
    early = FIRST
    rows = actions.session_series_preview(
        actor=practitioner, referral=active, request=_request(early)
    )
    started = f"{active.started_on.day} {active.started_on:%B %Y}"
    assert rows[0].problems[0] == f"Before the intervention's start on {started}"
    assert rows[1].clear or "Before" not in rows[1].problems[0]


def test_confirming_books_the_clear_rows_and_leaves_the_clashing_slots_open(
    active: Referral, practitioner: Any
) -> None:
    booked, left = actions.session_series_book(
        actor=practitioner, referral=active, request=_request()
    )
    assert [s.number for s in booked] == [1, 2, 3, 4, 6, 7, 8, 9, 11, 12]
    assert [r.number for r in left] == [5, 10]
    assert open_slots(active) == [5, 10]
    plan = plan_slots(active)
    for s in booked:
        assert s.module == plan[s.number]["module"]
        assert s.place == "Harbour House, room 2"
        assert s.practitioner == practitioner
    events = AuditEvent.objects.filter(verb="programme.session_schedule")
    assert sorted(int(e.object_id) for e in events) == sorted(s.pk for s in booked)
    # A second series fills the two open slots, a day later in the week: no repeat number.
    booked, left = actions.session_series_book(
        actor=practitioner, referral=active, request=_request(FIRST + dt.timedelta(days=1))
    )
    assert [s.number for s in booked] == [5, 10] and left == []
    live = active.sessions.filter(state=SessionState.SCHEDULED)
    assert sorted(live.values_list("number", flat=True)) == list(range(1, 13))


def test_a_clash_arising_after_the_preview_is_still_not_booked(
    programme: Any, officer: Any, active: Referral, practitioner: Any
) -> None:
    rows = actions.session_series_preview(actor=practitioner, referral=active, request=_request())
    assert rows[1].clear
    other = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    actions.session_schedule(
        actor=practitioner,
        referral=other,
        starts_at=_at(FIRST + dt.timedelta(weeks=1), 10),
        remote=True,
    )
    booked, left = actions.session_series_book(
        actor=practitioner, referral=active, request=_request()
    )
    assert [r.number for r in left] == [2, 5, 10]
    assert 2 not in [s.number for s in booked]


def test_the_series_is_validated_with_gov_uk_messages(active: Referral, practitioner: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.session_series_preview(
            actor=practitioner,
            referral=active,
            request=actions.SeriesRequest(
                first_day=None, at=None, duration_minutes=5, remote=False, place=" "
            ),
        )
    assert exc.value.message_dict == {
        "first_day": ["Enter the date of the first session"],
        "at": ["Enter the time of the sessions"],
        "duration_minutes": ["Enter the length of each session, between 15 and 240 minutes"],
        "place": ["Enter where the sessions will be held"],
    }


def test_a_series_needs_consent_and_an_open_slot(
    programme: Any, officer: Any, active: Referral, practitioner: Any
) -> None:
    allocated = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    with pytest.raises(ValidationError) as exc:
        actions.session_series_book(actor=practitioner, referral=allocated, request=_request())
    assert exc.value.message_dict["first_day"] == [
        "Sessions can be booked only once consent is given and until the intervention ends"
    ]
    actions.session_series_book(actor=practitioner, referral=active, request=_request())
    actions.session_series_book(
        actor=practitioner, referral=active, request=_request(FIRST + dt.timedelta(days=1))
    )
    with pytest.raises(ValidationError) as exc:
        actions.session_series_preview(actor=practitioner, referral=active, request=_request())
    assert exc.value.message_dict["first_day"] == ["All 12 sessions of the plan are already booked"]


def test_every_row_clashing_is_refused(active: Referral, practitioner: Any) -> None:
    # A Christmas Day series of one: the only open slot falls on a bank holiday.
    actions.session_series_book(actor=practitioner, referral=active, request=_request())
    christmas = dt.date(2027, 12, 25)
    actions.session_schedule(
        actor=practitioner,
        referral=active,
        starts_at=_at(christmas + dt.timedelta(days=4), 9),
        remote=True,
    )
    assert open_slots(active) == [10]
    with pytest.raises(ValidationError) as exc:
        actions.session_series_book(
            actor=practitioner, referral=active, request=_request(christmas)
        )
    assert exc.value.message_dict["first_day"] == [
        "Every proposed session has a clash: choose another day or time"
    ]


def test_the_page_previews_then_books(client: Any, active: Referral, practitioner: Any) -> None:
    client.force_login(practitioner)
    url = reverse("programme:series", args=[active.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"12 sessions of the plan are open" in page.content
    data = {
        "first_day": FIRST.isoformat(),
        "at": "10:00",
        "duration_minutes": "60",
        "remote": "no",
        "place": "Harbour House, room 2",
    }
    empty = client.post(url, {"step": "preview"})
    assert b"Enter the date of the first session" in empty.content
    assert b"govuk-error-summary" in empty.content
    preview = client.post(url, {**data, "step": "preview"})
    text = preview.content.decode()
    assert "Monday 29 March 2027, 10:00" in text and "Easter Monday" in text
    assert "Book 10 sessions" in text
    assert not ProgrammeSession.objects.filter(referral=active).exists()
    done = client.post(url, {**data, "step": "confirm"})
    assert done.status_code == 302
    assert ProgrammeSession.objects.filter(referral=active).count() == 10
    shown = client.get(done["Location"]).content.decode()
    assert "10 sessions booked. Not booked, because of a clash: session 5, 10" in shown


@pytest.mark.parametrize(
    "role", [RoleCode.POLICE_OFFICER, RoleCode.VICTIM_ADVOCATE, RoleCode.PROGRAMME_MANAGER]
)
def test_the_page_is_for_provider_staff_only(
    client: Any, users: dict[RoleCode, Any], active: Referral, role: RoleCode
) -> None:
    client.force_login(users[role])
    url = reverse("programme:series", args=[active.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"step": "confirm"}).status_code in (403, 404)
    assert not ProgrammeSession.objects.filter(referral=active).exists()


def test_booking_one_session_fills_the_slot_the_practitioner_chooses(
    client: Any, active: Referral, practitioner: Any
) -> None:
    # After a series leaves slots 5 and 10 open, re-booking slot 10 on its own must not take
    # slot 5's module mid-plan (tester finding): the page offers each open slot by name.
    actions.session_series_book(actor=practitioner, referral=active, request=_request())
    url = reverse("programme:schedule", args=[active.pk])
    client.force_login(practitioner)
    html = client.get(url).content.decode()
    assert "Session 5: " in html and "Session 10: " in html and "Session 6:" not in html
    tenth = FIRST + dt.timedelta(weeks=9, days=1)
    response = client.post(
        url,
        {
            "starts_at": f"{tenth.isoformat()}T14:00",
            "duration_minutes": 60,
            "remote": "yes",
            "number": "10",
        },
    )
    assert response.status_code == 302
    assert open_slots(active) == [5]
    assert (
        active.sessions.get(number=10, state=SessionState.SCHEDULED).module
        == (plan_slots(active)[10]["module"])
    )
    refused = client.post(
        url,
        {
            "starts_at": f"{tenth.isoformat()}T16:00",
            "duration_minutes": 60,
            "remote": "yes",
            "number": "10",
        },
    )
    assert refused.status_code == 200
    assert "Select which session this is" in refused.content.decode()


def test_the_preview_shows_a_room_taken_by_another_practitioner_and_leaves_it_unbooked(
    programme: Any, officer: Any, active: Referral, practitioner: Any, make_user: Any
) -> None:
    colleague = make_user(RoleCode.PRACTITIONER, organisation=practitioner.organisation)
    theirs = referral_at(programme, officer, S.ACTIVE, practitioner=colleague)
    actions.session_schedule(
        actor=colleague,
        referral=theirs,
        starts_at=_at(FIRST + dt.timedelta(weeks=1), 9, 30),
        remote=False,
        place="harbour house,ROOM 2",
    )
    rows = actions.session_series_preview(actor=practitioner, referral=active, request=_request())
    assert rows[1].problems == ("harbour house,ROOM 2 is already booked from 09:30 to 10:30",)
    booked, left = actions.session_series_book(
        actor=practitioner, referral=active, request=_request()
    )
    assert 2 in [r.number for r in left]
    assert 2 not in [s.number for s in booked]
    # Remote sessions take no room.
    rows = actions.session_series_preview(
        actor=practitioner, referral=active, request=_request(remote=True, place="")
    )
    assert rows[1].clear


def test_a_first_day_in_the_past_is_refused(active: Referral, practitioner: Any) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for call in (actions.session_series_preview, actions.session_series_book):
        with pytest.raises(ValidationError) as exc:
            call(actor=practitioner, referral=active, request=_request(yesterday))
        assert exc.value.message_dict["first_day"] == [
            "The date of the first session must be today or in the future"
        ]
    assert not ProgrammeSession.objects.filter(referral=active).exists()


def test_a_weekend_series_is_flagged_before_booking(
    client: Any, active: Referral, practitioner: Any
) -> None:
    # Single booking allows a weekend (only bank holidays are refused), so a series may fall
    # on one too; but the preview says so before anything is booked.
    client.force_login(practitioner)
    sunday = FIRST + dt.timedelta(days=6)
    data = {
        "first_day": sunday.isoformat(),
        "at": "10:00",
        "duration_minutes": "60",
        "remote": "yes",
        "step": "preview",
    }
    text = client.post(reverse("programme:series", args=[active.pk]), data).content.decode()
    assert "Sunday 7 March 2027, 10:00" in text
    assert "These sessions fall on a Sunday, outside the working week" in text
    weekday = client.post(
        reverse("programme:series", args=[active.pk]), {**data, "first_day": FIRST.isoformat()}
    ).content.decode()
    assert "outside the working week" not in weekday
