"""Each rule's recipients, priorities and texts; cross-organisation alerts are disclosures."""

from __future__ import annotations

from typing import Any

import pytest

from desist.core.roles import RoleCode
from desist.sharing import rules
from desist.sharing.events import EventKind, Urgency, publish
from desist.sharing.models import Alert, Disclosure, LawfulBasis
from desist.sharing.tests.conftest import link_advocate

R = RoleCode
E = EventKind


def recipients_of(alerts: list[Alert]) -> set[int]:
    return {a.recipient_id for a in alerts}


def test_breach_alerts_advocate_and_supervisors(
    officer: Any,
    supervisor: Any,
    advocate: Any,
    subject: Any,
    order: Any,
    term: Any,
    supported: Any,
    make_user: Any,
    orgs: Any,
) -> None:
    from desist.orders.tests.helpers import ago, breach

    other_force_supervisor = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    b = breach(officer, order, term, ago(3))
    alerts = list(Alert.objects.filter(source_type="orders.Breach", source_id=str(b.pk)))
    # The officer who recorded it is not alerted about their own action.
    assert recipients_of(alerts) == {advocate.pk, supervisor.pk}
    assert other_force_supervisor.pk not in recipients_of(alerts)
    assert {a.priority for a in alerts} == {Urgency.HIGH}
    to_advocate = next(a for a in alerts if a.recipient_id == advocate.pk)
    assert order.reference in to_advocate.body
    assert "Philippa" not in to_advocate.body


def test_risk_disclosure_is_urgent_to_police_and_advocate(
    officer: Any,
    supervisor: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    supported: Any,
) -> None:
    alerts = publish(
        kind=E.RISK_DISCLOSURE,
        actor=practitioner,
        subject=subject,
        source=case,
        summary="In session 4 he said he still believes they are in a relationship.",
    )
    assert recipients_of(alerts) == {officer.pk, supervisor.pk, advocate.pk}
    assert {a.priority for a in alerts} == {Urgency.URGENT}


@pytest.mark.parametrize("kind", [E.MISSED_SESSIONS, E.DISENGAGED])
def test_engagement_news_reaches_advocate_only_if_victim_wants_it(
    kind: EventKind,
    officer: Any,
    supervisor: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    victim: Any,
    make_user: Any,
) -> None:
    link_advocate(victim, advocate)
    alerts = publish(kind=kind, actor=practitioner, subject=subject, source=case, summary="x")
    assert advocate.pk not in recipients_of(alerts)
    assert officer.pk in recipients_of(alerts)
    # Supervisors join only for high priority (disengagement).
    assert (supervisor.pk in recipients_of(alerts)) == (kind == E.DISENGAGED)

    type(victim).objects.filter(pk=victim.pk).update(wants_engagement_news=True)
    again = publish(kind=kind, actor=practitioner, subject=subject, source=case, summary="x")
    assert advocate.pk in recipients_of(again)


def test_new_contact_tells_practitioner_nothing_about_the_victim(
    officer: Any,
    supervisor: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    monkeypatch: Any,
) -> None:
    import desist.sharing.recipients as recipients

    monkeypatch.setattr(recipients, "practitioners", lambda subject: [practitioner])
    summary = "Philippa reports he waited outside BN3 7QZ on Friday evening."
    alerts = publish(
        kind=E.VICTIM_NEW_CONTACT, actor=advocate, subject=subject, source=case, summary=summary
    )
    assert recipients_of(alerts) == {officer.pk, supervisor.pk, practitioner.pk}
    to_practitioner = next(a for a in alerts if a.recipient_id == practitioner.pk)
    assert to_practitioner.body == rules.PRACTITIONER_NEW_CONTACT_TEXT
    assert "Philippa" not in to_practitioner.title + to_practitioner.body
    to_police = next(a for a in alerts if a.recipient_id == officer.pk)
    assert to_police.body == summary


def test_new_contact_without_programme_selector(
    officer: Any, advocate: Any, subject: Any, case: Any, monkeypatch: Any
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_programme(name: str, *a: Any, **kw: Any) -> Any:
        if name == "desist.programme.selectors":
            raise ImportError(name)
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_programme)
    alerts = publish(
        kind=E.VICTIM_NEW_CONTACT, actor=advocate, subject=subject, source=case, summary="x"
    )
    assert officer.pk in recipients_of(alerts)


