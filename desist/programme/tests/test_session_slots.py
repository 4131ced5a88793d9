"""The plan's numbered slots: any sequence of booking, cancelling, missing and re-booking keeps
the live sessions in distinct slots of 1..12, each with the module the plan gives its slot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desist.core.dates import bank_holiday
from desist.programme import actions
from desist.programme.actions.sessions import open_slots, plan_slots
from desist.programme.models import Attendance, Programme, Referral, SessionState
from desist.programme.tests.conftest import S, free_time, referral_at

pytestmark = pytest.mark.django_db

ops = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.none() | st.integers(min_value=1, max_value=12)),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("miss"), st.integers(min_value=0, max_value=50)),
    ),
    max_size=30,
)


def _live(referral: Referral) -> list[Any]:
    return list(
        referral.sessions.filter(state=SessionState.SCHEDULED)
        .exclude(attendance=Attendance.DNA)
        .order_by("number")
    )


def _base_day() -> dt.datetime:
    """9:00 on a past day after the start date, with no bank holiday on it or the next day."""
    day = timezone.now().replace(hour=9, minute=0) - dt.timedelta(days=60)
    while bank_holiday(timezone.localdate(day)) or bank_holiday(
        timezone.localdate(day + dt.timedelta(days=1))
    ):
        day -= dt.timedelta(days=1)
    return day


def _book(practitioner: Any, referral: Referral, n: int, slot: int | None) -> Any:
    extra = {} if slot is None else {"number": slot}
    # One hour apart on the same past morning(s): no overlaps, after the start date.
    # (Earlier examples of the property test leave sessions of this practitioner behind.)
    starts = free_time(practitioner, referral, _base_day() + dt.timedelta(hours=n), 45)
    return actions.session_schedule(
        actor=practitioner,
        referral=referral,
        starts_at=starts,
        duration_minutes=45,
        remote=True,
        place="",
        **extra,
    )


def _apply(practitioner: Any, referral: Referral, op: str, arg: Any, n: int) -> None:
    live = _live(referral)
    if op == "book":
        free = open_slots(referral)
        want = arg if arg is not None else (free[0] if free else None)
        if want is None or want not in free:
            with pytest.raises(ValidationError):
                _book(practitioner, referral, n, arg)
            return
        session = _book(practitioner, referral, n, arg)
        assert session.number == want
    elif live and op == "cancel":
        s = live[arg % len(live)]
        actions.session_cancel(actor=practitioner, session=s, version=s.version, reason="Ill")
    elif live and op == "miss":
        s = live[arg % len(live)]
        actions.session_record_attendance(
            actor=practitioner,
            session=s,
            version=s.version,
            attendance=Attendance.DNA,
            absence_acceptable=True,
            absence_reason="Unwell",
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops)
def test_live_slots_stay_unique_and_keep_their_module(
    programme: Programme, officer: Any, practitioner: Any, steps: list[tuple[str, Any]]
) -> None:
    referral = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    plan = plan_slots(referral)
    assert sorted(plan) == list(range(1, 13))
    for n, (op, arg) in enumerate(steps):
        _apply(practitioner, referral, op, arg, n)
        live = _live(referral)
        numbers = [s.number for s in live]
        assert len(numbers) == len(set(numbers)), numbers
        assert set(numbers) <= set(range(1, 13))
        for s in live:
            assert (s.phase, s.module) == (plan[s.number]["phase"], plan[s.number]["module"])
        assert set(numbers) | set(open_slots(referral)) == set(range(1, 13))


def test_cancelling_session_8_rebooks_slot_8_with_its_module(
    active: Referral, practitioner: Any
) -> None:
    sessions = [_book(practitioner, active, n, None) for n in range(12)]
    assert [s.number for s in sessions] == list(range(1, 13))
    s8 = sessions[7]
    actions.session_cancel(actor=practitioner, session=s8, version=s8.version, reason="Ill")
    again = _book(practitioner, active, 20, None)
    assert (again.number, again.module) == (8, s8.module)
    assert sorted(s.number for s in _live(active)) == list(range(1, 13))


def test_a_missed_session_leaves_its_slot_open_and_a_chosen_slot_is_used(
    active: Referral, practitioner: Any
) -> None:
    first = _book(practitioner, active, 0, None)
    fifth = _book(practitioner, active, 1, 5)
    assert fifth.number == 5 and fifth.module == plan_slots(active)[5]["module"]
    actions.session_record_attendance(
        actor=practitioner,
        session=first,
        version=first.version,
        attendance=Attendance.DNA,
        absence_acceptable=False,
        absence_reason="No reply",
    )
    assert _book(practitioner, active, 2, None).number == 1
    with pytest.raises(ValidationError) as exc:
        _book(practitioner, active, 3, 5)
    assert "not already booked" in exc.value.message_dict["number"][0]


def test_attendance_of_a_missed_session_cannot_be_changed_once_its_slot_is_rebooked(
    active: Referral, practitioner: Any
) -> None:
    missed = _book(practitioner, active, 0, None)
    actions.session_record_attendance(
        actor=practitioner,
        session=missed,
        version=missed.version,
        attendance=Attendance.DNA,
        absence_acceptable=True,
        absence_reason="Unwell",
    )
    missed.refresh_from_db()
    assert _book(practitioner, active, 1, None).number == 1
    with pytest.raises(ValidationError) as exc:
        actions.session_record_attendance(
            actor=practitioner,
            session=missed,
            version=missed.version,
            attendance=Attendance.ATTENDED,
        )
    assert "booked again" in exc.value.message_dict["attendance"][0]
    assert [s.number for s in _live(active)] == [1]


def test_no_session_before_the_intervention_started(active: Referral, practitioner: Any) -> None:
    assert active.started_on is not None
    day_before = timezone.make_aware(
        dt.datetime.combine(active.started_on - dt.timedelta(days=1), dt.time(10, 0))
    )
    with pytest.raises(ValidationError) as exc:
        actions.session_schedule(
            actor=practitioner, referral=active, starts_at=day_before, remote=True, place=""
        )
    assert "on or after" in exc.value.message_dict["starts_at"][0]
    ok = actions.session_schedule(
        actor=practitioner,
        referral=active,
        starts_at=day_before + dt.timedelta(days=1),
        remote=True,
        place="",
    )
    with pytest.raises(ValidationError) as exc:
        actions.session_reschedule(
            actor=practitioner,
            session=ok,
            version=ok.version,
            starts_at=day_before,
            duration_minutes=60,
            remote=True,
            place="",
            reason="Moved",
        )
    assert "on or after" in exc.value.message_dict["starts_at"][0]


def test_the_earliest_day_is_named_for_what_it_is(active: Referral, practitioner: Any) -> None:
    """Tester finding (issue 20): with consent given but the intervention not started, the
    message called the consent date "when the intervention started"."""

    def refused(referral: Referral, day: dt.date) -> str:
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        with pytest.raises(ValidationError) as exc:
            actions.session_schedule(
                actor=practitioner, referral=referral, starts_at=when, remote=True, place=""
            )
        return exc.value.message_dict["starts_at"][0]

    assert active.started_on is not None
    message = refused(active, active.started_on - dt.timedelta(days=1))
    assert message.endswith(", the day the intervention started")
    consent = timezone.localdate() - dt.timedelta(days=10)
    Referral.objects.filter(pk=active.pk).update(started_on=None, consent_on=consent)
    active.refresh_from_db()
    message = refused(active, consent - dt.timedelta(days=1))
    assert message == (
        f"The session must be on or after {consent:%-d %B %Y}, the day consent was given"
    )
