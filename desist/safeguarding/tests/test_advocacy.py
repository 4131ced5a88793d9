"""Advocacy casework: referral, allocation, first contact, contact log, safety plan versions,
ratings, closing and reopening, and who may see what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.people.tests.factories import assert_ladder, make_case, make_subject, make_victim
from desist.safeguarding import selectors, services
from desist.safeguarding.models import (
    AdvocacyCase,
    AdvocacyCaseEvent,
    ContactLogEntry,
    SafetyPlanVersion,
    Victim,
)
from desist.safeguarding.trend import build_rating_charts

R = RoleCode
PROVIDER_ROLES = {R.PRACTITIONER, R.CLINICAL_SUPERVISOR}
ADVOCATES = {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER}
POLICE = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}


def _contact(actor: Any, case: AdvocacyCase, **kw: Any) -> ContactLogEntry:
    values: dict[str, Any] = {
        "kind": "contact",
        "occurred_at": timezone.now(),
        "channel": "phone",
        "summary": "Spoke to the victim; agreed a safety plan meeting.",
        "actions": "Send information about the helpline.",
    }
    values.update(kw)
    return services.contact_log_add(actor=actor, case=case, **values)


# --- referral and scope ---------------------------------------------------------------------


def test_police_referral_opens_case_and_advocates_then_see_victim(
    officer: Any, victim: Victim, referral: AdvocacyCase, advocate: Any, other_advocate: Any
) -> None:
    assert referral.origin == "police" and referral.status == "open"
    assert referral.referring_org_id == officer.organisation_id
    event = AuditEvent.objects.get(verb="advocacy.refer")
    assert event.category == "disclosure"
    assert event.recipients == [referral.service.name]
    assert "Repeated" not in str(event.new_values)
    assert selectors.victim_get_for(actor=advocate, victim_id=victim.pk) == victim
    assert list(selectors.victim_list_for(actor=advocate)) == [victim]
    with pytest.raises(Http404):
        selectors.victim_get_for(actor=other_advocate, victim_id=victim.pk)
    with pytest.raises(Http404):
        selectors.advocacy_case_get_for(actor=other_advocate, case_id=referral.pk)
    assert list(selectors.victim_list_for(actor=other_advocate)) == []


def test_advocates_see_only_victims_with_a_case_in_their_service(
    officer: Any, case: Any, victim: Victim, advocate: Any
) -> None:
    # Not yet referred: no advocate sees the victim.
    with pytest.raises(Http404):
        selectors.victim_get_for(actor=advocate, victim_id=victim.pk)


def test_refer_twice_refused_and_provider_never_refers(
    officer: Any, victim: Victim, referral: AdvocacyCase, users: dict[RoleCode, Any]
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.advocacy_refer(actor=officer, victim=victim, service=referral.service)
    assert "already has an open referral" in str(exc.value)
    for role in PROVIDER_ROLES | ADVOCATES:
        with pytest.raises(PermissionDenied):
            services.advocacy_refer(actor=users[role], victim=victim, service=referral.service)


def test_refer_only_to_a_partnership_service(
    officer: Any, victim: Victim, make_org: Any, partnership: Any
) -> None:
    stranger = make_org("advocacy")
    with pytest.raises(ValidationError) as exc:
        services.advocacy_refer(actor=officer, victim=victim, service=stranger)
    assert exc.value.message_dict["service"] == ["Select the advocacy service to refer to"]


def test_refer_view_from_victim_page(
    client: Any, officer: Any, victim: Victim, partnership: Any, advocacy_org: Any
) -> None:
    client.force_login(officer)
    page = client.get(reverse("safeguarding:victim", args=[victim.pk])).content.decode()
    assert reverse("safeguarding:victim_refer", args=[victim.pk]) in page
    url = reverse("safeguarding:victim_refer", args=[victim.pk])
    bad = client.post(url, {"service": ""})
    assert "Select the advocacy service to refer to" in bad.content.decode()
    response = client.post(url, {"service": str(advocacy_org.pk), "notes": "Fears escalation"})
    assert response.status_code == 302
    case = AdvocacyCase.objects.get()
    assert case.victim == victim and case.service == advocacy_org
    # Police see a summary of the referral, never the casework.
    page = client.get(reverse("safeguarding:victim", args=[victim.pk])).content.decode()
    assert advocacy_org.name in page and "Referrals to advocacy (summary only)" in page
    assert client.get(reverse("safeguarding:case", args=[case.pk])).status_code == 403


def test_victim_page_ladder(
    client: Any, users: dict[RoleCode, Any], victim: Victim, referral: AdvocacyCase
) -> None:
    url = reverse("safeguarding:victim", args=[victim.pk])
    assert_ladder(client, users, url, allowed=POLICE | ADVOCATES)
    assert AuditEvent.objects.filter(verb="victim.view", object_id=str(victim.pk)).count() == 4


def test_victim_pages_other_org_404(
    client: Any, outsider: Any, other_advocate: Any, victim: Victim, referral: AdvocacyCase
) -> None:
    for user in (outsider, other_advocate):
        client.force_login(user)
        for name in ("victim", "victim_edit", "victim_preferences"):
            url = reverse(f"safeguarding:{name}", args=[victim.pk])
            assert client.get(url).status_code == 404, (user, name)


def test_victim_edit_ladders(
    client: Any, users: dict[RoleCode, Any], victim: Victim, referral: AdvocacyCase
) -> None:
    for name in ("victim_edit", "victim_preferences"):
        url = reverse(f"safeguarding:{name}", args=[victim.pk])
        assert_ladder(client, users, url, allowed=POLICE | ADVOCATES)
    assert_ladder(
        client, users, reverse("safeguarding:victim_refer", args=[victim.pk]), allowed=POLICE
    )


def test_case_page_ladders(
    client: Any, users: dict[RoleCode, Any], other_advocate: Any, allocated: AdvocacyCase
) -> None:
    pk = allocated.pk
    for name in (
        "case",
        "contact_add",
        "safety_plan",
        "safety_plan_history",
        "rating_add",
        "case_close",
    ):
        url = reverse(f"safeguarding:{name}", args=[pk])
        assert_ladder(client, users, url, allowed=ADVOCATES)
        client.force_login(other_advocate)
        assert client.get(url).status_code == 404, name
    url = reverse("safeguarding:case_allocate", args=[pk])
    assert_ladder(client, users, url, allowed={R.ADVOCACY_MANAGER})


def test_caseload_ladder_and_fixed_queries(
    client: Any,
    users: dict[RoleCode, Any],
    officer: Any,
    partnership: Any,
    advocacy_org: Any,
    advocate: Any,
) -> None:
    url = reverse("safeguarding:caseload")
    assert_ladder(client, users, url, allowed=ADVOCATES)

    def add(n: int) -> None:
        subject = make_subject(officer)
        for _ in range(n):
            case = make_case(officer, subject)
            victim = make_victim(officer, case)
            c = services.advocacy_refer(actor=officer, victim=victim, service=advocacy_org)
            AdvocacyCase.objects.filter(pk=c.pk).update(advocate=advocate)

    client.force_login(advocate)
    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"view": "mine"}).status_code == 200
    add(4)
    with CaptureQueriesContext(connection) as five:
        html = client.get(url, {"view": "mine"}).content.decode()
    assert html.count("Philippa") == 5
    assert len(five.captured_queries) == len(one.captured_queries)


# --- allocation, first contact, overdue -----------------------------------------------------


def test_allocate_and_first_contact(
    referral: AdvocacyCase, manager: Any, advocate: Any, users: dict[RoleCode, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        services.advocacy_allocate(
            actor=advocate, case=referral, version=referral.version, advocate=advocate
        )
    with pytest.raises(ValidationError):
        services.advocacy_allocate(
            actor=manager, case=referral, version=referral.version, advocate=manager
        )
    case = services.advocacy_allocate(
        actor=manager, case=referral, version=referral.version, advocate=advocate
    )
    assert case.advocate == advocate
    with pytest.raises(StaleRecordError):
        services.advocacy_allocate(actor=manager, case=case, version=1, advocate=advocate)
    _contact(advocate, case, kind="attempt")
    case.refresh_from_db()
    assert case.first_contact_at is None  # an attempt is not contact
    entry = _contact(advocate, case)
    case.refresh_from_db()
    assert case.first_contact_at == entry.occurred_at
    kinds = list(AdvocacyCaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["referred", "allocated", "first_contact"]


def test_first_contact_overdue_after_48_hours(
    referral: AdvocacyCase, advocate: Any, manager: Any
) -> None:
    now = timezone.now()
    AdvocacyCase.objects.filter(pk=referral.pk).update(referred_at=now - dt.timedelta(hours=47))
    assert list(selectors.caseload_for(actor=advocate, view="overdue", now=now)) == []
    assert [c.pk for c in selectors.caseload_for(actor=advocate, view="new", now=now)] == [
        referral.pk
    ]
    AdvocacyCase.objects.filter(pk=referral.pk).update(referred_at=now - dt.timedelta(hours=49))
    assert [c.pk for c in selectors.caseload_for(actor=manager, view="overdue", now=now)] == [
        referral.pk
    ]
    referral.refresh_from_db()
    assert referral.first_contact_overdue(now)
    from desist.safeguarding import queues

    result = queues.first_contact_overdue(advocate)
    assert result.count == 1 and result.rows[0].tag == "Overdue"
    assert queues.unallocated(manager).count == 1
    _contact(advocate, referral)
    assert list(selectors.caseload_for(actor=advocate, view="overdue")) == []
    assert queues.new_referrals(advocate).count == 0


def test_contact_validation(allocated: AdvocacyCase, advocate: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        _contact(
            advocate,
            allocated,
            summary=" ",
            channel="pigeon",
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )
    errors = exc.value.message_dict
    assert errors["summary"] == ["Enter a summary of the contact"]
    assert errors["channel"] == ["Select how the contact happened"]
    assert errors["occurred_at"] == ["The date of the contact must be today or in the past"]


def test_new_perpetrator_contact_publishes_in_the_same_transaction(
    allocated: AdvocacyCase, advocate: Any, subject: Any, monkeypatch: Any
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_publish(**kwargs: Any) -> list[Any]:
        calls.append(kwargs)
        return []

    monkeypatch.setattr("desist.safeguarding.services.publish", fake_publish)
    _contact(advocate, allocated)
    assert calls == []
    entry = _contact(advocate, allocated, kind="new_perpetrator_contact", channel="text")
    assert len(calls) == 1
    call = calls[0]
    from desist.sharing.events import EventKind

    assert call["kind"] == EventKind.VICTIM_NEW_CONTACT
    assert call["subject"] == subject
    assert call["source"] == entry
    assert call["actor"] == advocate
    assert "Philippa" not in call["summary"]
    assert entry.perpetrator == subject


def test_publish_failure_rolls_back_the_entry(
    allocated: AdvocacyCase, advocate: Any, monkeypatch: Any
) -> None:
    def boom(**kwargs: Any) -> list[Any]:
        raise RuntimeError("sharing down")

    monkeypatch.setattr("desist.safeguarding.services.publish", boom)
    with pytest.raises(RuntimeError):
        _contact(advocate, allocated, kind="new_perpetrator_contact")
    assert not ContactLogEntry.objects.exists()


def test_contact_log_view(client: Any, allocated: AdvocacyCase, advocate: Any) -> None:
    client.force_login(advocate)
    url = reverse("safeguarding:contact_add", args=[allocated.pk])
    bad = client.post(url, {"kind": "contact", "occurred_on": "", "channel": "", "summary": ""})
    html = bad.content.decode()
    assert "Enter the date of the contact" in html and "Enter a summary of the contact" in html
    ok = client.post(
        url,
        {
            "kind": "contact",
            "occurred_on": timezone.localdate().isoformat(),
            "occurred_time": "",
            "channel": "phone",
            "summary": "First call; safe to talk.",
            "actions": "",
        },
    )
    assert ok.status_code == 302
    page = client.get(reverse("safeguarding:case", args=[allocated.pk])).content.decode()
    assert "First call; safe to talk." in page


# --- safety plan, ratings, close and reopen ---------------------------------------------------


def test_safety_plan_versions_are_kept(client: Any, allocated: AdvocacyCase, advocate: Any) -> None:
    review = timezone.localdate() + dt.timedelta(days=14)
    one = services.safety_plan_save(
        actor=advocate,
        case=allocated,
        based_on=0,
        risk_level="medium",
        marac="not_needed",
        risks="He waits outside work.",
        measures="Change route; panic alarm.",
        review_on=review,
    )
    two = services.safety_plan_save(
        actor=advocate,
        case=allocated,
        based_on=1,
        risk_level="medium",
        marac="not_needed",
        risks="He waits outside work and home.",
        measures="Change route; panic alarm; target hardening.",
        review_on=review,
    )
    assert (one.number, two.number) == (1, 2)
    with pytest.raises(StaleRecordError):
        services.safety_plan_save(
            actor=advocate,
            case=allocated,
            based_on=1,
            risk_level="high",
            marac="planned",
            risks="x",
            measures="y",
            review_on=review,
        )
    assert SafetyPlanVersion.objects.filter(case=allocated).count() == 2
    client.force_login(advocate)
    html = client.get(
        reverse("safeguarding:safety_plan_history", args=[allocated.pk])
    ).content.decode()
    assert "Version 1" in html and "Version 2 (current)" in html
    assert "He waits outside work." in html and "target hardening" in html
    # The form posts a new version on top of the latest one.
    url = reverse("safeguarding:safety_plan", args=[allocated.pk])
    form = {"risk_level": "standard", "marac": "not_needed", "risks": "a", "measures": "b"}
    form["review_on"] = review.isoformat()
    stale = client.post(url, {**form, "based_on": "1"})
    assert "Someone else changed this record" in stale.content.decode()
    ok = client.post(url, {**form, "based_on": "2"})
    assert ok.status_code == 302
    assert SafetyPlanVersion.objects.filter(case=allocated).count() == 3


def test_two_first_safety_plans_at_once_the_second_is_told_not_a_server_error(
    client: Any, allocated: AdvocacyCase, advocate: Any, monkeypatch: Any
) -> None:
    """The race loser (tester finding, issue 20) on a case with no plan yet: both writers read
    "no plan"; the second insert meets the unique version number."""
    review = timezone.localdate() + dt.timedelta(days=14)
    form = {"risk_level": "standard", "marac": "not_needed", "risks": "a", "measures": "b"}
    form["review_on"] = review.isoformat()
    services.safety_plan_save(
        actor=advocate, case=allocated, based_on=0, **{**form, "review_on": review}
    )
    monkeypatch.setattr(services, "_latest_plan_number", lambda case: 0)  # read before the first
    client.force_login(advocate)
    url = reverse("safeguarding:safety_plan", args=[allocated.pk])
    stale = client.post(url, {**form, "risks": "Mine", "based_on": "0"})
    assert stale.status_code == 200
    assert "Someone else changed this record" in stale.content.decode()
    assert SafetyPlanVersion.objects.filter(case=allocated).count() == 1


def test_safety_plan_review_queue(allocated: AdvocacyCase, advocate: Any) -> None:
    from desist.safeguarding import queues

    services.safety_plan_save(
        actor=advocate,
        case=allocated,
        based_on=0,
        risk_level="medium",
        marac="not_needed",
        risks="r",
        measures="m",
        review_on=timezone.localdate(),
    )
    result = queues.safety_plan_reviews(advocate)
    assert result.count == 1 and result.rows[0].tag == "Due today"


def test_ratings_trend(client: Any, allocated: AdvocacyCase, advocate: Any) -> None:
    today = timezone.localdate()
    for days, fear, safety, impact in ((60, 9, 2, 8), (30, 7, 4, 6), (0, 4, 7, 3)):
        services.rating_record(
            actor=advocate,
            case=allocated,
            rated_on=today - dt.timedelta(days=days),
            fear=fear,
            safety=safety,
            impact=impact,
        )
    with pytest.raises(ValidationError) as exc:
        services.rating_record(
            actor=advocate, case=allocated, rated_on=today, fear=11, safety=None, impact=0
        )
    assert set(exc.value.message_dict) == {"fear", "safety"}
    page = selectors.advocacy_case_page_for(actor=advocate, case_id=allocated.pk)
    charts, table = build_rating_charts(page.ratings)
    assert [c.title for c in charts] == ["Fear", "Sense of safety", "Impact on daily life"]
    fear = charts[0]
    assert len(fear.points) == 3
    assert fear.points[0].y < fear.points[-1].y  # fear fell: lower on the chart
    assert fear.points[0].x < fear.points[-1].x
    assert "First rating 9, latest rating 4" in fear.description
    assert [r["fear"] for r in table] == ["9", "7", "4"]
    client.force_login(advocate)
    html = client.get(reverse("safeguarding:case", args=[allocated.pk])).content.decode()
    assert html.count("<svg") == 3
    assert "ratings (data for the charts)" in html


def test_close_and_reopen(
    client: Any, allocated: AdvocacyCase, advocate: Any, subject: Any
) -> None:
    with pytest.raises(ValidationError):
        services.advocacy_close(
            actor=advocate, case=allocated, version=allocated.version, reason=""
        )
    case = services.advocacy_close(
        actor=advocate, case=allocated, version=allocated.version, reason="support_complete"
    )
    assert case.status == "closed" and case.closure_reason == "support_complete"
    assert selectors.advocates_for_subject(subject=subject) == []
    with pytest.raises(StaleRecordError):
        services.advocacy_reopen(actor=advocate, case=case, version=1)
    client.force_login(advocate)
    url = reverse("safeguarding:case_reopen", args=[case.pk])
    assert client.post(url, {"version": str(case.version)}).status_code == 302
    case.refresh_from_db()
    assert case.status == "open" and case.closure_reason == ""
    events = list(AdvocacyCaseEvent.objects.filter(case=case).values_list("kind", "reason"))
    assert events[-2:] == [("closed", "support_complete"), ("reopened", "")]
    assert selectors.advocates_for_subject(subject=subject) == [advocate]


def test_close_view_requires_coded_reason(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    client.force_login(advocate)
    url = reverse("safeguarding:case_close", args=[allocated.pk])
    bad = client.post(url, {"version": str(allocated.version)})
    assert "Select why the case is being closed" in bad.content.decode()
    ok = client.post(url, {"version": str(allocated.version), "reason": "declined"})
    assert ok.status_code == 302


# --- victim record: preferences, wishes, optimistic locking ------------------------------------


def test_preferences_and_wishes(
    client: Any, allocated: AdvocacyCase, advocate: Any, subject: Any
) -> None:
    victim = allocated.victim
    assert selectors.advocates_for_subject(subject=subject) == [advocate]
    assert selectors.advocates_for_subject(subject=subject, engagement_news_only=True) == []
    client.force_login(advocate)
    url = reverse("safeguarding:victim_preferences", args=[victim.pk])
    response = client.post(
        url,
        {
            "version": str(victim.version),
            "safe_channels": ["text", "email"],
            "safe_times": "Weekdays 10 to 2",
            "never_contact": "Never leave a voicemail",
            "safe_word": "bluebell",
            "vulnerabilities": ["children"],
            "enhanced_rights": "on",
            "wants_engagement_news": "yes",
            "share_with": ["police", "provider_risk"],
            "wishes_notes": "",
        },
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.safe_channels == ["text", "email"]
    assert victim.enhanced_rights and victim.wants_engagement_news
    assert victim.share_with == ["police", "provider_risk"]
    assert victim.wishes_recorded_on == timezone.localdate()
    assert selectors.advocates_for_subject(subject=subject, engagement_news_only=True) == [advocate]
    event = AuditEvent.objects.get(verb="victim.update_preferences")
    assert "bluebell" not in str(event.new_values) and "voicemail" not in str(event.new_values)
    # A stale version is refused with the standard message.
    stale = client.post(url, {"version": "1", "wants_engagement_news": "no"})
    assert "Someone else changed this record" in stale.content.decode()
    victim.refresh_from_db()
    assert victim.wants_engagement_news


def test_contact_edit_optimistic_locking(
    client: Any, officer: Any, victim: Victim, referral: AdvocacyCase, advocate: Any
) -> None:
    url = reverse("safeguarding:victim_edit", args=[victim.pk])
    data = {
        "version": str(victim.version),
        "first_names": "Philippa",
        "last_name": "Quorndon-Zeal",
        "sex": "female",
        "alternative_phone": "07700 900 111",
        "postcode": "BN3 7QZ",
        "phone": "07700900321",
        "email": "philippa.qz@example.org",
        "address": "17 Wisteria Crescent, Hove",
    }
    client.force_login(advocate)
    assert client.post(url, data).status_code == 302
    client.force_login(officer)
    stale = client.post(url, {**data, "alternative_phone": "07700 900 222"})
    assert "Someone else changed this record" in stale.content.decode()
    victim.refresh_from_db()
    assert victim.alternative_phone == "07700900111"
    from desist.safeguarding.bridge import victim_identifiers_for_subject

    assert ("phone", "07700900111") in victim_identifiers_for_subject(
        subject=victim.cases.get().subject
    )


def test_advocates_for_subject_only_allocated_open_cases(
    referral: AdvocacyCase, manager: Any, advocate: Any, subject: Any, make_user: Any
) -> None:
    assert selectors.advocates_for_subject(subject=subject) == []  # not yet allocated
    services.advocacy_allocate(
        actor=manager, case=referral, version=referral.version, advocate=advocate
    )
    assert selectors.advocates_for_subject(subject=subject) == [advocate]
    advocate.is_active = False
    advocate.save()
    assert selectors.advocates_for_subject(subject=subject) == []


def test_provider_roles_never_reach_victims_or_casework(
    users: dict[RoleCode, Any], allocated: AdvocacyCase
) -> None:
    for role in PROVIDER_ROLES:
        user = users[role]
        assert list(selectors.victim_list_for(actor=user)) == []
        assert list(selectors.advocacy_case_list_for(actor=user)) == []
        with pytest.raises(Http404):
            selectors.victim_get_for(actor=user, victim_id=allocated.victim_id)


def test_police_see_a_summary_never_the_casework(
    client: Any, officer: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    _contact(advocate, allocated, summary="Very private summary")
    services.safety_plan_save(
        actor=advocate,
        case=allocated,
        based_on=0,
        risk_level="medium",
        marac="not_needed",
        risks="Private risks",
        measures="Private measures",
        review_on=timezone.localdate() + dt.timedelta(days=10),
    )
    client.force_login(officer)
    html = client.get(reverse("safeguarding:victim", args=[allocated.victim_id])).content.decode()
    assert "Referrals to advocacy (summary only)" in html
    review = timezone.localdate() + dt.timedelta(days=10)
    assert f"{review.day} {review:%B %Y}" in html
    for secret in ("Very private summary", "Private risks", "Private measures"):
        assert secret not in html


def test_new_contact_without_a_linked_perpetrator_is_logged_not_published(
    client: Any, orgs: Any, advocate: Any, monkeypatch: Any
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr("desist.safeguarding.services.publish", lambda **kw: calls.append(kw))
    case = services.self_referral_create(
        service=orgs["advocacy"], first_names="Ivy", last_name="Stone", phone="07700900123"
    )
    entry = _contact(advocate, case, kind="new_perpetrator_contact")
    assert entry.perpetrator is None and calls == []


def test_home_queues_for_advocacy_roles(
    client: Any, referral: AdvocacyCase, advocate: Any, manager: Any
) -> None:
    for user in (advocate, manager):
        client.force_login(user)
        html = client.get(reverse("core:home")).content.decode()
        assert referral.reference in html, user


def test_victim_ratings_for_evaluation_ids_and_scores_only(
    allocated: AdvocacyCase, advocate: Any, victim: Any, case: Any
) -> None:
    today = timezone.localdate()
    for days, fear, safety in ((60, 9, 2), (0, 4, 7)):
        services.rating_record(
            actor=advocate,
            case=allocated,
            rated_on=today - dt.timedelta(days=days),
            fear=fear,
            safety=safety,
            impact=5,
        )
    rows = selectors.victim_ratings_for_evaluation(subject_ids=[case.subject_id])
    assert rows == [
        {
            "subject_id": case.subject_id,
            "victim_id": victim.pk,
            "rated_on": today - dt.timedelta(days=60),
            "fear": 9,
            "safety": 2,
        },
        {
            "subject_id": case.subject_id,
            "victim_id": victim.pk,
            "rated_on": today,
            "fear": 4,
            "safety": 7,
        },
    ]
    # Another subject's ratings are not handed over; nothing asked, nothing given.
    assert selectors.victim_ratings_for_evaluation(subject_ids=[case.subject_id + 999]) == []
    assert selectors.victim_ratings_for_evaluation(subject_ids=[]) == []
