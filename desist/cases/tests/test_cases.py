from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from desist.accounts.roles import RoleCode
from desist.audit.models import AuditEvent, Category
from desist.cases import selectors, services
from desist.cases.models import Case, Incident
from desist.people.models import Subject
from desist.people.tests.factories import (
    POLICE_ROLES,
    assert_ladder,
    count_queries,
    make_case,
    make_subject,
    make_victim,
)

R = RoleCode
TODAY = timezone.localdate
TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


# --- services ---------------------------------------------------------------------------------


def test_case_create_audited(officer: Any, subject: Subject) -> None:
    case = services.case_create(
        actor=officer,
        subject=subject,
        crime_reference=" 47/ 000123 / 25 ".replace(" ", "").lower(),
        relationship="colleague",
        opened_on=TODAY(),
        summary="Sent 40 messages a day to a colleague.",
        fixated=True,
        repeated=True,
    )
    assert case.force_id == subject.force_id
    assert case.crime_reference == "47/000123/25"
    assert case.four_count == 2
    event = AuditEvent.objects.get(verb="case.create")
    assert event.category == Category.COLLECTION
    assert event.new_values["four"] == ["fixated", "repeated"]
    assert "messages" not in str(event.new_values)


def test_duplicate_crime_reference_in_force_refused(
    officer: Any, outsider: Any, subject: Subject
) -> None:
    make_case(officer, subject, crime_reference="47/1/25")
    with pytest.raises(ValidationError) as exc:
        make_case(officer, make_subject(officer), crime_reference="47/1/25 ")
    assert exc.value.message_dict["crime_reference"] == [
        "A case with crime reference 47/1/25 is already recorded in your force. "
        "Check the reference, or find the case by searching for it"
    ]
    assert Case.objects.count() == 1
    # Another force's numbering is its own.
    make_case(outsider, make_subject(outsider), crime_reference="47/1/25")


def test_duplicate_caught_by_the_database_too(
    officer: Any, subject: Subject, monkeypatch: Any
) -> None:
    make_case(officer, subject, crime_reference="47/2/25")
    # As if another officer saved the same reference between our check and our write.
    monkeypatch.setattr(Case.objects, "filter", lambda *a, **k: Case.objects.none())
    with pytest.raises(ValidationError) as exc:
        make_case(officer, subject, crime_reference="47/2/25")
    assert "already recorded" in exc.value.message_dict["crime_reference"][0]


def test_case_create_errors(officer: Any, subject: Subject) -> None:
    with pytest.raises(ValidationError) as exc:
        services.case_create(
            actor=officer,
            subject=subject,
            crime_reference="  ",
            relationship="neighbour",
            opened_on=TODAY() + dt.timedelta(days=1),
        )
    assert exc.value.message_dict == {
        "crime_reference": ["Enter the crime reference"],
        "relationship": ["Select the subject's relationship to the victim"],
        "opened_on": ["The date the case was opened must be today or in the past"],
    }
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(verb="case.create").exists()


def test_case_create_other_force_subject_refused(outsider: Any, subject: Subject) -> None:
    with pytest.raises(PermissionDenied):
        make_case(outsider, subject)
    assert not Case.objects.exists()


def test_incident_add(officer: Any, case: Case) -> None:
    incident = services.incident_add(
        actor=officer,
        case=case,
        occurred_on=TODAY(),
        incident_type="spo_breach",
        description="Waited outside her workplace.",
    )
    event = AuditEvent.objects.get(verb="case.incident_add")
    assert event.new_values == {
        "incident_id": incident.pk,
        "incident_type": "spo_breach",
        "occurred_on": TODAY().isoformat(),
    }
    with pytest.raises(ValidationError) as exc:
        services.incident_add(
            actor=officer, case=case, occurred_on=TODAY() + dt.timedelta(days=1), incident_type="x"
        )
    assert exc.value.message_dict == {
        "occurred_on": ["The date of the incident must be today or in the past"],
        "incident_type": ["Select the type of incident"],
    }
    assert Incident.objects.count() == 1


def test_incident_rolls_back_when_audit_fails(officer: Any, case: Case, monkeypatch: Any) -> None:
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.incident_add(actor=officer, case=case, occurred_on=TODAY(), incident_type="other")
    assert not Incident.objects.exists()


def test_case_selectors_scope(officer: Any, outsider: Any, case: Case) -> None:
    assert list(selectors.case_list_for(actor=officer)) == [case]
    assert list(selectors.case_list_for(actor=outsider)) == []
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.case_get_for(actor=outsider, case_id=case.pk)


# --- views: ladders --------------------------------------------------------------------------


def test_ladder_case_list(client: Any, users: dict[RoleCode, Any]) -> None:
    assert_ladder(client, users, reverse("cases:list"), denied_statuses=(403,))