def test_police_fallback_is_every_officer_when_no_officer_in_charge(
    force: Any, make_user: Any, practitioner: Any
) -> None:
    from desist.orders.tests.helpers import make_case, make_subject

    a, b = make_user(R.POLICE_OFFICER), make_user(R.POLICE_OFFICER)
    subject = make_subject(force)
    case = make_case(subject)  # no created_by
    alerts = publish(
        kind=E.MISSED_SESSIONS, actor=practitioner, subject=subject, source=case, summary="x"
    )
    assert {a.pk, b.pk} <= recipients_of(alerts)


def test_caller_urgency_overrides_default(
    officer: Any, supervisor: Any, practitioner: Any, subject: Any, case: Any
) -> None:
    alerts = publish(
        kind=E.MISSED_SESSIONS,
        actor=practitioner,
        subject=subject,
        source=case,
        summary="x",
        urgency=Urgency.URGENT,
    )
    assert {a.priority for a in alerts} == {Urgency.URGENT}
    assert supervisor.pk in recipients_of(alerts)


def test_cross_organisation_alert_creates_disclosure(
    officer: Any,
    supervisor: Any,
    advocate: Any,
    practitioner: Any,
    subject: Any,
    case: Any,
    supported: Any,
    partnership: Any,
) -> None:
    alerts = publish(
        kind=E.RISK_DISCLOSURE, actor=practitioner, subject=subject, source=case, summary="x"
    )
    disclosures = Disclosure.objects.filter(alert__in=alerts)
    # Provider -> police (x2) and provider -> advocacy: three disclosures, one per alert.
    assert disclosures.count() == 3
    to_police = disclosures.filter(to_user=officer).get()
    assert to_police.from_organisation == practitioner.organisation
    assert to_police.lawful_basis == LawfulBasis.CDA_S115
    assert to_police.agreement == "Test pilot information-sharing agreement"
    assert to_police.authorised_by == practitioner
    to_advocate = disclosures.get(to_user=advocate)
    assert to_advocate.lawful_basis == LawfulBasis.GDPR_6_1_E
    from desist.audit.models import AuditEvent

    assert AuditEvent.objects.filter(verb="disclosure.record", category="disclosure").count() == 3


def test_same_organisation_alert_is_not_a_disclosure(
    officer: Any, supervisor: Any, subject: Any, case: Any
) -> None:
    alerts = publish(kind=E.DISENGAGED, actor=officer, subject=subject, source=case, summary="x")
    assert alerts and not Disclosure.objects.exists()


def test_police_breach_to_advocate_is_dpa_part3(
    officer: Any, advocate: Any, order: Any, term: Any, supported: Any
) -> None:
    from desist.orders.tests.helpers import ago, breach

    breach(officer, order, term, ago(2))
    d = Disclosure.objects.get(to_user=advocate)
    assert d.lawful_basis == LawfulBasis.DPA_PART3
    assert d.from_organisation == officer.organisation


def test_breach_rolls_back_with_its_alerts(
    officer: Any, order: Any, term: Any, supported: Any, monkeypatch: Any
) -> None:
    """The hook runs in the breach's transaction: if alerting fails, nothing is saved."""
    from desist.orders.models import Breach
    from desist.orders.tests.helpers import ago, breach

    def boom(**kw: Any) -> list[Any]:
        raise RuntimeError("rules failed")

    monkeypatch.setattr(rules, "dispatch", boom)
    with pytest.raises(RuntimeError):
        breach(officer, order, term, ago(2))
    assert not Breach.objects.exists() and not Alert.objects.exists()


def test_unsafe_text_to_provider_staff_becomes_generic(
    practitioner: Any, officer: Any, subject: Any, case: Any, victim: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        rules,
        "_routes",
        lambda kind, subject, priority, source: [rules.Route(practitioner, "practitioner")],
    )
    alerts = publish(
        kind=E.DISENGAGED,
        actor=officer,
        subject=subject,
        source=case,
        summary="He was seen at 17 Wisteria Crescent.",
    )
    assert [a.body for a in alerts] == [rules.PROVIDER_GENERIC_TEXT]


def test_background_worker_runs_each_pass_and_survives_a_failing_one(
    monkeypatch: Any, db: Any
) -> None:
    from desist.jobs import worker
    from desist.sharing import services

    calls: list[str] = []

    def alerts_pass(*, name: str, now: Any = None) -> dict[str, int]:
        calls.append(name)
        if name == "deliver":
            raise RuntimeError("mail server hung up")
        return {name: 1}

    monkeypatch.setattr(services, "alerts_pass", alerts_pass)
    results = {name: worker.run_pass(name) for name in services.ALERT_PASSES}
    assert calls == list(services.ALERT_PASSES)
    assert results["deliver"] is None  # logged, not raised
    assert results["escalate"] == {"escalate": 1}
