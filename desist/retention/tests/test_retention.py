"""Review and disposal under the retention schedule (issue 18): the listing job, keep,
dispose, legal holds, people anonymised once nothing names them, and the Erasure audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent, Category
from desist.cases.models import Case, CaseStatus, Incident, IncidentType
from desist.core.dates import long_date
from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers
from desist.orders.models import OrderStatus
from desist.people.models import Subject
from desist.retention import clock, registry, services
from desist.retention.models import RetentionReview, ReviewStatus
from desist.safeguarding.models import AdvocacyCase, AdvocacyStatus, Origin, Victim

TODAY = dt.date.today()


def _age(monkeypatch: pytest.MonkeyPatch, years: float) -> None:
    later = clock.now() + dt.timedelta(days=round(years * 365.25))
    monkeypatch.setattr(clock, "now", lambda: later)


def _case(force: Any, *, closed: dt.date | None, kind: str = IncidentType.STALKING) -> Case:
    subject = helpers.make_subject(force, first="Ambrose", last="Quennell")
    case = Case.objects.create(
        force=force,
        subject=subject,
        crime_reference=f"CR/{Case.objects.count() + 1}",
        relationship="stranger",
        summary="Followed her to the station in Ashcombe",
        opened_on=dt.date(2020, 1, 1),
        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        closed_on=closed,
    )
    Incident.objects.create(
        case=case, occurred_on=dt.date(2020, 1, 1), incident_type=kind, description="Sent 40 texts"
    )
    victim = Victim.objects.create(force=force, first_names="Perdita", last_name="Gosling")
    case.victims.add(victim)
    return case


def _review(record: Any) -> RetentionReview:
    return RetentionReview.objects.get(
        record_type=record._meta.label, record_id=record.pk, status=ReviewStatus.DUE
    )


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_SUPERVISOR]


def test_the_schedule_holds_every_kind_the_issue_names() -> None:
    classes = {c.key: c for c in registry.schedule()}
    assert classes["cases.group-1"].action == registry.Action.REVIEW
    assert classes["orders.order-made"].action == registry.Action.REVIEW
    assert not classes["orders.order-made"].disposable
    assert classes["programme.clinical"].action == registry.Action.ANONYMISE
    assert classes["safeguarding.advocacy"].action == registry.Action.ANONYMISE
    assert classes["safeguarding.self-referral"].action == registry.Action.DELETE
    assert classes["audit.event"].years >= 6 and classes["audit.event"].records is None
    for c in classes.values():
        assert c.years > 0 and c.runs_from and c.basis, c.key
        if c.records is not None:
            assert c.event_on and c.owner_id and c.reference, c.key


@pytest.mark.django_db
def test_a_group_3_case_is_disposed_and_its_people_anonymised(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    victim = case.victims.get()
    _age(monkeypatch, 5.9)
    assert services.retention_list_due().get("cases.group-3") == 0
    _age(monkeypatch, 6.01)
    assert services.retention_list_due()["cases.group-3"] == 1
    assert services.retention_list_due()["cases.group-3"] == 0  # listed once
    review = services.retention_dispose(actor=supervisor, review=_review(case))
    case.refresh_from_db()
    assert review.status == ReviewStatus.DISPOSED
    assert case.summary == "" and case.incidents.get().description == ""
    subject = Subject.objects.get(pk=case.subject_id)
    assert (subject.full_name, subject.date_of_birth, subject.sex) == ("Anonymised", None, "male")
    victim.refresh_from_db()
    assert (victim.first_names, victim.last_name) == ("", "")
    erasure = AuditEvent.objects.filter(category=Category.ERASURE)
    assert set(erasure.values_list("verb", "object_type")) >= {
        ("retention.list_due", "retention.RetentionReview"),
        ("retention.dispose", "cases.Case"),
        ("retention.anonymise_person", "people.Subject"),
        ("retention.anonymise_person", "safeguarding.Victim"),
    }


@pytest.mark.django_db
def test_a_person_still_named_by_an_open_case_is_not_anonymised(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    Case.objects.create(
        force=case.force,
        subject=case.subject,
        crime_reference="CR/OPEN",
        relationship="stranger",
        opened_on=dt.date(2021, 1, 1),
    )
    _age(monkeypatch, 7)
    services.retention_list_due()
    services.retention_dispose(actor=supervisor, review=_review(case))
    assert Subject.objects.get(pk=case.subject_id).first_names == "Ambrose"


@pytest.mark.django_db
def test_group_1_orders_are_reviewed_never_disposed(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    order = helpers.make_order(case.subject, made=dt.date(2020, 1, 1), full=True)
    order.status, order.ended_on, order.case = OrderStatus.EXPIRED, TODAY, case
    order.save()
    _age(monkeypatch, 10.01)
    listed = services.retention_list_due()
    assert (listed["cases.group-1"], listed["orders.order-made"]) == (1, 1)
    for record in (case, order):
        with pytest.raises(ValidationError, match="never disposed of"):
            services.retention_dispose(actor=supervisor, review=_review(record))
    case.refresh_from_db()
    assert case.summary
    kept = services.retention_keep(
        actor=supervisor,
        review=_review(order),
        reason="Subject still managed under MAPPA",
        next_review_on=clock.today() + dt.timedelta(days=365),
    )
    assert kept.status == ReviewStatus.KEPT
    assert services.retention_list_due()["orders.order-made"] == 0
    _age(monkeypatch, 11.02)
    assert services.retention_list_due()["orders.order-made"] == 1  # its next review is due


@pytest.mark.django_db
def test_keeping_needs_a_reason_and_a_future_date(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    with pytest.raises(ValidationError) as caught:
        services.retention_keep(
            actor=supervisor, review=_review(case), reason=" ", next_review_on=clock.today()
        )
    assert caught.value.message_dict == {
        "reason": ["Enter why the record is kept"],
        "next_review_on": ["The date of the next review must be in the future"],
    }


@pytest.mark.django_db
def test_a_legal_hold_stops_disposal_until_lifted(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    review = _review(case)
    services.retention_hold_place(actor=supervisor, review=review, reason="Civil claim")
    with pytest.raises(ValidationError, match="legal hold"):
        services.retention_dispose(actor=supervisor, review=review)
    case.refresh_from_db()
    assert case.summary
    services.retention_hold_lift(actor=supervisor, review=review, reason="Claim settled")
    services.retention_dispose(actor=supervisor, review=review)
    verbs = list(
        AuditEvent.objects.filter(
            category=Category.ERASURE, object_type="cases.Case", object_id=str(case.pk)
        )
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["retention.hold_place", "retention.hold_lift", "retention.dispose"]


@pytest.mark.django_db
def test_the_dispose_page_offers_no_button_under_a_legal_hold(
    client: Any, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tester finding: the button was shown under a hold, and pressing it was refused."""
    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    review = _review(case)
    services.retention_hold_place(actor=supervisor, review=review, reason="Civil claim")
    client.force_login(supervisor)
    url = reverse("retention:dispose", args=[review.pk])
    page = client.get(url).content.decode()
    assert "Dispose of the record</button>" not in page
    assert "This record is under a legal hold" in page
    assert reverse("retention:hold", args=[review.pk]) in page
    services.retention_hold_lift(actor=supervisor, review=review, reason="Claim settled")
    assert "Dispose of the record</button>" in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_record_reopened_after_listing_is_not_disposed(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.OPEN, closed_on=None)
    with pytest.raises(ValidationError, match="no longer in its retention class"):
        services.retention_dispose(actor=supervisor, review=_review(case))