def test_ladder_case_pages(
    client: Any, users: dict[RoleCode, Any], subject: Subject, case: Case
) -> None:
    for url in [
        reverse("cases:create", args=[subject.pk]),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:incident_add", args=[case.pk]),
    ]:
        assert_ladder(client, users, url)


def test_other_force_404_and_no_rows(
    client: Any, outsider: Any, subject: Subject, case: Case
) -> None:
    client.force_login(outsider)
    for url in [
        reverse("cases:create", args=[subject.pk]),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:incident_add", args=[case.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("cases:incident_add", args=[case.pk]),
        {"occurred_on": TODAY().isoformat(), "incident_type": "other"},
    )
    assert response.status_code == 404
    assert not Incident.objects.exists()
    assert list(client.get(reverse("cases:list")).context["page"]) == []


def test_non_police_cannot_post(client: Any, users: dict[RoleCode, Any], case: Case) -> None:
    for role, user in users.items():
        if role in POLICE_ROLES:
            continue
        client.force_login(user)
        response = client.post(
            reverse("cases:incident_add", args=[case.pk]),
            {"occurred_on": TODAY().isoformat(), "incident_type": "other"},
        )
        assert response.status_code == 403
    assert not Incident.objects.exists()


# --- views: journeys ---------------------------------------------------------------------


def test_record_case_journey(client: Any, officer: Any, subject: Subject) -> None:
    client.force_login(officer)
    url = reverse("cases:create", args=[subject.pk])
    html = client.get(url).content.decode()
    assert 'class="govuk-checkboxes"' in html and 'value="fixated"' in html
    response = client.post(
        url,
        {
            "crime_reference": "47/5/25",
            "opened_on": TODAY().isoformat(),
            "relationship": "stranger",
            "indicators": ["fixated", "unwanted"],
            "summary": "",
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert (case.fixated, case.obsessive, case.unwanted, case.repeated) == (
        True,
        False,
        True,
        False,
    )
    response = client.post(
        url,
        {
            "crime_reference": "47/5/25",
            "opened_on": TOMORROW,
            "relationship": "",
            "indicators": ["fixated", "made-up"],
        },
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The date the case was opened must be today or in the past" in html
    assert "Select the subject&#x27;s relationship to the victim" in html
    assert "Select only the FOUR indicators listed" in html
    # With the other fields right, the duplicate reference is reported clearly.
    response = client.post(
        url,
        {"crime_reference": "47/5/25", "opened_on": TODAY().isoformat(), "relationship": "other"},
    )
    assert "A case with crime reference 47/5/25 is already recorded" in response.content.decode()
    assert Case.objects.count() == 1


def test_incident_timeline(client: Any, officer: Any, case: Case) -> None:
    client.force_login(officer)
    url = reverse("cases:incident_add", args=[case.pk])
    response = client.post(url, {"occurred_on": TOMORROW, "incident_type": ""})
    html = response.content.decode()
    assert "The date of the incident must be today or in the past" in html
    assert "Select the type of incident" in html
    for day, kind in [(3, "harassment"), (1, "spo_breach")]:
        response = client.post(
            url,
            {
                "occurred_on": (TODAY() - dt.timedelta(days=day)).isoformat(),
                "incident_type": kind,
                "description": f"Event {kind}",
            },
        )
        assert response.status_code == 302
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "moj-timeline" in html
    # Newest first.
    assert html.index("SPO breach") < html.index("Harassment")


def test_case_page_audited_with_victim_ids(client: Any, officer: Any, case: Case) -> None:
    victim = make_victim(officer, case)
    client.force_login(officer)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Philippa" in html and "BN3 7QZ" in html
    event = AuditEvent.objects.get(verb="case.view")
    assert event.category == Category.CONSULTATION
    assert event.object_id == str(case.pk)
    assert event.new_values == {"victims_shown": [victim.pk]}


def test_case_list_query_count_is_fixed(client: Any, officer: Any, subject: Subject) -> None:
    client.force_login(officer)
    make_case(officer, subject)
    url = reverse("cases:list")
    client.get(url)
    few = count_queries(client, url, connection)
    for _ in range(20):
        make_case(officer, make_subject(officer))
    assert count_queries(client, url, connection) == few


def test_case_page_query_count_is_fixed(client: Any, officer: Any, case: Case) -> None:
    client.force_login(officer)
    make_victim(officer, case)
    services.incident_add(actor=officer, case=case, occurred_on=TODAY(), incident_type="other")
    url = reverse("cases:detail", args=[case.pk])
    client.get(url)
    few = count_queries(client, url, connection)
    for _ in range(20):
        make_victim(officer, case)
        services.incident_add(
            actor=officer, case=case, occurred_on=TODAY(), incident_type="stalking"
        )
    assert count_queries(client, url, connection) == few
