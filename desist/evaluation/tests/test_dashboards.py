"""The oversight and programme-manager dashboards, and findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.evaluation import dashboards, services
from desist.evaluation.models import Finding
from desist.evaluation.tests import helpers
from desist.people.models import InterventionDecision

TODAY = timezone.localdate()
D = dt.timedelta


def _view(actor: Any, object_id: int, when: dt.datetime | None = None) -> None:
    AuditEvent.objects.create(
        occurred_at=when or timezone.now(),
        actor_id=actor.pk,
        actor_username=actor.username,
        organisation_id=actor.organisation_id,
        organisation_name=actor.organisation.name,
        category=Category.CONSULTATION,
        verb="subject.view",
        object_type="people.Subject",
        object_id=str(object_id),
    )


def test_outside_caseload_and_night_viewing(overseer: Any, officer: Any) -> None:
    # The officer worked on record 1, and only looked at 2 and 3.
    audit_record(
        actor=officer,
        category=Category.COLLECTION,
        verb="subject.create",
        object_type="people.Subject",
        object_id=1,
    )
    _view(officer, 1)
    _view(officer, 2)
    _view(officer, 3)
    night = timezone.make_aware(
        dt.datetime.combine(TODAY - D(2), dt.time(23, 15)), timezone.get_current_timezone()
    )
    for i in range(dashboards.bulk_view_threshold() + 1):
        _view(officer, 1, night + dt.timedelta(minutes=i))
    outside, nights = dashboards.access_anomalies(actor=overseer)
    assert [(o.username, o.records, o.views) for o in outside] == [(officer.username, 2, 2)]
    assert len(nights) == 1 and nights[0].night == TODAY - D(2)
    assert nights[0].views == dashboards.bulk_view_threshold() + 1


def test_daytime_viewing_is_not_flagged(overseer: Any, officer: Any) -> None:
    noon = timezone.make_aware(
        dt.datetime.combine(TODAY - D(1), dt.time(12, 0)), timezone.get_current_timezone()
    )
    for i in range(dashboards.bulk_view_threshold() + 5):
        _view(officer, i, noon + dt.timedelta(minutes=i))
    assert dashboards.access_anomalies(actor=overseer)[1] == []


def test_oversight_page_and_query_budget(client: Any, overseer: Any, officer: Any) -> None:
    client.force_login(overseer)
    url = reverse("evaluation:oversight")
    _view(officer, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert reverse("audit:list") in response.content.decode()
    for i in range(30):
        _view(officer, 100 + i)
    services.finding_record(actor=overseer, title="A", area="access", detail="d")
    services.finding_record(actor=overseer, title="B", area="sharing", detail="d")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_findings_record_and_update(client: Any, overseer: Any) -> None:
    client.force_login(overseer)
    bad = client.post(reverse("evaluation:finding_add"), {"title": "", "status": "open"})
    assert "govuk-error-summary" in bad.content.decode()
    response = client.post(
        reverse("evaluation:finding_add"),
        {
            "title": "Night-time viewing",
            "area": "access",
            "detail": "One account viewed many records at night.",
            "follow_up": "Ask the force's professional standards to review.",
            "follow_up_due": (TODAY + D(14)).isoformat(),
            "status": "open",
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.organisation_id == overseer.organisation_id
    edit = reverse("evaluation:finding_edit", args=[finding.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "title": finding.title,
            "area": "access",
            "detail": finding.detail,
            "follow_up": finding.follow_up,
            "follow_up_due": (TODAY + D(14)).isoformat(),
            "status": "closed",
            "version": 1,
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.version == 2
    assert AuditEvent.objects.filter(verb="oversight.finding_update").exists()
    with pytest.raises(StaleRecordError):
        services.finding_update(
            actor=overseer,
            finding=finding,
            version=1,
            title="x",
            area="access",
            detail="x",
            follow_up="",
            follow_up_due=None,
            status="open",
        )


def test_follow_up_needs_a_due_date(overseer: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.finding_record(
            actor=overseer, title="t", area="access", detail="d", follow_up="Do something"
        )
    assert "follow_up_due" in exc.value.message_dict


def test_findings_are_scoped(client: Any, overseer: Any, make_user: Any, make_org: Any) -> None:
    finding = services.finding_record(actor=overseer, title="t", area="access", detail="d")
    other = make_user(RoleCode.OVERSEER, organisation=make_org("oversight"))
    client.force_login(other)
    assert client.get(reverse("evaluation:finding_edit", args=[finding.pk])).status_code == 404


def test_programme_dashboard_suppresses_small_numbers(
    client: Any, manager: Any, officer: Any, force: Any, pilot: Any
) -> None:
    for i in range(7):
        s = helpers.make_subject(force)
        helpers.make_order(s, made=TODAY - D(300 + i))
        decision = (
            InterventionDecision.Decision.PUT_FORWARD
            if i < 3
            else InterventionDecision.Decision.NOT_SUITABLE
        )
        helpers.decide(s, decision, TODAY - D(290), officer)
    client.force_login(manager)
    response = client.get(reverse("evaluation:programme_dashboard"))
    assert response.status_code == 200
    funnel = dict(response.context["board"].funnel)
    assert funnel["SPO subjects in scope"] == 7
    assert funnel["Put forward (intention to treat)"] == "<5"
    assert "&lt;5" in response.content.decode()


def test_programme_dashboard_query_budget(
    client: Any, manager: Any, officer: Any, force: Any, pilot: Any
) -> None:
    def add(n: int) -> None:
        for i in range(n):
            s = helpers.make_subject(force)
            o = helpers.make_order(s, made=TODAY - D(300 + i))
            helpers.decide(s, InterventionDecision.Decision.PUT_FORWARD, TODAY - D(290), officer)
            helpers.offence(s, on=TODAY - D(100))
            helpers.breach(o, on=TODAY - D(90))

    add(1)
    client.force_login(manager)
    url = reverse("evaluation:programme_dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(10)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_dashboard_ladders(client: Any, users: dict[RoleCode, Any], role: RoleCode) -> None:
    client.force_login(users[role])
    oversight = client.get(reverse("evaluation:oversight")).status_code
    programme = client.get(reverse("evaluation:programme_dashboard")).status_code
    assert oversight == (200 if role == RoleCode.OVERSEER else 403)
    assert programme == (200 if role == RoleCode.PROGRAMME_MANAGER else 403)


def _programme(manager: Any, orgs: dict[str, Any], force: Any, name: str = "Pilot") -> Any:
    from decimal import Decimal

    from desist.programme import actions as programme_services

    return programme_services.programme_save(
        actor=manager,
        name=name,
        provider=orgs["provider"],
        forces=[force],
        capacity=30,
        funding=Decimal("98000"),
    )


def test_programme_dashboard_places_and_spending(
    client: Any, manager: Any, orgs: dict[str, Any], force: Any, pilot: Any, make_user: Any
) -> None:
    from decimal import Decimal

    from desist.programme import actions as programme_services

    programme = _programme(manager, orgs, force)
    for amount in ("60000", "48000"):
        programme_services.expenditure_record(
            actor=manager,
            programme=programme,
            spent_on=TODAY - D(5),
            category="practitioners",
            amount=Decimal(amount),
            description="Payroll",
        )
    client.force_login(manager)
    response = client.get(reverse("evaluation:programme_dashboard"))
    board = response.context["board"]
    assert [(p.programme, p.capacity, p.in_use) for p in board.places] == [("Pilot", 30, 0)]
    [spend] = board.spending
    assert spend.spent == Decimal("108000") and spend.remaining == Decimal("-10000")
    html = response.content.decode()
    assert "Overspent" in html and "£10,000.00" in html and "110.2%" in html
    # A manager in no partnership with the provider sees neither.
    other = make_user(RoleCode.PROGRAMME_MANAGER, organisation=helpers_org("commissioner"))
    client.force_login(other)
    board = client.get(reverse("evaluation:programme_dashboard")).context["board"]
    assert board.places == [] and board.spending == []


def helpers_org(kind: str) -> Any:
    from desist.core.models import Organisation

    return Organisation.objects.create(code=f"x-{kind}", name=f"Another {kind}", kind=kind)


def test_oversight_counts_supervision_and_break_glass(
    client: Any, overseer: Any, manager: Any, orgs: dict[str, Any], force: Any, pilot: Any
) -> None:
    _programme(manager, orgs, force)
    client.force_login(overseer)
    response = client.get(reverse("evaluation:oversight"))
    assert response.context["break_glass"] == 0
    coverage = response.context["supervision"]
    assert (coverage.sessions, coverage.reviewed, coverage.rate) == (0, 0, "No sessions held")
    html = response.content.decode()
    assert "No break-glass access is waiting for review." in html and "No alerts raised." in html


def _alerts(officer: Any, force: Any, start: dt.datetime, acks: list[float | None]) -> None:
    from desist.sharing.models import Alert

    subject = helpers.make_subject(force)
    for hours in acks:
        Alert.objects.create(
            kind="breach_recorded",
            priority="high",
            recipient=officer,
            recipient_organisation=officer.organisation,
            subject=subject,
            title="An alert",
            created_at=start,
            due_by=start + dt.timedelta(hours=4),
            acknowledged_at=start + dt.timedelta(hours=hours) if hours is not None else None,
        )


def test_alert_timeliness_is_never_suppressed(
    manager: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    """Service performance: 2 of 6 on time is shown as such, with its share, to overseers and
    programme managers alike (suppression protects people, not failures). Seen red with the
    alert figures classified as about people in privacy.FIGURES."""
    now = timezone.now()
    _alerts(officer, force, now - D(days=2), [2, 3, 5, 7, None, None])
    for actor, aggregate in ((manager, True), (overseer, False)):
        [row] = dashboards.alert_timeliness(actor=actor, aggregate=aggregate, now=now)
        assert (row.total, row.on_time, row.rate, row.not_acknowledged) == (6, 2, "33.3%", 2)


def test_alert_share_on_time_leaves_out_alerts_still_within_their_deadline(
    client: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    """Raised an hour ago, due in four: one acknowledged at 0.5 h (on time) and three still
    within their deadline. Their outcome is not known yet, so the share on time is 1 of 1,
    with 3 shown as still within their deadline, not counted as late. Seen red on the old
    share (1 of 4 = 25.0%)."""
    now = timezone.now()
    _alerts(officer, force, now - dt.timedelta(hours=1), [0.5, None, None, None])
    [row] = dashboards.alert_timeliness(actor=overseer, aggregate=False, now=now)
    assert (row.total, row.on_time, row.rate, row.not_acknowledged, row.pending) == (
        4,
        1,
        "100.0%",
        3,
        3,
    )
    # Two hours past the deadline the three are late: 1 of 4 on time, none pending.
    later = now + dt.timedelta(hours=5)
    [row] = dashboards.alert_timeliness(actor=overseer, aggregate=False, now=later)
    assert (row.rate, row.pending) == ("25.0%", 0)
    client.force_login(overseer)
    html = client.get(reverse("evaluation:oversight")).content.decode()
    assert "Of which still within their deadline" in html


def test_alert_median_counts_unacknowledged_as_censored(
    overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    """Hand-computed Kaplan-Meier: waits 1, 3, 6 h acknowledged and two alerts still waiting at
    10 h. S(1) = 4/5 = 0.8, S(3) = 0.8 x 3/4 = 0.6, S(6) = 0.6 x 2/3 = 0.4: the median is 6 h
    (the median of the acknowledged alone would be 3 h)."""
    now = timezone.now()
    _alerts(officer, force, now - dt.timedelta(hours=10), [1, 3, 6, None, None])
    [row] = dashboards.alert_timeliness(actor=overseer, aggregate=False, now=now)
    assert (row.median, row.not_acknowledged) == ("6.0 h", 2)


def test_alert_median_not_reached_is_said_in_words(
    client: Any, overseer: Any, officer: Any, force: Any, pilot: Any
) -> None:
    """One of four acknowledged (at 2 h): S(2) = 3/4 never reaches 0.5, so no median, never
    "0.0 h"."""
    _alerts(officer, force, timezone.now() - dt.timedelta(hours=10), [2, None, None, None])
    client.force_login(overseer)
    html = client.get(reverse("evaluation:oversight")).content.decode()
    assert "Not reached: fewer than half acknowledged" in html
    assert "0.0 h" not in html and "2.0 h" not in html


def test_programme_dashboard_queries_do_not_grow_with_programmes(
    client: Any, manager: Any, orgs: dict[str, Any], force: Any, pilot: Any
) -> None:
    _programme(manager, orgs, force, "First")
    client.force_login(manager)
    url = reverse("evaluation:programme_dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        _programme(manager, orgs, force, f"More {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["board"].places) == 6
    assert len(many) == len(few)


def test_views_after_midnight_belong_to_the_evening_before(overseer: Any, officer: Any) -> None:
    tz = timezone.get_current_timezone()
    evening = timezone.make_aware(dt.datetime.combine(TODAY - D(3), dt.time(22, 0)), tz)
    small_hours = timezone.make_aware(dt.datetime.combine(TODAY - D(2), dt.time(3, 0)), tz)
    morning = timezone.make_aware(dt.datetime.combine(TODAY - D(2), dt.time(7, 30)), tz)
    half = dashboards.bulk_view_threshold() // 2 + 1
    for i in range(half):
        _view(officer, 100 + i, evening + dt.timedelta(minutes=i))
        _view(officer, 200 + i, small_hours + dt.timedelta(minutes=i))
        _view(officer, 300 + i, morning + dt.timedelta(minutes=i))  # after 07:00: daytime
    _, nights = dashboards.access_anomalies(actor=overseer)
    assert [(n.username, n.night, n.views) for n in nights] == [
        (officer.username, TODAY - D(3), 2 * half)
    ]


# --- the anomalies snapshot ----------------------------------------------------------------


def test_the_page_reads_a_snapshot_until_it_is_recalculated(
    client: Any, overseer: Any, officer: Any
) -> None:
    """Grouping a month of the audit log is too slow for every view at national volume: the
    page shows the scope's snapshot (with its time) until it is refreshed or recalculated."""
    from desist.evaluation.models import AnomalySnapshot

    client.force_login(overseer)
    url = reverse("evaluation:oversight")
    _view(officer, 2)
    first = client.get(url).content.decode()
    assert officer.username in first and "Recalculate now" in first
    snap = AnomalySnapshot.objects.get(scope="all")
    assert snap.computed_for == overseer and snap.outside[0]["records"] == 1
    _view(officer, 3)
    client.get(url)
    assert AnomalySnapshot.objects.get(scope="all").outside[0]["records"] == 1, "snapshot used"

    response = client.post(url)
    assert response.status_code == 302 and response.url == url
    assert AnomalySnapshot.objects.get(scope="all").outside[0]["records"] == 2


