"""Break-glass: who may, what it admits, for how long, how loudly, and its review."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist import policy
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders.models import Order
from desist.people.models import Subject
from desist.policy import Perm
from desist.safeguarding.models import Victim
from desist.sharing import break_glass, clock, selectors
from desist.sharing.models import BreakGlassGrant
from desist.sharing.tests.conftest import link_advocate

R = RoleCode
WHY = "Subject arrested in our area tonight; need the order terms to decide on charge."


@pytest.fixture
def outsider(make_user: Any, orgs: Any, partnership: Any) -> Any:
    """An officer of another force in the same partnership: break-glass opens at once."""
    partnership.organisations.add(orgs["other_police_force"])
    return make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])


def test_provider_roles_cannot_break_glass(users: dict[RoleCode, Any], order: Any) -> None:
    for role in (R.PRACTITIONER, R.CLINICAL_SUPERVISOR, R.OVERSEER, R.PROGRAMME_MANAGER):
        assert not policy.has_perm(users[role], Perm.BREAK_GLASS_REQUEST)
        assert break_glass.break_glass_allowed_types(users[role]) == []
        with pytest.raises(PermissionDenied):
            break_glass.break_glass_request(actor=users[role], record=order, justification=WHY)


def test_grant_admits_record_until_expiry_and_not_after(
    outsider: Any, order: Any, subject: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.DESIST_BREAK_GLASS_MINUTES = 30
    start = clock.now()
    scoped = lambda: policy.scope_orders(outsider, Order.objects.all())  # noqa: E731
    assert not policy.can(outsider, Perm.ORDER_VIEW, order)
    assert not scoped().filter(pk=order.pk).exists()

    grant = break_glass.break_glass_request(actor=outsider, record=order, justification=WHY)
    assert grant.expires_at == grant.granted_at + dt.timedelta(minutes=30)
    assert policy.can(outsider, Perm.ORDER_VIEW, order)
    assert list(scoped()) == [order]
    # That one record, for viewing only: not its subject, never editing.
    assert not policy.can(outsider, Perm.ORDER_EDIT, order)
    assert not policy.can(outsider, Perm.SUBJECT_VIEW, subject)
    assert not policy.scope_subjects(outsider, Subject.objects.all()).exists()

    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=29, seconds=59))
    assert policy.can(outsider, Perm.ORDER_VIEW, order)
    monkeypatch.setattr(clock, "now", lambda: grant.expires_at)
    assert not policy.can(outsider, Perm.ORDER_VIEW, order)
    assert not scoped().exists()


def test_grant_is_loud_and_queued_for_review(outsider: Any, order: Any, users: Any) -> None:
    grant = break_glass.break_glass_request(actor=outsider, record=order, justification=WHY)
    event = AuditEvent.objects.get(verb="break_glass.grant")
    assert event.category == "security" and event.justification == WHY
    overseer = users[R.OVERSEER]
    assert list(selectors.break_glass_review_list_for(actor=overseer)) == [grant]
    assert not selectors.break_glass_review_list_for(actor=users[R.POLICE_SUPERVISOR]).exists()

    from desist.home.queues import _SPECS

    result = _SPECS["oversight.break_glass"].provider(overseer)  # type: ignore[misc]
    assert result.count == 1 and outsider.username in result.rows[0].label

    break_glass.break_glass_review(
        actor=overseer, grant=grant, version=grant.version, finding="justified", notes="Fine."
    )
    assert not selectors.break_glass_review_list_for(actor=overseer).exists()
    with pytest.raises(ValidationError):
        break_glass.break_glass_review(
            actor=overseer, grant=grant, version=grant.version, finding="justified", notes="x"
        )


def test_refused_for_own_records_and_short_reasons(officer: Any, outsider: Any, order: Any) -> None:
    with pytest.raises(ValidationError) as own:
        break_glass.break_glass_request(actor=officer, record=order, justification=WHY)
    assert "already open this record" in str(own.value)
    with pytest.raises(ValidationError) as short:
        break_glass.break_glass_request(actor=outsider, record=order, justification="need it")
    assert "at least 20 characters" in str(short.value)
    assert not BreakGlassGrant.objects.exists()


def test_advocate_breaks_glass_to_partnership_victim_only(
    make_user: Any, orgs: Any, victim: Any, partnership: Any, force: Any, make_org: Any
) -> None:
    advocate = make_user(R.VICTIM_ADVOCATE)
    assert not policy.scope_victims(advocate, Victim.objects.all()).exists()
    break_glass.break_glass_request(actor=advocate, record=victim, justification=WHY)
    assert list(policy.scope_victims(advocate, Victim.objects.all())) == [victim]
    assert policy.can(advocate, Perm.VICTIM_IDENTITY_VIEW, victim)
    assert not policy.can(advocate, Perm.VICTIM_EDIT, victim)

    outside = make_user(R.VICTIM_ADVOCATE, organisation=make_org("advocacy"))
    with pytest.raises(ValidationError) as caught:
        break_glass.break_glass_request(actor=outside, record=victim, justification=WHY)
    assert "partnership" in str(caught.value)


def test_advocate_cannot_break_glass_to_referred_victim(
    advocate: Any, victim: Any, partnership: Any
) -> None:
    link_advocate(victim, advocate)
    with pytest.raises(ValidationError):
        break_glass.break_glass_request(actor=advocate, record=victim, justification=WHY)


def test_police_cannot_break_glass_to_victims(outsider: Any, victim: Any) -> None:
    with pytest.raises(ValidationError):
        break_glass.break_glass_request(actor=outsider, record=victim, justification=WHY)


def test_request_page_finds_by_reference_and_shows_banner(
    client: Any, outsider: Any, order: Any
) -> None:
    client.force_login(outsider)
    page = client.get(reverse("sharing:break_glass_request"))
    assert page.status_code == 200
    missing = client.post(
        reverse("sharing:break_glass_request"),
        {"record_type": "orders.Order", "reference": "NOPE/1", "justification": WHY},
    )
    assert "No single record of that kind has this reference" in missing.content.decode()
    response = client.post(
        reverse("sharing:break_glass_request"),
        {"record_type": "orders.Order", "reference": order.reference, "justification": WHY},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "You are viewing this record under emergency access (break-glass), granted" in html
    assert "every page is recorded" in html
    listing = client.get(reverse("sharing:break_glass"))
    assert "Active" in listing.content.decode()


def test_review_page_ladder(
    client: Any, users: dict[RoleCode, Any], outsider: Any, order: Any
) -> None:
    grant = break_glass.break_glass_request(actor=outsider, record=order, justification=WHY)
    url = reverse("sharing:break_glass_review", args=[grant.pk])
    assert client.get(url).status_code == 302
    for role, user in users.items():
        client.force_login(user)
        assert client.get(url).status_code == (200 if role == R.OVERSEER else 403), role
    client.force_login(users[R.OVERSEER])
    bad = client.post(url, {"version": grant.version, "finding": "", "notes": ""})
    assert "Select your finding" in bad.content.decode()
    ok = client.post(
        url, {"version": grant.version, "finding": "justified", "notes": "Reasonable."}
    )
    assert ok.status_code == 302
    grant.refresh_from_db()
    assert grant.finding == "justified" and grant.reviewed_by == users[R.OVERSEER]


def test_advocate_victim_page_shows_banner_while_grant_lasts(
    client: Any, make_user: Any, victim: Any, partnership: Any, monkeypatch: Any
) -> None:
    advocate = make_user(R.VICTIM_ADVOCATE)
    url = break_glass.record_url(BreakGlassGrant.RecordType.VICTIM, victim.pk)
    assert url
    client.force_login(advocate)
    assert client.get(url).status_code == 404
    grant = break_glass.break_glass_request(actor=advocate, record=victim, justification=WHY)
    page = client.get(url)
    assert page.status_code == 200
    assert "under emergency access (break-glass)" in page.content.decode()
    monkeypatch.setattr(clock, "now", lambda: grant.expires_at + dt.timedelta(seconds=1))
    assert client.get(url).status_code == 404


def test_the_reference_hint_names_only_the_kinds_offered() -> None:
    """Tester finding: police were told they could give a victim's reference, a kind their
    form does not offer."""
    from desist.sharing.forms import BreakGlassRequestForm
    from desist.sharing.models import BreakGlassGrant

    kinds = BreakGlassGrant.RecordType
    police = BreakGlassRequestForm(record_types=[kinds.SUBJECT, kinds.CASE, kinds.ORDER])
    assert "victim" not in str(police.fields["reference"].help_text)
    everyone = BreakGlassRequestForm(record_types=list(kinds.values))
    assert "victim's reference" in str(everyone.fields["reference"].help_text)
