"""Issue 19: the Victims' Code log. Updates owed to each victim after an order's key events,
due in 5 working days (1 with enhanced rights), logged by police of the order's force only,
with what was told kept encrypted and out of the audit row."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders import actions, victims_code
from desist.orders.models import Breach, VictimUpdate
from desist.orders.tests.helpers import add_term, ago, ahead, breach, full
from desist.orders.victims_code import add_working_days

R = RoleCode
TOLD = "Told her the order was made on 3 March; the officer's direct line is 01632 960001."


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    friday = dt.date(2026, 12, 4)
    assert add_working_days(friday, 1) == dt.date(2026, 12, 7)  # Monday
    assert add_working_days(friday, 5) == dt.date(2026, 12, 11)
    # Christmas Eve 2026 is a Thursday: Christmas Day and Boxing Day (substitute Monday 28th)
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert add_working_days(dt.date(2026, 12, 24), 5) == dt.date(2027, 1, 5)  # 1 Jan off too


@pytest.fixture
def made(users: dict[RoleCode, Any], subject: Any, case: Any, victim: Any) -> Any:
    """A full order made 3 days ago on the victim's case, with a term protecting her."""
    officer = users[R.POLICE_OFFICER]
    order = full(officer, subject, made=ago(3), ends=ahead(800), case=case)
    add_term(officer, order, victim)
    return order


def _record(actor: Any, order: Any, victim: Any, **kw: Any) -> VictimUpdate:
    fields: dict[str, Any] = {
        "event_key": f"full_made:{order.pk}",
        "told_on": timezone.localdate(),
        "how": VictimUpdate.How.PHONE,
        "summary": TOLD,
        **kw,
    }
    return actions.order_record_victim_update(actor=actor, order=order, victim=victim, **fields)


def test_an_order_made_is_owed_to_its_victim_until_logged(
    users: dict[RoleCode, Any], made: Any, victim: Any
) -> None:
    rows = victims_code.updates_due(made, [victim])
    assert [(r.event.label, r.given) for r in rows] == [("Full order made", None)]
    assert rows[0].due_on == add_working_days(ago(3), 5)
    _record(users[R.POLICE_OFFICER], made, victim)
    (row,) = victims_code.updates_due(made, [victim])
    assert row.given is not None and row.state == "given"


def test_enhanced_rights_shorten_the_deadline(made: Any, victim: Any) -> None:
    victim.enhanced_rights = True
    victim.save()
    (row,) = victims_code.updates_due(made, [victim])
    assert row.due_on == add_working_days(ago(3), 1)


