"""Pages: permission ladders, the wall (no victim identity for the provider, no clinical notes
for the police), query budgets, the calendar feed, and a whole referral through the browser's
forms (Django test client)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.programme import actions, suitability
from desist.programme.models import (
    Attendance,
    Programme,
    ProgrammeSession,
    Referral,
    ReferralStatus,
)
from desist.programme.tests.conftest import book, make_subject, referral_at

R = RoleCode
S = ReferralStatus


# The wall in the code (programme never reaches safeguarding's models or selectors, even
# transitively) is the import contract in tests/architecture/test_import_contracts.py.


# --- permission ladders ---------------------------------------------------------------------

LADDER_200 = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR, R.PRACTITIONER, R.CLINICAL_SUPERVISOR}


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_referral_page_ladder(
    client: Any, users: dict[RoleCode, Any], active: Referral, role: RoleCode
) -> None:
    client.force_login(users[role])
    response = client.get(reverse("programme:referral", args=[active.pk]))
    assert response.status_code == (200 if role in LADDER_200 else 404), role


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_session_page_ladder(
    client: Any, users: dict[RoleCode, Any], active: Referral, practitioner: Any, role: RoleCode
) -> None:
    session = book(practitioner, active, 1)
    client.force_login(users[role])
    for name in ("session", "attendance", "delivery", "notes", "concern", "reschedule", "cancel"):
        response = client.get(reverse(f"programme:{name}", args=[session.pk]))
        expected = 200 if role in {R.PRACTITIONER, R.CLINICAL_SUPERVISOR} else 404
        assert response.status_code == expected, (name, role, response.status_code)


def test_anonymous_is_sent_to_sign_in(client: Any, active: Referral) -> None:
    response = client.get(reverse("programme:referral", args=[active.pk]))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def test_other_force_and_other_provider_get_404(
    client: Any,
    make_user: Any,
    orgs: dict[str, Any],
    make_org: Any,
    active: Referral,
    practitioner: Any,
) -> None:
    session = book(practitioner, active, 1)
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    other_provider = make_user(R.CLINICAL_SUPERVISOR, organisation=make_org("provider"))
    for user in (outsider, other_provider):
        client.force_login(user)
        assert client.get(reverse("programme:referral", args=[active.pk])).status_code == 404
        assert (
            client.get(reverse("programme:change", args=[active.pk, "withdrawn"])).status_code
            == 404
        )
        assert client.get(reverse("programme:session", args=[session.pk])).status_code == 404
        listing = client.get(reverse("programme:referrals")).content.decode()
        assert active.reference not in listing
        assert active.reference not in client.get(reverse("programme:engagement")).content.decode()


def test_police_never_see_clinical_notes_or_session_content(
    client: Any, officer: Any, active: Referral, practitioner: Any
) -> None:
    session = book(practitioner, active, 1)
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    session.refresh_from_db()
    actions.session_record_delivery(
        actor=practitioner,
        session=session,
        version=session.version,
        module_delivered="formulation",
        content="CONTENT-MARKER",
        fidelity=["agenda"],
        engagement="good",
    )
    actions.clinical_note_save(
        actor=practitioner, session=session, text="NOTE-MARKER", base_revision=0
    )
    actions.end_report_save(
        actor=practitioner,
        referral=active,
        version=None,
        practitioner_assessment="ASSESS-MARKER",
        warning_signs="Warn",
        skills_to_use="SKILL-MARKER",
        contacts="Duty line",
        police_summary="For police",
    )
    client.force_login(officer)
    page = client.get(reverse("programme:referral", args=[active.pk])).content.decode()
    assert "Attended" in page and "For police" in page and "Duty line" in page
    for marker in ("NOTE-MARKER", "CONTENT-MARKER", "ASSESS-MARKER", "SKILL-MARKER"):
        assert marker not in page
    assert reverse("programme:session", args=[session.pk]) not in page
    client.force_login(practitioner)
    page = client.get(reverse("programme:session", args=[session.pk])).content.decode()
    assert "NOTE-MARKER" in page and "CONTENT-MARKER" in page


def test_provider_never_sees_victim_identity(
    client: Any, officer: Any, programme: Programme, practitioner: Any
) -> None:
    from desist.orders.tests.helpers import VICTIM_NAME, add_term, full, make_case, make_victim

    subject = make_subject(officer)
    victim = make_victim(make_case(subject))
    order = full(officer, subject)
    add_term(officer, order, victim)
    referral = actions.referral_put_forward(
        actor=officer, subject=subject, programme=programme, order=order
    )
    client.force_login(officer)
    assert VICTIM_NAME[1] in client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    client.force_login(practitioner)
    page = client.get(reverse("programme:referral", args=[referral.pk])).content.decode()
    assert subject.full_name in page and "Must not contact" in page
    assert VICTIM_NAME[0] not in page and VICTIM_NAME[1] not in page
    assert "17 Wisteria" not in page and "BN3 7QZ" not in page


def test_refused_transition_shows_clear_message(
    client: Any, officer: Any, active: Referral
) -> None:
    client.force_login(officer)
    response = client.get(reverse("programme:change", args=[active.pk, "completed"]))
    assert (
        "Only a clinical supervisor or practitioner can record this change"
        in response.content.decode()
    )
    response = client.post(
        reverse("programme:change", args=[active.pk, "completed"]),
        {"version": active.version, "effective_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    active.refresh_from_db()
    assert active.status == S.ACTIVE
    response = client.get(reverse("programme:change", args=[active.pk, "received"]))
    assert "cannot be changed to" in response.content.decode()


# --- query budgets --------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["programme:referrals", "programme:engagement"])
def test_list_pages_have_a_fixed_query_count(
    client: Any, programme: Programme, officer: Any, practitioner: Any, clin: Any, name: str
) -> None:
    for user in (officer, clin):
        referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
        client.force_login(user)
        few = _queries(client, reverse(name))
        for _ in range(4):
            referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
        assert _queries(client, reverse(name)) == few


def test_home_queues_have_a_fixed_query_count(
    client: Any, programme: Programme, officer: Any, practitioner: Any, clin: Any
) -> None:
    r = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    book(practitioner, r, 2)
    for user in (officer, practitioner, clin):
        client.force_login(user)
        few = _queries(client, reverse("core:home"))
        for _ in range(3):
            r = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
            book(practitioner, r, 2)
        assert _queries(client, reverse("core:home")) == few, user


# --- calendar -------------------------------------------------------------------------------


def test_calendar_feed_holds_no_names_and_can_be_revoked(
    client: Any, active: Referral, practitioner: Any
) -> None:
    session = book(practitioner, active, 1)
    token = actions.calendar_token_create(actor=practitioner)
    feed = client.get(reverse("programme:calendar_ics", args=[token]))
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert f"Session {session.number} ({active.reference})" in body
    assert active.subject.last_name not in body and active.subject.first_names not in body
    actions.calendar_token_revoke(actor=practitioner)
    assert (
        "VEVENT" not in client.get(reverse("programme:calendar_ics", args=[token])).content.decode()
    )
    assert (
        "VEVENT"
        not in client.get(reverse("programme:calendar_ics", args=["guess"])).content.decode()
    )


def test_week_view_and_feed_settings(client: Any, active: Referral, practitioner: Any) -> None:
    session = book(practitioner, active, 0)
    client.force_login(practitioner)
    page = client.get(reverse("programme:calendar")).content.decode()
    assert reverse("programme:session", args=[session.pk]) in page
    response = client.post(reverse("programme:calendar_feed"), {"action": "create"})
    assert ".ics" in response.content.decode()


def test_attendance_overdue_after_a_day(client: Any, active: Referral, practitioner: Any) -> None:
    book(practitioner, active, 2)
    client.force_login(practitioner)
    page = client.get(reverse("core:home")).content.decode()
    assert "Attendance overdue" in page and "Overdue" in page


# --- a whole referral through the forms -----------------------------------------------------


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(
        r"error-summary__list.*?</ul>", response.content.decode(), re.S
    )
    return response


def test_whole_path_through_the_forms(
    client: Any,
    programme: Programme,
    officer: Any,
    practitioner: Any,
    clin: Any,
    users: dict[RoleCode, Any],
) -> None:
    # The whole path dated three weeks back, so the twelve sessions fall after the start.
    today = (timezone.localdate() - dt.timedelta(days=21)).isoformat()
    subject = make_subject(officer)
    client.force_login(officer)
    assert client.get(reverse("programme:put_forward", args=[subject.pk])).status_code == 200
    _post(
        client,
        reverse("programme:put_forward", args=[subject.pk]),
        {"programme": programme.pk, "put_forward_on": today, "risk_summary": "Persistent"},
    )
    referral = Referral.objects.get(subject=subject)
    client.force_login(clin)
    _post(
        client,
        reverse("programme:change", args=[referral.pk, "received"]),
        {"version": 1, "effective_on": today},
    )
    _post(
        client,
        reverse("programme:change", args=[referral.pk, "allocated"]),
        {"version": 2, "effective_on": today, "practitioner": practitioner.pk},
    )
    client.force_login(practitioner)
    yes = {f"c_{c.code}": "yes" for c in suitability.CRITERIA}
    response = client.post(
        reverse("programme:assess", args=[referral.pk]),
        {"version": 3, "effective_on": today, "outcome": "not_suitable", **yes},
    )
    assert "Select &#x27;Not suitable&#x27; only when" in response.content.decode()
    _post(
        client,
        reverse("programme:assess", args=[referral.pk]),
        {"version": 3, "effective_on": today, "outcome": "suitable", **yes},
    )
    _post(
        client,
        reverse("programme:change", args=[referral.pk, "consented"]),
        {
            "version": 4,
            "effective_on": today,
            "sharing_explained": "Attendance to police",
            "attendance_required_by_order": "yes",
        },
    )
    _post(
        client,
        reverse("programme:change", args=[referral.pk, "active"]),
        {"version": 5, "effective_on": today},
    )
    for n in range(12):
        when = timezone.localtime() - dt.timedelta(days=12 - n, hours=1)
        _post(
            client,
            reverse("programme:schedule", args=[referral.pk]),
            {
                "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": 60,
                "remote": "no",
                "place": "Room 1",
            },
        )
    for s in ProgrammeSession.objects.filter(referral=referral).order_by("number"):
        _post(
            client,
            reverse("programme:attendance", args=[s.pk]),
            {"version": s.version, "attendance": "attended"},
        )
    first = ProgrammeSession.objects.filter(referral=referral).order_by("number").first()
    assert first is not None
    _post(
        client,
        reverse("programme:delivery", args=[first.pk]),
        {
            "version": first.version,
            "module_delivered": "formulation",
            "content": "Timeline of the behaviour",
            "fidelity": ["agenda", "risk_check"],
            "engagement": "good",
        },
    )
    _post(
        client,
        reverse("programme:notes", args=[first.pk]),
        {"text": "Formulation notes", "base_revision": 0},
    )
    _post(
        client,
        reverse("programme:measure", args=[referral.pk]) + "?",
        {
            "timepoint": "before",
            "assessed_on": today,
            **{
                f"item_{i}": "often"
                for i in (
                    "thinking",
                    "urge",
                    "checking",
                    "grievance",
                    "calming",
                    "skills",
                    "moving_on",
                    "support",
                )
            },
        }
        | _instrument(),
    )
    _post(
        client,
        reverse("programme:end_report", args=[referral.pk]),
        {
            "practitioner_assessment": "Good progress",
            "warning_signs": "Checking online",
            "skills_to_use": "Opposite action",
            "contacts": "Provider duty line",
            "police_summary": "Completed all 12",
        },
    )
    _post(
        client,
        reverse("programme:change", args=[referral.pk, "completed"]),
        {"version": 6, "effective_on": today},
    )
    referral.refresh_from_db()
    assert referral.status == S.COMPLETED and referral.engagement == "completed"
    assert (
        AuditEvent.objects.filter(
            object_type="programme.Referral", object_id=str(referral.pk)
        ).count()
        >= 7
    )
    client.force_login(officer)
    page = client.get(reverse("programme:referral", args=[referral.pk])).content.decode()
    assert "12 of 12" in page and "Completed all 12" in page and "Formulation notes" not in page


def _instrument() -> dict[str, Any]:
    return {"instrument": str(actions.measure_instruments().get(code="desist-progress-check").pk)}


def test_programme_settings_pages(
    client: Any, users: dict[RoleCode, Any], orgs: dict[str, Any], partnership: Any
) -> None:
    pm = users[R.PROGRAMME_MANAGER]
    client.force_login(pm)
    response = client.post(reverse("programme:settings_new"), {"name": "", "capacity": "0"})
    assert "Enter the name of the programme" in response.content.decode()
    _post(
        client,
        reverse("programme:settings_new"),
        {
            "name": "Pilot",
            "provider": orgs["provider"].pk,
            "forces": [orgs["police_force"].pk],
            "capacity": 30,
            "funding": "98000",
            "sessions": 12,
            "modules": [
                "formulation",
                "mindfulness",
                "distress_tolerance",
                "emotion_regulation",
                "interpersonal_effectiveness",
                "maintenance",
            ],
            "caseload_limit": 8,
            "review_every": 1,
            "completion_sessions": 10,
            "completion_module": "maintenance",
            "partial_sessions": 6,
        },
    )
    programme = Programme.objects.get(name="Pilot")
    assert client.get(reverse("programme:settings_detail", args=[programme.pk])).status_code == 200
    plan = (
        {"version": programme.version}
        | {f"phase_{n}": "skills" for n in range(1, 13)}
        | {f"module_{n}": "mindfulness" for n in range(1, 13)}
    )
    # The completion rule needs a maintenance session: a plan without one is refused.
    page = client.post(reverse("programme:settings_plan", args=[programme.pk]), plan)
    assert "which this plan no longer has" in page.content.decode()
    plan["module_12"] = "maintenance"
    _post(client, reverse("programme:settings_plan", args=[programme.pk]), plan)
    programme.refresh_from_db()
    assert programme.versions.count() == 2 and programme.session_plan[0]["module"] == "mindfulness"
    client.force_login(users[R.POLICE_OFFICER])
    assert client.get(reverse("programme:settings_detail", args=[programme.pk])).status_code == 403


def test_subject_page_panel_puts_forward_and_shows_engagement(
    client: Any, officer: Any, programme: Programme, practitioner: Any
) -> None:
    subject = make_subject(officer)
    client.force_login(officer)
    page = client.get(reverse("people:detail", args=[subject.pk])).content.decode()
    assert (
        "Intervention programme" in page
        and reverse("programme:put_forward", args=[subject.pk]) in page
    )
    referral = actions.referral_put_forward(actor=officer, subject=subject, programme=programme)
    page = client.get(reverse("people:detail", args=[subject.pk])).content.decode()
    assert (
        referral.reference in page
        and reverse("programme:put_forward", args=[subject.pk]) not in page
    )
    assert "Referred, not yet started" in page
