from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.cases import selectors, services
from desist.cases.models import Case, Incident
from desist.core.roles import RoleCode
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
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:close", args=[case.pk]),
        reverse("cases:reopen", args=[case.pk]),
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
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:close", args=[case.pk]),
        reverse("cases:reopen", args=[case.pk]),
    ]:
        assert client.get(url).status_code == 404, url
        if "/edit/" in url or "/close/" in url or "/reopen/" in url:
            assert client.post(url, {"version": case.version}).status_code == 404, url
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


# --- correcting, closing and reopening a case --------------------------------------------------


def _update(officer: Any, case: Case, **kw: Any) -> Case:
    values: dict[str, Any] = {
        "crime_reference": case.crime_reference,
        "relationship": case.relationship,
        "opened_on": case.opened_on,
        "summary": case.summary,
        **{n: getattr(case, n) for n in services.FOUR_INDICATORS},
        **kw,
    }
    return services.case_update(actor=officer, case=case, version=case.version, **values)


def test_case_update_validates_and_audits_without_the_summary(
    officer: Any, subject: Subject, case: Case
) -> None:
    other = make_case(officer, subject)
    with pytest.raises(ValidationError) as caught:
        _update(officer, case, crime_reference=other.crime_reference.lower(), relationship="x")
    assert caught.value.message_dict == {
        "crime_reference": [
            f"A case with crime reference {other.crime_reference} is already recorded in your "
            "force. Check the reference, or find the case by searching for it"
        ],
        "relationship": ["Select the subject's relationship to the victim"],
    }
    with pytest.raises(ValidationError) as caught:
        _update(officer, case, opened_on=TODAY() + dt.timedelta(days=1))
    assert caught.value.message_dict == {
        "opened_on": ["The date the case was opened must be today or in the past"]
    }
    version = case.version
    _update(officer, case, summary="Sent flowers to the workplace daily", repeated=True)
    saved = Case.objects.get(pk=case.pk)
    assert saved.repeated and saved.summary == "Sent flowers to the workplace daily"
    assert saved.version == version + 1
    event = AuditEvent.objects.get(verb="case.edit")
    assert event.category == Category.ALTERATION
    assert event.new_values == {"changed": ["repeated", "summary"], "repeated": True}
    assert "flowers" not in str(event.old_values) + str(event.new_values)
    # Nothing changed: no write, no audit row.
    _update(officer, saved)
    assert AuditEvent.objects.filter(verb="case.edit").count() == 1


def test_case_update_refuses_a_stale_version(officer: Any, case: Case) -> None:
    stale = Case.objects.get(pk=case.pk)
    _update(officer, case, summary="First")
    with pytest.raises(ValidationError) as caught:
        _update(officer, stale, summary="Second")
    assert caught.value.messages == [
        "Someone else changed this record while you were editing it. Your changes have not "
        "been saved. Check the latest version and try again."
    ]
    assert Case.objects.get(pk=case.pk).summary == "First"