def _local_noon() -> dt.datetime:
    """Today at noon: far enough from midnight that a quarter of an hour stays on the day."""
    return timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))


def test_a_snapshot_too_old_or_of_another_day_is_not_shown(overseer: Any, officer: Any) -> None:
    from desist.evaluation.models import AnomalySnapshot

    now = _local_noon()
    _view(officer, 2, now - D(hours=1))
    dashboards.access_anomalies_for_page(actor=overseer, now=now)
    _view(officer, 3, now - D(minutes=30))
    fresh = now + dashboards.SNAPSHOT_MAX_AGE - D(seconds=1)
    assert dashboards.access_anomalies_for_page(actor=overseer, now=fresh).outside[0].records == 1
    stale = now + dashboards.SNAPSHOT_MAX_AGE + D(seconds=1)
    assert dashboards.access_anomalies_for_page(actor=overseer, now=stale).outside[0].records == 2
    _view(officer, 4, now - D(minutes=20))
    AnomalySnapshot.objects.update(day=TODAY - D(1))
    got = dashboards.access_anomalies_for_page(actor=overseer, now=stale + D(seconds=1))
    assert got.outside[0].records == 3, "a snapshot of yesterday's window is recomputed"


def test_background_refresh_recomputes_stale_snapshots_as_their_viewer(
    overseer: Any, officer: Any
) -> None:
    from desist.evaluation.models import AnomalySnapshot

    now = _local_noon()
    _view(officer, 2, now - D(hours=1))
    dashboards.access_anomalies_for_page(actor=overseer, now=now)
    _view(officer, 3, now - D(minutes=30))
    assert dashboards.refresh_anomaly_snapshots(now=now + D(minutes=1)) == 0, "still fresh"
    later = now + dashboards.SNAPSHOT_REFRESH_AFTER + D(seconds=1)
    assert dashboards.refresh_anomaly_snapshots(now=later) == 1
    snap = AnomalySnapshot.objects.get(scope="all")
    assert snap.computed_at == later and snap.outside[0]["records"] == 2

    # Someone who can no longer see the dashboard leaves no snapshot computed in their name.
    type(overseer).objects.filter(pk=overseer.pk).update(is_active=False)
    assert dashboards.refresh_anomaly_snapshots(now=later + D(minutes=10)) == 0
    assert not AnomalySnapshot.objects.exists()


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_recalculating_is_for_overseers_only(
    client: Any, users: dict[RoleCode, Any], role: RoleCode
) -> None:
    from desist.evaluation.models import AnomalySnapshot

    client.force_login(users[role])
    status = client.post(reverse("evaluation:oversight")).status_code
    assert status == (302 if role == RoleCode.OVERSEER else 403)
    assert AnomalySnapshot.objects.exists() == (role == RoleCode.OVERSEER)