@pytest.mark.django_db
def test_a_self_referral_never_taken_up_is_deleted(
    users: dict[RoleCode, Any], orgs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = users[RoleCode.ADVOCACY_MANAGER]
    service = orgs[OrganisationKind.ADVOCACY]
    victim = Victim.objects.create(owner=service, first_names="Isolde", last_name="Marr")
    referral = AdvocacyCase.objects.create(
        victim=victim,
        service=service,
        origin=Origin.SELF,
        referral_notes="He waits outside my work",
        status=AdvocacyStatus.CLOSED,
        closed_at=clock.now(),
        closure_reason="not_genuine",
    )
    _age(monkeypatch, 1.01)
    assert services.retention_list_due()["safeguarding.self-referral"] == 1
    services.retention_dispose(actor=manager, review=_review(referral))
    assert not AdvocacyCase.objects.filter(pk=referral.pk).exists()
    victim.refresh_from_db()
    assert victim.first_names == ""


@pytest.mark.django_db
def test_only_the_owning_organisation_decides(
    users: dict[RoleCode, Any],
    make_user: Any,
    orgs: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = _case(users[RoleCode.POLICE_SUPERVISOR].organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    other = make_user(RoleCode.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    for actor in (other, users[RoleCode.POLICE_OFFICER], users[RoleCode.ADVOCACY_MANAGER]):
        with pytest.raises(PermissionDenied):
            services.retention_dispose(actor=actor, review=_review(case))


def _listed(organisation: Any, n: int, start: int = 1000) -> None:
    RetentionReview.objects.bulk_create(
        RetentionReview(
            record_class="cases.group-3",
            record_type="cases.Case",
            record_id=start + i,
            reference=f"CR/{start + i}",
            organisation=organisation,
            due_on=TODAY,
            listed_at=clock.now(),
        )
        for i in range(n)
    )


@pytest.mark.django_db
def test_the_queue_runs_a_fixed_number_of_queries(client: Any, supervisor: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    _listed(supervisor.organisation, 2)
    client.get("/retention/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get("/retention/").status_code == 200
    _listed(supervisor.organisation, 20, start=1100)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/retention/")
    assert response.content.count(b"CR/1") == 22
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_listing_runs_as_a_command_as_the_monthly_job_does(
    supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`desist retention_due` lists what the scheduler's monthly job lists, through the same
    function and audit row, so an operator (or a tester) need not wait a month (tester
    finding: nothing could be made due through the service). Seen red: no such command."""
    import io

    from django.core.management import call_command

    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 6.01)
    out = io.StringIO()
    call_command("retention_due", stdout=out)
    assert out.getvalue().strip().startswith("retention_due: 1 record listed for review")
    assert "cases.group-3 1" in out.getvalue()
    assert _review(case).organisation_id == supervisor.organisation_id
    listed = AuditEvent.objects.filter(verb="retention.list_due").latest("id")
    assert listed.new_values["listed"]["cases.group-3"] == 1
    out = io.StringIO()
    call_command("retention_due", stdout=out)  # run again: nothing listed twice
    assert out.getvalue().strip() == "retention_due: 0 records listed for review"


@pytest.mark.django_db
def test_the_kept_list_shows_the_next_review_and_the_reason(
    client: Any, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept record is next looked at on its new review date, for the reason given: the Kept
    list says both, not the due date that has passed (tester finding, issue 18). Seen red:
    the list showed only the old due date."""
    case = _case(supervisor.organisation, closed=TODAY)
    _age(monkeypatch, 7)
    services.retention_list_due()
    review = _review(case)
    next_review = clock.today() + dt.timedelta(days=400)
    services.retention_keep(
        actor=supervisor, review=review, reason="Civil claim pending", next_review_on=next_review
    )
    client.force_login(supervisor)
    page = client.get(reverse("retention:queue"), {"status": "kept"}).content.decode()
    row = page[page.find(reverse("retention:review", args=[review.pk])) :][:800]
    assert long_date(next_review) in row and "Civil claim pending" in row, row
    assert long_date(review.due_on) not in row, row
