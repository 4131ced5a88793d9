"""The practitioner's home as a caseload dashboard (issue 20): new allocations with their
assessments due, consents, outcome measures, end reports and clinical notes due, beside the
sessions this week, each from the practitioner's own caseload, and a query count that does not
grow with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.core.roles import RoleCode
from desist.programme import actions, queues, selectors
from desist.programme.models import (
    Attendance,
    Measure,
    Programme,
    Referral,
    ReferralStatusChange,
)
from desist.programme.tests.conftest import S, book, held_sessions, referral_at

pytestmark = pytest.mark.django_db


def _allocated(programme: Programme, officer: Any, practitioner: Any, days_ago: int) -> Referral:
    r = referral_at(programme, officer, S.ALLOCATED, practitioner=practitioner)
    ReferralStatusChange.objects.create(
        referral=r,
        from_status=S.RECEIVED,
        to_status=S.ALLOCATED,
        changed_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return r


def _measure(referral: Referral, practitioner: Any, timepoint: str) -> None:
    Measure.objects.create(
        referral=referral,
        instrument=actions.measure_instruments().get(code="desist-progress-check"),
        timepoint=timepoint,
        assessed_on=timezone.localdate(),
        assessor=practitioner,
    )


def _caseload(programme: Programme, officer: Any, practitioner: Any) -> dict[str, Referral]:
    made = {
        "new": _allocated(programme, officer, practitioner, 2),
        "older": _allocated(programme, officer, practitioner, 20),
        "offered": referral_at(programme, officer, S.SUITABLE, practitioner=practitioner),
        "starting": referral_at(programme, officer, S.ACTIVE, practitioner=practitioner),
        "midway": referral_at(programme, officer, S.ACTIVE, practitioner=practitioner),
        "ended": referral_at(programme, officer, S.ACTIVE, practitioner=practitioner),
    }
    _measure(made["midway"], practitioner, "before")
    held_sessions(practitioner, made["midway"], [1, 2, 3, 4, 5, 6])
    _measure(made["ended"], practitioner, "before")
    _measure(made["ended"], practitioner, "mid")
    Referral.objects.filter(pk=made["ended"].pk).update(
        status=S.DISENGAGED, ended_on=timezone.localdate()
    )
    return made


def test_each_queue_lists_what_is_due_from_the_practitioners_own_caseload(
    programme: Programme, officer: Any, practitioner: Any, make_user: Any
) -> None:
    made = _caseload(programme, officer, practitioner)
    colleague = make_user(RoleCode.PRACTITIONER)
    referral_at(programme, officer, S.ALLOCATED, practitioner=colleague)  # not theirs

    assert list(selectors.allocations_for(actor=practitioner)) == [made["older"], made["new"]]
    assert list(selectors.consents_due_for(actor=practitioner)) == [made["offered"]]
    due = {r.pk: r.due for r in selectors.measures_due_for(actor=practitioner)}
    assert due == {
        made["starting"].pk: "before",
        made["midway"].pk: "mid",
        made["ended"].pk: "after",
    }
    assert list(selectors.end_reports_due_for(actor=practitioner)) == [made["ended"]]
    notes = selectors.notes_due_for(actor=practitioner)
    assert sorted(s.number for s in notes) == [1, 2, 3, 4, 5, 6]
    # Written notes and a missed session leave the queue; so does a measure taken.
    first = notes.get(number=1)
    actions.clinical_note_save(
        actor=practitioner, session=first, text="Formulation.", base_revision=0
    )
    assert 1 not in [s.number for s in selectors.notes_due_for(actor=practitioner)]
    _measure(made["midway"], practitioner, "mid")
    assert made["midway"].pk not in {r.pk for r in selectors.measures_due_for(actor=practitioner)}
    assert selectors.allocations_for(actor=colleague).count() == 1


def test_a_missed_session_is_not_a_note_due(active: Referral, practitioner: Any) -> None:
    base = timezone.now() - dt.timedelta(days=30)
    s = actions.session_schedule(
        actor=practitioner, referral=active, starts_at=base, duration_minutes=45, remote=True
    )
    actions.session_record_attendance(
        actor=practitioner,
        session=s,
        version=s.version,
        attendance=Attendance.DNA,
        absence_acceptable=True,
        absence_reason="Unwell",
    )
    assert not selectors.notes_due_for(actor=practitioner).exists()


def _home(client: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_the_home_page_shows_the_dashboard_in_a_fixed_number_of_queries(
    client: Any, programme: Programme, officer: Any, practitioner: Any
) -> None:
    made = _caseload(programme, officer, practitioner)
    client.force_login(practitioner)
    page, few = _home(client)
    for title in (
        "Sessions today and this week",
        "New allocations: suitability assessments due",
        "Consent to record",
        "Outcome measures due",
        "End-of-intervention reports to write",
        "Clinical notes to write",
    ):
        assert title in page
    assert reverse("programme:assess", args=[made["new"].pk]) in page
    assert reverse("programme:end_report", args=[made["ended"].pk]) in page
    assert "Mid-way" in page and "At the end" in page and "New" in page
    _caseload(programme, officer, practitioner)
    _caseload(programme, officer, practitioner)
    _, more = _home(client)
    assert more == few
    assert few <= 40


def test_the_home_queues_show_the_day_the_history_records_not_today(
    client: Any, programme: Programme, officer: Any, practitioner: Any, clin: Any
) -> None:
    """Tester finding: "Allocated <today>" and "Waiting since <today>" for changes the history
    dates weeks back; the queues read when the change was typed in, not the day it took
    effect. The waiting list is ordered by that day too (it is the order places are offered)."""
    today = timezone.localdate()
    three_days_ago = today - dt.timedelta(days=3)
    received = referral_at(programme, officer, S.RECEIVED)
    actions.referral_transition(
        actor=clin,
        referral=received,
        version=received.version,
        target=S.ALLOCATED,
        effective_on=three_days_ago,
        practitioner=practitioner,
    )
    client.force_login(practitioner)
    page, _ = _home(client)
    assert f"Allocated {three_days_ago.day} {three_days_ago:%B} {three_days_ago.year}" in page
    assert f"Allocated {today.day} {today:%B} {today.year}" not in page

    # Two on the waiting list, both typed in today: the one waiting longer by its history
    # comes first, though it was recorded last.
    recent = referral_at(programme, officer, S.WAITING)
    longer = referral_at(programme, officer, S.WAITING)
    for referral, days in ((recent, 10), (longer, 40)):
        ReferralStatusChange.objects.create(
            referral=referral,
            from_status=S.ALLOCATED,
            to_status=S.WAITING,
            effective_on=today - dt.timedelta(days=days),
        )
    assert list(selectors.waiting_list_for(actor=clin)) == [longer, recent]
    assert actions.waiting_queue(programme) == [longer.pk, recent.pk]
    client.force_login(clin)
    page, _ = _home(client)
    day = today - dt.timedelta(days=40)
    assert f"Waiting since {day.day} {day:%B} {day.year}" in page
    assert f"Waiting since {today.day} {today:%B} {today.year}" not in page
    assert page.index(longer.reference) < page.index(recent.reference)


def _work(client: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("programme:work"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_a_home_list_cut_short_offers_see_all_and_the_page_lists_every_row(
    client: Any, programme: Programme, officer: Any, practitioner: Any
) -> None:
    """Tester finding (issue 20): six clinical notes due showed five, with no way to the sixth."""
    made = _caseload(programme, officer, practitioner)
    client.force_login(practitioner)
    home, _ = _home(client)
    notes = home.split("Clinical notes to write")[1].split("</section>")[0]
    assert notes.count('href="/programme/sessions/') == 5
    see_all = reverse("programme:work") + "#provider-notes"
    assert f'href="{see_all}">See all 6' in notes

    page, few = _work(client)
    listed = page.split('id="provider-notes"')[1]
    for s in made["midway"].sessions.all():
        assert reverse("programme:notes", args=[s.pk]) in listed
    assert "Clinical notes to write (6)" in page
    # A list page: its query count does not grow with the caseload.
    _caseload(programme, officer, practitioner)
    _, more = _work(client)
    assert more == few


def test_every_practitioner_list_cut_short_on_the_home_page_has_somewhere_to_see_all(
    practitioner: Any,
) -> None:
    from desist.home.queues import queues_for

    for spec in queues_for(RoleCode.PRACTITIONER):
        if spec.provider is not None:
            more = spec.result(practitioner, None).more_url  # type: ignore[arg-type]
            if spec.provider.__module__ == "desist.programme.queues":
                # Each programme list to its own full section on "Your caseload", never a
                # page showing fewer (the calendar shows one week).
                assert spec.key in queues.FULL_LISTS, spec.key
                assert more == reverse("programme:work") + f"#{queues.anchor(spec.key)}", spec.key
            else:
                assert more, spec.key  # another service's own list page (alerts)


def _unrecorded(practitioner: Any, referral: Referral, count: int) -> None:
    """Sessions held weeks ago with no attendance recorded: outside the calendar's week."""
    for n in range(count):
        book(practitioner, referral, days_ago=14 + 2 * n)


def test_see_all_attendance_to_record_reaches_every_session_on_your_caseload(
    client: Any, programme: Programme, officer: Any, practitioner: Any, active: Referral
) -> None:
    """Tester finding (issue 20): "See all 6 in attendance to record" went to the calendar's
    current week, which showed none of them; "Your caseload" had no such section."""
    _unrecorded(practitioner, active, 6)
    client.force_login(practitioner)
    home, _ = _home(client)
    due = home.split("Attendance to record")[1].split("</section>")[0]
    see_all = reverse("programme:work") + "#provider-attendance_due"
    assert f'href="{see_all}">See all 6' in due
    page, few = _work(client)
    for title in (
        "Sessions today and this week",
        "Attendance to record (6)",
        "New allocations: suitability assessments due",
    ):
        assert title in page
    listed = page.split('id="provider-attendance_due"')[1].split("</table>")[0]
    for s in active.sessions.all():
        assert reverse("programme:attendance", args=[s.pk]) in listed
    # The full lists in a fixed number of queries, however many rows.
    other = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    _unrecorded(practitioner, other, 4)
    _caseload(programme, officer, practitioner)
    page, more = _work(client)
    assert "Attendance to record (10)" in page
    assert more == few
