from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from desist.audit.models import AuditEvent, Category
from desist.cases.models import Case
from desist.core.roles import RoleCode
from desist.people.tests.factories import (
    POLICE_ROLES,
    VICTIM_IDENTITY,
    assert_ladder,
    make_victim,
)
from desist.safeguarding import selectors, services
from desist.safeguarding.models import Victim

R = RoleCode
SECRETS = ["Philippa", "Quorndon", "Wisteria", "BN3 7QZ", "07700", "900321", "philippa.qz"]


def _all_audit_text() -> str:
    return " ".join(
        f"{e.justification} {e.old_values} {e.new_values} {e.object_id}"
        for e in AuditEvent.objects.all()
    )


def test_victim_create_links_case_and_audits_ids_only(officer: Any, case: Case) -> None:
    victim = make_victim(officer, case, postcode="bn37qz", phone="+44 7700 900-321")
    victim.refresh_from_db()
    assert victim.force_id == case.force_id
    assert list(case.victims.all()) == [victim]
    assert victim.postcode == "BN3 7QZ"
    assert victim.phone == "07700900321"
    event = AuditEvent.objects.get(verb="victim.create")
    assert event.category == Category.COLLECTION
    assert event.object_type == "safeguarding.Victim"
    assert event.new_values == {
        "case": case.pk,
        "fields_recorded": ["first_names", "last_name", "address", "postcode", "phone", "email"],
    }
    text = _all_audit_text()
    for secret in SECRETS:
        assert secret not in text


