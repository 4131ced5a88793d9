"""The check before triage: a held self-referral is accepted into triage or closed as not
genuine, by the advocacy manager only, audited, and nothing is ever deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.core.roles import RoleCode
from desist.people.tests.factories import assert_ladder
from desist.safeguarding import forms, queues, services
from desist.safeguarding.models import AdvocacyCase, AdvocacyCaseEvent, Victim

R = RoleCode


@pytest.fixture
def held(orgs: dict[str, Any]) -> AdvocacyCase:
    return services.self_referral_create(
        service=orgs["advocacy"],
        first_names="Marigold",
        last_name="Penhallow",
        phone="07700 900 321",
        notes="My neighbour follows me to work.",
        check_reason="too_fast",
    )


def test_held_request_is_out_of_triage_until_accepted(
    held: AdvocacyCase, manager: Any, advocate: Any
) -> None:
    assert held.status == "check" and held.check_reason == "too_fast"
    assert queues.check_before_triage(manager).count == 1
    assert queues.unallocated(manager).count == 0
    assert queues.new_referrals(advocate).count == 0
    with pytest.raises(PermissionDenied):
        services.self_referral_accept(actor=advocate, case=held, version=held.version)
    with pytest.raises(ValidationError):  # it cannot be slipped into triage by "reopening"
        services.advocacy_reopen(actor=manager, case=held, version=held.version)
    with pytest.raises(StaleRecordError):
        services.self_referral_accept(actor=manager, case=held, version=held.version + 1)

    case = services.self_referral_accept(actor=manager, case=held, version=held.version)
    assert case.status == "open" and case.check_reason == "too_fast"  # the reason is kept
    assert queues.check_before_triage(manager).count == 0
    assert queues.unallocated(manager).count == 1
    assert queues.new_referrals(advocate).count == 1
    event = AdvocacyCaseEvent.objects.filter(case=case).last()
    assert event is not None and (event.kind, event.by, event.to_status) == (
        "accepted",
        manager,
        "open",
    )
    audit = AuditEvent.objects.get(verb="advocacy.self_referral_accept")
    assert audit.actor_username == manager.username and audit.old_values["status"] == "check"
    with pytest.raises(ValidationError):
        services.self_referral_accept(actor=manager, case=case, version=case.version)


def test_not_genuine_closes_with_a_reason_and_deletes_nothing(
    held: AdvocacyCase, manager: Any
) -> None:
    with pytest.raises(ValidationError) as err:
        services.self_referral_mark_not_genuine(
            actor=manager, case=held, version=held.version, reason=""
        )
    assert err.value.message_dict == {"reason": ["Select why this is not a genuine request"]}
    case = services.self_referral_mark_not_genuine(
        actor=manager, case=held, version=held.version, reason="advertising"
    )
    assert (case.status, case.closure_reason) == ("closed", "not_genuine")
    assert Victim.objects.filter(pk=held.victim_id).exists()
    audit = AuditEvent.objects.get(verb="advocacy.self_referral_not_genuine")
    assert audit.justification == "Advertising, or links to other websites"
    assert audit.new_values == {"status": "closed", "reason": "advertising"}
    # A mistaken call is undone like any closure: reopened, into triage.
    case = services.advocacy_reopen(actor=manager, case=case, version=case.version)
    assert case.status == "open"
    # "Not genuine" is never offered by, nor accepted from, the ordinary close form.
    assert "not_genuine" not in dict(forms.CloseForm.base_fields["reason"].choices)
    with pytest.raises(ValidationError):
        services.advocacy_close(
            actor=manager, case=case, version=case.version, reason="not_genuine"
        )


def test_check_page_ladder_and_form(
    client: Any,
    users: dict[RoleCode, Any],
    held: AdvocacyCase,
    manager: Any,
    make_user: Any,
    make_org: Any,
) -> None:
    url = reverse("safeguarding:case_check", args=[held.pk])
    assert_ladder(client, users, url, allowed={R.ADVOCACY_MANAGER})
    client.force_login(make_user(R.ADVOCACY_MANAGER, organisation=make_org("advocacy")))
    assert client.get(url).status_code == 404  # another service's manager

    client.force_login(manager)
    html = client.get(url).content.decode()
    assert "Sent within seconds of opening the form" in html
    assert "My neighbour follows me to work." in html
    response = client.post(url, {"version": held.version, "decision": "not_genuine"})
    assert "Select why this is not a genuine request" in response.content.decode()
    response = client.post(url, {"version": held.version})
    assert "Select whether this is a genuine request for support" in response.content.decode()
    response = client.post(url, {"version": held.version, "decision": "accept"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "open"
    page = client.get(reverse("safeguarding:case", args=[held.pk])).content.decode()
    assert "Checked and accepted into triage" in page