def test_an_older_result_never_replaces_a_newer_one(overseer: Any, officer: Any) -> None:
    """A background refresh that started before a recalculation and finishes after it."""
    from desist.evaluation.models import AnomalySnapshot

    now = _local_noon()
    _view(officer, 2, now - D(hours=1))
    dashboards.access_anomalies_for_page(actor=overseer, now=now, recompute=True)
    dashboards.access_anomalies_for_page(actor=overseer, now=now - D(seconds=1), recompute=True)
    assert AnomalySnapshot.objects.get(scope="all").computed_at == now


def test_the_refresh_command_and_a_new_threshold(
    overseer: Any, officer: Any, settings: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from desist.evaluation.models import AnomalySnapshot

    night = timezone.make_aware(dt.datetime.combine(TODAY - D(2), dt.time(23, 15)))
    for i in range(5):
        _view(officer, 1, night + D(minutes=i))
    settings.DESIST_BULK_VIEW_THRESHOLD = 10
    assert dashboards.access_anomalies_for_page(actor=overseer).nights == []
    settings.DESIST_BULK_VIEW_THRESHOLD = 4
    got = dashboards.access_anomalies_for_page(actor=overseer)
    assert [n.views for n in got.nights] == [5], "a snapshot made with another threshold is redone"

    AnomalySnapshot.objects.update(computed_at=timezone.now() - D(hours=1))
    out = StringIO()
    call_command("oversight_refresh", stdout=out)
    assert out.getvalue().strip() == "oversight_refresh: 1 snapshot recomputed"