def test_str_and_repr_never_show_identity(officer: Any, case: Case) -> None:
    victim = make_victim(officer, case)
    for shown in (str(victim), repr(victim)):
        for secret in SECRETS:
            assert secret not in shown
    assert str(victim) == f"Victim V{victim.pk:06d}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_names", " ", "Enter the victim's first names"),
        ("last_name", "", "Enter the victim's last name"),
        ("postcode", "BN3", "Enter a real postcode, like BN1 1AA"),
        ("postcode", "1AA BN3", "Enter a real postcode, like BN1 1AA"),
        ("phone", "0770090", "Enter a telephone number"),
        ("phone", "07700 900 32x", "Enter a telephone number"),
        ("email", "philippa@", "Enter an email address in the correct format"),
        ("sex", "unknown", "Select the victim's sex"),
    ],
)
def test_victim_validation(officer: Any, case: Case, field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make_victim(officer, case, **{field: value})
    assert exc.value.message_dict[field][0].startswith(message)
    # The message never repeats what was typed.
    if value.strip():
        assert value not in str(exc.value)
    assert not Victim.objects.exists()
    assert not AuditEvent.objects.filter(verb="victim.create").exists()


def test_victim_create_rolls_back_when_audit_fails(
    officer: Any, case: Case, monkeypatch: Any
) -> None:
    def boom(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        make_victim(officer, case)
    assert not Victim.objects.exists()
    assert not case.victims.exists()


def test_victim_create_refused_outside_force_and_role(
    users: dict[RoleCode, Any], outsider: Any, case: Case
) -> None:
    with pytest.raises(PermissionDenied):
        make_victim(outsider, case)
    for role, user in users.items():
        if role not in POLICE_ROLES:
            with pytest.raises(PermissionDenied):
                make_victim(user, case)
    assert not Victim.objects.exists()


def test_victim_selectors_scope(
    users: dict[RoleCode, Any], officer: Any, outsider: Any, case: Case
) -> None:
    victim = make_victim(officer, case)
    assert list(selectors.victim_list_for(actor=officer)) == [victim]
    assert selectors.victim_get_for(actor=officer, victim_id=victim.pk) == victim
    with pytest.raises(Http404):
        selectors.victim_get_for(actor=outsider, victim_id=victim.pk)
    for role, user in users.items():
        visible = list(selectors.victims_for_case(actor=user, case=case))
        assert visible == ([victim] if role in POLICE_ROLES else []), role


# --- views ---------------------------------------------------------------------------------


def test_ladder_victim_add(client: Any, users: dict[RoleCode, Any], case: Case) -> None:
    assert_ladder(client, users, reverse("cases:victim_add", args=[case.pk]))


def test_victim_add_other_force_404(client: Any, outsider: Any, case: Case) -> None:
    client.force_login(outsider)
    url = reverse("cases:victim_add", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**VICTIM_IDENTITY, "sex": "female"}).status_code == 404
    assert not Victim.objects.exists()


def test_victim_add_journey_leaks_nothing_to_audit_or_logs(
    client: Any, officer: Any, case: Case, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    client.force_login(officer)
    url = reverse("cases:victim_add", args=[case.pk])
    bad = client.post(
        url, {**VICTIM_IDENTITY, "postcode": "nonsense", "email": "no-at-sign", "sex": "female"}
    )
    html = bad.content.decode()
    assert "Enter a real postcode, like BN1 1AA" in html
    assert "Enter an email address in the correct format, like name@example.com" in html
    assert not Victim.objects.exists()
    response = client.post(url, {**VICTIM_IDENTITY, "sex": "female"})
    assert response.status_code == 302
    victim = Victim.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Philippa" in page and "philippa.qz@example.org" in page
    text = _all_audit_text() + " ".join(r.getMessage() for r in caplog.records)
    for secret in SECRETS:
        assert secret not in text
    assert AuditEvent.objects.get(verb="case.view").new_values == {"victims_shown": [victim.pk]}


def test_case_page_hides_victims_from_those_without_identity_permission(
    client: Any, officer: Any, outsider: Any, case: Case, monkeypatch: Any
) -> None:
    make_victim(officer, case)
    from desist import policy

    monkeypatch.setitem(
        policy.ROLE_PERMISSIONS,
        R.POLICE_OFFICER,
        policy.ROLE_PERMISSIONS[R.POLICE_OFFICER] - {policy.Perm.VICTIM_IDENTITY_VIEW},
    )
    client.force_login(officer)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "1 victim recorded" in html
    for secret in SECRETS:
        assert secret not in html
    assert AuditEvent.objects.get(verb="case.view").new_values is None


# --- adding a victim from the subject's other cases ------------------------------------------


def test_victim_link_only_from_the_subjects_other_cases(
    officer: Any, outsider: Any, case: Case
) -> None:
    from desist.people.tests.factories import make_case, make_subject

    earlier = make_case(officer, case.subject)
    victim = make_victim(officer, earlier)
    stranger_case = make_case(officer, make_subject(officer))
    unrelated = make_victim(officer, stranger_case)
    assert list(selectors.victims_linkable_to_case(actor=officer, case=case)) == [victim]
    assert list(selectors.victims_linkable_to_case(actor=outsider, case=case)) == []

    for wrong in (None, unrelated.pk, 999999):
        with pytest.raises(ValidationError) as caught:
            services.victim_link_to_case(actor=officer, case=case, victim_id=wrong)
        assert caught.value.message_dict == {
            "victim": ["Select a victim from the subject's other cases"]
        }
    with pytest.raises(PermissionDenied):
        services.victim_link_to_case(actor=outsider, case=case, victim_id=victim.pk)
    assert list(case.victims.all()) == []

    services.victim_link_to_case(actor=officer, case=case, victim_id=victim.pk)
    assert list(case.victims.all()) == [victim]
    assert Victim.objects.count() == 2, "linked, not copied"
    event = AuditEvent.objects.get(verb="case.victim_link")
    assert (event.object_id, event.new_values) == (str(case.pk), {"victim": victim.pk})
    # Now in both cases, so no longer offered, and a second link is refused.
    assert list(selectors.victims_linkable_to_case(actor=officer, case=case)) == []
    with pytest.raises(ValidationError):
        services.victim_link_to_case(actor=officer, case=case, victim_id=victim.pk)


def test_ladder_victim_link(client: Any, users: dict[RoleCode, Any], case: Case) -> None:
    assert_ladder(client, users, reverse("cases:victim_link", args=[case.pk]))


def test_victim_link_other_force_404(client: Any, outsider: Any, officer: Any, case: Case) -> None:
    from desist.people.tests.factories import make_case

    victim = make_victim(officer, make_case(officer, case.subject))
    client.force_login(outsider)
    url = reverse("cases:victim_link", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"victim": victim.pk}).status_code == 404
    assert list(case.victims.all()) == []


def test_victim_link_through_the_page(client: Any, officer: Any, case: Case) -> None:
    from desist.people.tests.factories import make_case

    url = reverse("cases:victim_link", args=[case.pk])
    client.force_login(officer)
    empty = client.get(url).content.decode()
    assert "There are no victims in" in empty
    # The case was shown, though no victim: a consultation naming none (issue 12).
    empty_view = AuditEvent.objects.get(verb="case.victim_link_view")
    assert empty_view.new_values == {"victims_shown": []}

    victim = make_victim(officer, make_case(officer, case.subject))
    html = client.get(url).content.decode()
    assert "Philippa" in html and victim.reference in html
    shown = AuditEvent.objects.exclude(pk=empty_view.pk).get(verb="case.victim_link_view")
    assert shown.category == Category.CONSULTATION
    assert shown.new_values == {"victims_shown": [victim.pk]}
    response = client.post(url, {})
    html = response.content.decode()
    assert "There is a problem" in html and "Select a victim from the subject" in html
    assert "Error - Desist" in html
    response = client.post(url, {"victim": victim.pk})
    assert response.status_code == 302
    assert list(case.victims.all()) == [victim]
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Philippa" in detail