def test_charge_and_court_outcome_of_a_breach_are_key_events(
    users: dict[RoleCode, Any], subject: Any, case: Any, victim: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    order = full(officer, subject, made=ago(200), ends=ahead(600), case=case)
    term = add_term(officer, order, victim)
    breach(
        officer,
        order,
        term,
        ago(20),
        police_action=Breach.PoliceAction.CHARGE,
        court_outcome=Breach.CourtOutcome.CONVICTED,
        court_outcome_on=ago(2),
    )
    labels = [r.event.label for r in victims_code.updates_due(order, [victim])]
    # The order made 200 days ago, never answered, is history (older than the look-back).
    assert len(labels) == 2
    assert any(label.startswith("Subject charged with the breach of") for label in labels)
    assert any(label.endswith(": convicted") for label in labels)


def test_a_late_update_is_shown_as_late(
    users: dict[RoleCode, Any], subject: Any, case: Any, victim: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    order = full(officer, subject, made=ago(30), ends=ahead(800), case=case)
    add_term(officer, order, victim)
    (row,) = victims_code.updates_due(order, [victim])
    assert row.state == "overdue"
    _record(officer, order, victim)
    (row,) = victims_code.updates_due(order, [victim])
    assert row.state == "late"


def test_refusals_name_each_field_and_save_nothing(
    users: dict[RoleCode, Any], made: Any, victim: Any, case: Any
) -> None:
    officer = users[R.POLICE_OFFICER]
    before = (VictimUpdate.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        _record(
            officer,
            made,
            None,
            event_key="court:999999",
            told_on=ahead(1),
            how="carrier_pigeon",
            summary="   ",
        )
    assert refused.value.message_dict == {
        "victim": ["Select the victim you gave the update to"],
        "event_key": ["Select what the update was about"],
        "told_on": ["The date you gave the update must be today or in the past"],
        "how": ["Select how you gave the update"],
        "summary": ["Enter what you told the victim"],
    }
    with pytest.raises(ValidationError) as early:
        _record(officer, made, victim, told_on=ago(10))
    assert early.value.message_dict["told_on"][0].startswith(
        "The date you gave the update must be the same as or after the date of the event"
    )
    assert (VictimUpdate.objects.count(), AuditEvent.objects.count()) == before


def test_a_victim_of_another_case_cannot_be_named(
    users: dict[RoleCode, Any], made: Any, subject: Any
) -> None:
    from desist.orders.tests.helpers import make_case, make_victim

    stranger = make_victim(make_case(subject, crime_reference="47/999/26"))
    with pytest.raises(ValidationError) as refused:
        _record(users[R.POLICE_OFFICER], made, stranger)
    assert "victim" in refused.value.message_dict


def test_only_police_of_the_orders_force_may_log(
    users: dict[RoleCode, Any], outsider: Any, made: Any, victim: Any
) -> None:
    for actor in (outsider, users[R.PRACTITIONER], users[R.VICTIM_ADVOCATE]):
        with pytest.raises(PermissionDenied):
            _record(actor, made, victim)
    assert not VictimUpdate.objects.exists()


def test_what_was_told_is_encrypted_and_not_audited(
    users: dict[RoleCode, Any], made: Any, victim: Any
) -> None:
    update = _record(users[R.POLICE_OFFICER], made, victim)
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM orders_victimupdate WHERE id = %s", [update.pk])
        (stored,) = cursor.fetchone()
    assert "01632" not in stored and "March" not in stored
    event = AuditEvent.objects.get(verb="order.victim_update")
    assert event.category == "collection"
    assert "01632" not in str(event.new_values) and TOLD not in str(event.__dict__)


def _text(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_order_page_lists_what_is_owed_and_given_to_police_only(
    client: Any, users: dict[RoleCode, Any], outsider: Any, made: Any, victim: Any
) -> None:
    url = reverse("orders:detail", args=[made.pk])
    client.force_login(users[R.POLICE_OFFICER])
    page = _text(client.get(url))
    assert "Updates to victims (Victims' Code)" in page
    assert "Full order made" in page and "Due" in page
    _record(users[R.POLICE_OFFICER], made, victim)
    page = _text(client.get(url))
    assert f"Given {timezone.localdate().day}" in page and TOLD in page
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_form_records_and_redirects_with_errors_in_govuk_style(
    client: Any, users: dict[RoleCode, Any], outsider: Any, made: Any, victim: Any
) -> None:
    url = reverse("orders:victim_update_add", args=[made.pk])
    client.force_login(users[R.POLICE_OFFICER])
    assert client.get(url).status_code == 200
    response = client.post(url, {"victim": victim.pk, "event_key": f"full_made:{made.pk}"})
    assert response.status_code == 200
    page = _text(response)
    assert "There is a problem" in page and "Enter what you told the victim" in page
    response = client.post(
        url,
        {
            "victim": victim.pk,
            "event_key": f"full_made:{made.pk}",
            "told_on": timezone.localdate().isoformat(),
            "how": "in_person",
            "summary": TOLD,
        },
    )
    assert response.status_code == 302
    assert VictimUpdate.objects.get().how == "in_person"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    for role in (R.PRACTITIONER, R.VICTIM_ADVOCATE, R.OVERSEER):
        client.force_login(users[role])
        assert client.get(url).status_code in (403, 404)


def test_an_event_is_answered_once_and_nothing_predates_the_application(
    users: dict[RoleCode, Any], made: Any, victim: Any
) -> None:
    """Tester findings: two officers logged the same update at once; an update about
    'something else' was dated years before the order was applied for."""
    officer, supervisor = users[R.POLICE_OFFICER], users[R.POLICE_SUPERVISOR]
    _record(officer, made, victim)
    with pytest.raises(ValidationError) as again:
        _record(supervisor, made, victim)
    assert again.value.message_dict["event_key"][0].startswith(
        "An update about this event was already recorded for this victim on"
    )
    _record(supervisor, made, victim, event_key="")  # a further update is "something else"
    with pytest.raises(ValidationError) as early:
        _record(officer, made, victim, event_key="", told_on=dt.date(2020, 1, 1))
    assert "after the date of the application" in early.value.message_dict["told_on"][0]
    assert VictimUpdate.objects.count() == 2
