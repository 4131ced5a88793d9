"""Issue 19: CRO and PND references on subjects (format-checked, in the subject's own access
request) and the date an order was entered on the PNC (not before it was made, not in the
future, audited, a stale form refused)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders import actions
from desist.orders.tests.helpers import ago, ahead, applied, fresh, full
from desist.people.services import subject_create, subject_update

R = RoleCode


def test_cro_and_pnd_are_kept_in_one_form_and_bad_ones_refused(
    users: dict[RoleCode, Any],
) -> None:
    officer = users[R.POLICE_OFFICER]
    subject = subject_create(
        actor=officer,
        first_names="Jo",
        last_name="Crotest",
        cro_number=" 12345/19k ",
        pnd_reference="pnd-0042/a",
    )
    assert (subject.cro_number, subject.pnd_reference) == ("12345/19K", "PND-0042/A")
    with pytest.raises(ValidationError) as refused:
        subject_update(
            actor=officer,
            subject=subject,
            version=subject.version,
            first_names="Jo",
            last_name="Crotest",
            date_of_birth=None,
            sex="other",
            pnc_number="",
            force_reference="",
            cro_number="19/12345K",
            pnd_reference="!!",
        )
    errors = refused.value.message_dict
    assert errors["cro_number"][0].startswith("Enter a CRO number in the format")
    assert errors["pnd_reference"][0].startswith("Enter the PND reference as it is shown")
    subject.refresh_from_db()
    assert subject.cro_number == "12345/19K"


def test_the_subject_page_shows_them_to_police(client: Any, users: dict[RoleCode, Any]) -> None:
    officer = users[R.POLICE_OFFICER]
    subject = subject_create(
        actor=officer, first_names="Jo", last_name="Crotest", cro_number="SF123/95X"
    )
    client.force_login(officer)
    page = client.get(reverse("people:detail", args=[subject.pk])).content.decode()
    assert "CRO number" in page and "SF123/95X" in page


def test_circulation_is_dated_after_the_order_was_made(
    users: dict[RoleCode, Any], subject: Any, case: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    waiting = applied(officer, subject, on=ago(30))
    with pytest.raises(ValidationError) as not_made:
        actions.order_record_circulation(
            actor=officer, order=waiting, version=waiting.version, circulated_on=ago(1)
        )
    assert "Only an order the court has made" in str(not_made.value)
    order = full(officer, subject, made=ago(20), ends=ahead(800), case=case)
    for day, message in ((ago(21), "after the date the order was made"), (ahead(1), "past")):
        with pytest.raises(ValidationError) as refused:
            actions.order_record_circulation(
                actor=officer, order=order, version=order.version, circulated_on=day
            )
        assert message in refused.value.message_dict["circulated_on"][0]
    stale = order.version
    actions.order_record_circulation(
        actor=officer, order=order, version=order.version, circulated_on=ago(19)
    )
    assert fresh(order).pnc_circulated_on == ago(19)
    event = AuditEvent.objects.get(verb="order.circulate")
    assert event.new_values == {"pnc_circulated_on": ago(19).isoformat()}
    with pytest.raises(ValidationError):  # someone else saved since this form was read
        actions.order_record_circulation(
            actor=officer, order=fresh(order), version=stale, circulated_on=ago(18)
        )
    assert fresh(order).pnc_circulated_on == ago(19)


def test_order_page_offers_record_then_change(
    client: Any, users: dict[RoleCode, Any], subject: Any, case: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    order = full(officer, subject, made=ago(20), ends=ahead(800), case=case)
    client.force_login(officer)
    url = reverse("orders:detail", args=[order.pk])

    def text() -> str:
        body = client.get(url).content.decode()
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

    assert "Entered on the PNC Not recorded Record the date of the PNC entry" in text()
    response = client.post(
        reverse("orders:circulate", args=[order.pk]),
        {"version": fresh(order).version, "circulated_on": ago(2).isoformat()},
    )
    assert response.status_code == 302
    assert "Change the date of the PNC entry" in text()


def test_circulation_form_is_not_offered_on_an_application(
    client: Any, users: dict[RoleCode, Any], subject: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    waiting = applied(officer, subject, on=ago(30))
    client.force_login(officer)
    assert client.get(reverse("orders:circulate", args=[waiting.pk])).status_code == 404


def test_the_subjects_own_request_holds_the_pnc_entry(
    users: dict[RoleCode, Any], subject: Any, case: Any
) -> None:
    from desist.orders.sar import subject_orders

    officer = users[R.POLICE_OFFICER]
    order = full(officer, subject, made=ago(20), ends=ahead(800), case=case)
    actions.order_record_circulation(
        actor=officer, order=order, version=order.version, circulated_on=ago(19)
    )
    text = str([r.__dict__ for r in subject_orders(subject, officer.organisation)])
    assert "Entered on the PNC" in text


def test_subject_page_says_record_until_a_reference_is_recorded(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    officer = users[R.POLICE_OFFICER]
    subject = subject_create(actor=officer, first_names="Jo", last_name="Crotest")
    client.force_login(officer)
    body = client.get(reverse("people:detail", args=[subject.pk])).content.decode()
    assert 'Record<span class="govuk-visually-hidden"> CRO number' in body
    assert 'Change<span class="govuk-visually-hidden"> CRO number' not in body