def test_close_and_reopen(officer: Any, case: Case) -> None:
    def close(**kw: Any) -> Case:
        values: dict[str, Any] = {"closed_on": TODAY(), "reason": "charged", **kw}
        fresh = Case.objects.get(pk=case.pk)
        return services.case_close(actor=officer, case=fresh, version=fresh.version, **values)

    with pytest.raises(ValidationError) as caught:
        close(closed_on=None, reason="")
    assert caught.value.message_dict == {
        "reason": ["Select why the case is being closed"],
        "closed_on": ["Enter the date the case was closed"],
    }
    with pytest.raises(ValidationError) as caught:
        close(closed_on=case.opened_on - dt.timedelta(days=1))
    assert caught.value.message_dict["closed_on"][0].startswith(
        "The date the case was closed must be the same as or after the date it was opened"
    )
    with pytest.raises(ValidationError) as caught:
        close(closed_on=TODAY() + dt.timedelta(days=1))
    assert caught.value.message_dict["closed_on"] == [services.CLOSED_FUTURE]
    assert not AuditEvent.objects.filter(verb="case.close").exists()

    yesterday = TODAY() - dt.timedelta(days=1)
    close(closed_on=yesterday)
    saved = Case.objects.get(pk=case.pk)
    assert (saved.status, saved.closed_on, saved.closure_reason) == ("closed", yesterday, "charged")
    with pytest.raises(ValidationError, match="already closed"):
        close()
    # A closed case's timeline still grows (a breach of an order made in it is an incident).
    services.incident_add(actor=officer, case=saved, occurred_on=TODAY(), incident_type="other")
    with pytest.raises(ValidationError) as caught:
        _update(officer, saved, opened_on=TODAY())
    assert caught.value.message_dict["opened_on"][0].startswith(
        "The date the case was opened must be the same as or before the date it was closed"
    )

    services.case_reopen(actor=officer, case=saved, version=saved.version)
    reopened = Case.objects.get(pk=case.pk)
    assert (reopened.status, reopened.closed_on, reopened.closure_reason) == ("open", None, "")
    with pytest.raises(ValidationError, match="already open"):
        services.case_reopen(actor=officer, case=reopened, version=reopened.version)
    reopen_event = AuditEvent.objects.get(verb="case.reopen")
    assert reopen_event.old_values["reason"] == "charged"
    assert AuditEvent.objects.get(verb="case.close").new_values["reason"] == "charged"


def test_non_police_and_other_forces_cannot_change_a_case(
    users: dict[RoleCode, Any], outsider: Any, case: Case
) -> None:
    for role, user in [*users.items(), ("outsider", outsider)]:
        if role in POLICE_ROLES:
            continue
        with pytest.raises((PermissionDenied, ValidationError)):
            services.case_close(
                actor=user, case=case, version=case.version, closed_on=TODAY(), reason="charged"
            )
        with pytest.raises(PermissionDenied):
            _update(user, case, summary="Changed")
    assert Case.objects.get(pk=case.pk).status == "open"


def test_change_close_and_reopen_through_the_pages(client: Any, officer: Any, case: Case) -> None:
    client.force_login(officer)
    detail = reverse("cases:detail", args=[case.pk])
    html = client.get(detail).content.decode()
    assert "Change the case's details" in html and "Close the case" in html
    edit = reverse("cases:edit", args=[case.pk])
    form = client.get(edit).content.decode()
    assert f'value="{case.crime_reference}"' in form and 'name="version"' in form
    data = {
        "version": case.version,
        "crime_reference": case.crime_reference,
        "opened_on": case.opened_on.isoformat(),
        "relationship": "ex_intimate",
        "indicators": ["fixated", "obsessive", "unwanted", "repeated"],
        "summary": "Updated",
    }
    response = client.post(edit, {**data, "relationship": ""})
    assert "Select the subject&#x27;s relationship to the victim" in response.content.decode()
    response = client.post(edit, data)
    assert response.status_code == 302 and response["Location"] == detail
    saved = Case.objects.get(pk=case.pk)
    assert saved.four_count == 4 and saved.relationship == "ex_intimate"
    # The same form again: the version it carries is stale now.
    response = client.post(edit, {**data, "summary": "Again"})
    assert "Someone else changed this record" in response.content.decode()

    close = reverse("cases:close", args=[case.pk])
    response = client.post(close, {"version": saved.version, "closed_on": TOMORROW})
    html = response.content.decode()
    assert "There is a problem" in html and "Select why the case is being closed" in html
    response = client.post(
        close, {"version": saved.version, "closed_on": TODAY().isoformat(), "reason": "nfa"}
    )
    assert response.status_code == 302
    html = client.get(detail).content.decode()
    assert "Closed on" in html and "no further action: evidential difficulties" in html
    assert "Reopen the case" in html
    closed = Case.objects.get(pk=case.pk)
    response = client.post(reverse("cases:reopen", args=[case.pk]), {"version": closed.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "open"
