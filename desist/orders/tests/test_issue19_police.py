"""Issue 19 (police daily work): notified changes under an interim order, discharge within
two years, the PNC hint, the supervisor-only withdraw page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from desist.orders import actions as services
from desist.orders import law
from desist.orders.derived import fmt
from desist.orders.models import Notification, OrderEvent, OrderStatus
from desist.orders.tests.helpers import TODAY, ago, ahead, fresh, full, interim, make_subject
from desist.orders.tests.test_services import refused

S = OrderStatus


def _interim_then_full(officer: Any, subject: Any, *, full_served: bool) -> Any:
    order = interim(officer, subject, made=ago(60), expires=ahead(200), served=ago(50))
    services.order_make_full(
        actor=officer,
        order=order,
        version=order.version,
        made_on=ago(30),
        ends_on=ahead(800),
        until_further_order=False,
    )
    if full_served:
        services.order_serve(actor=officer, order=order, version=order.version, served_on=ago(20))
    return fresh(order)


def test_change_notified_while_only_the_interim_order_was_served(
    officer: Any, subject: Any
) -> None:
    # s.9(4): the requirements run from service of the interim order too. A change made after
    # the interim order was served (ago 50) and before the full one was (ago 20) is accepted.
    for full_served in (True, False):
        order = _interim_then_full(officer, subject, full_served=full_served)
        note = services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(40),
            received_on=ago(39),
            address=f"{10 + full_served} Interim Street",
        )
        assert note.trigger_on == ago(40) and note.received_on == ago(39)


def _discharge(officer: Any, order: Any, **consents: bool) -> Any:
    return services.order_record_discharge(
        actor=officer,
        order=order,
        version=order.version,
        applicant=OrderEvent.Applicant.SUBJECT,
        court="Brighton Magistrates' Court",
        decided_on=TODAY,
        outcome=OrderEvent.Outcome.GRANTED,
        details="Discharged on the subject's application.",
        **consents,
    )


def test_discharge_within_two_years_needs_both_consents(officer: Any, subject: Any) -> None:
    order = full(officer, subject, made=ago(1), served=ago(1))
    until = law.discharge_needs_consent_until(ago(1))
    for consents in ({}, {"defendant_consents": True}, {"chief_officer_consents": True}):
        refused(
            lambda c=consents: _discharge(officer, fresh(order), **c),  # type: ignore[misc]
            "consents",
            f"A full order made on {fmt(ago(1))} can only be discharged on or before "
            f"{fmt(until)} if both the subject and the chief officer of police consented",
        )
    assert fresh(order).status == S.FULL
    event = _discharge(officer, fresh(order), defendant_consents=True, chief_officer_consents=True)
    assert event.defendant_consented and event.chief_officer_consented
    assert fresh(order).status == S.DISCHARGED


def test_discharge_after_two_years_or_of_an_interim_order_needs_no_consent(
    officer: Any, subject: Any, force: Any
) -> None:
    old = full(officer, subject, made=ago(800), ends=ahead(400), served=ago(800))
    assert not _discharge(officer, fresh(old)).defendant_consented
    assert fresh(old).status == S.DISCHARGED
    only_interim = interim(officer, make_subject(force), made=ago(5), expires=ahead(60))
    _discharge(officer, fresh(only_interim))
    assert fresh(only_interim).status == S.DISCHARGED


def test_discharge_form_says_why_and_records_the_consents(
    client: Any, officer: Any, subject: Any
) -> None:
    order = full(officer, subject, made=ago(1), served=ago(1))
    until = law.discharge_needs_consent_until(ago(1))
    client.force_login(officer)
    url = reverse("orders:event_add", args=[order.pk, "discharge"])
    page = client.get(url).content.decode()
    assert "Stalking Protection Act 2019, section 7" in page and fmt(until) in page
    assert "The chief officer of police consented" in page
    data = {
        "version": fresh(order).version,
        "applicant": "subject",
        "court": "Brighton Magistrates' Court",
        "decided_on": TODAY.isoformat(),
        "outcome": "granted",
        "details": "Discharged with consent.",
        "consents": ["defendant"],
    }
    html = client.post(url, data).content.decode()
    assert "There is a problem" in html and 'href="#id_consents' in html
    assert "if both the subject and the chief officer of police consented" in html
    assert fresh(order).status == S.FULL
    response = client.post(url, {**data, "consents": ["defendant", "chief_officer"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = OrderEvent.objects.get(order=order)
    assert event.defendant_consented and event.chief_officer_consented
    # An older order's form still asks: the decision may be dated within its two years.
    old = full(officer, make_subject(subject.force), made=ago(800), ends=ahead(400))
    page = client.get(reverse("orders:event_add", args=[old.pk, "discharge"])).content.decode()
    assert fmt(law.discharge_needs_consent_until(ago(800))) in page


def test_withdraw_page_is_refused_to_an_officer_and_its_button_hidden(
    client: Any, officer: Any, supervisor: Any, subject: Any
) -> None:
    order = interim(officer, subject, made=ago(10), expires=ahead(60))
    url = reverse("orders:withdraw", args=[order.pk])
    detail = reverse("orders:detail", args=[order.pk])
    client.force_login(officer)
    assert url not in client.get(detail).content.decode()
    assert client.get(url).status_code == 403
    data = {"version": fresh(order).version, "withdrawn_on": ago(1).isoformat(), "reason": "x"}
    assert client.post(url, data).status_code == 403
    assert fresh(order).status == S.INTERIM
    client.force_login(supervisor)
    assert url in client.get(detail).content.decode()
    assert client.get(url).status_code == 200
