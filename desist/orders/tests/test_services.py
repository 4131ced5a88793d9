"""Each service: what it writes, what it audits, and that every impossible date is refused with
a GOV.UK message and nothing saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from desist.audit.models import AuditEvent, Category
from desist.core.concurrency import StaleRecordError
from desist.orders import actions as services
from desist.orders import dates, law, selectors
from desist.orders.models import (
    Breach,
    Hearing,
    Notification,
    NotificationExemption,
    Order,
    OrderEvent,
    OrderStatus,
    OrderStatusChange,
    Term,
)
from desist.orders.tests.helpers import (
    COURT,
    TODAY,
    VICTIM_NAME,
    add_term,
    ago,
    ahead,
    applied,
    audit_text,
    breach,
    counts,
    fresh,
    full,
    interim,
    make_case,
    make_subject,
    make_victim,
)
from desist.orders.workflow import TransitionError
from desist.people.models import SubjectAddress, SubjectAlias

S = OrderStatus


def refused(call: Callable[[], Any], field: str, message: str) -> None:
    """`call` raises ValidationError with `message` (a prefix) on `field` and saves nothing."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    errors = caught.value.message_dict
    assert field in errors, errors
    assert any(m.startswith(message) for m in errors[field]), errors
    assert counts() == before


# --- apply -----------------------------------------------------------------------------------


def test_apply_records_order_history_and_audit(officer: Any, subject: Any, case: Any) -> None:
    order = services.order_apply(
        actor=officer,
        subject=subject,
        case=case,
        application_date=ago(10),
        court="  Brighton   Magistrates' Court ",
    )
    order = fresh(order)
    assert order.status == S.APPLIED and order.force_id == subject.force_id
    assert order.court == COURT and order.case == case
    assert order.applying_force_id == officer.organisation_id
    assert order.reference == f"SPO-{subject.force.code.upper()}-{ago(10).year}-0001"
    assert order.notification_exemption == NotificationExemption.NONE
    change = OrderStatusChange.objects.get(order=order)
    assert (change.from_status, change.to_status, change.effective_on) == ("", S.APPLIED, ago(10))
    event = AuditEvent.objects.get(verb="order.apply")
    assert event.category == Category.COLLECTION
    assert event.object_type == "orders.Order" and event.object_id == str(order.pk)
    assert event.new_values["subject"] == subject.pk
    second = applied(officer, subject, on=ago(10))
    assert second.reference.endswith("-0002")


def test_apply_validation(officer: Any, subject: Any, force: Any) -> None:
    other_subject = make_subject(force)
    other_case = make_case(other_subject)
    applied(officer, subject, reference="spo-x-1")
    refused(
        lambda: applied(officer, subject, on=ahead(1)),
        "application_date",
        "The date of the application must be today or in the past",
    )
    refused(
        lambda: services.order_apply(
            actor=officer, subject=subject, application_date=None, court=COURT
        ),
        "application_date",
        "Enter the date of the application",
    )
    refused(
        lambda: services.order_apply(
            actor=officer, subject=subject, application_date=ago(1), court=" "
        ),
        "court",
        "Enter the name of the magistrates' court",
    )
    refused(
        lambda: applied(officer, subject, case=other_case),
        "case",
        "Select a case involving this subject",
    )
    refused(
        lambda: applied(officer, subject, reference="SPO-X-1"),
        "reference",
        "An order with this reference is already recorded in your force",
    )


def test_apply_sex_offender_exemption(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, sex_offender_notification=True)
    assert order.notification_exemption == NotificationExemption.SEX_OFFENDER


def test_other_force_cannot_apply_or_edit(outsider: Any, officer: Any, subject: Any) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        applied(outsider, subject)
    assert counts() == before
    order = applied(officer, subject)
    before = counts()
    for call in (
        lambda: services.order_make_interim(
            actor=outsider, order=order, version=1, made_on=ago(5), expires_on=ahead(30)
        ),
        lambda: services.order_withdraw(
            actor=outsider, order=order, version=1, withdrawn_on=ago(1), reason="x"
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert counts() == before


# --- hearings ---------------------------------------------------------------------------------


def test_adjourned_hearing(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))
    hearing = services.order_record_hearing(
        actor=officer,
        order=order,
        version=order.version,
        heard_on=ago(20),
        kind=Hearing.Kind.FULL,
        outcome=Hearing.Outcome.ADJOURNED,
        adjourned_to=ahead(14),
    )
    assert hearing.court == COURT and hearing.adjourned_to == ahead(14)
    saved = fresh(order)
    assert saved.status == S.APPLIED and saved.version == 2
    assert AuditEvent.objects.filter(verb="order.hearing_record").count() == 1


def test_hearing_dates_refused(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))

    def hearing(**kw: Any) -> Any:
        values = {
            "heard_on": ago(20),
            "kind": Hearing.Kind.FULL,
            "outcome": Hearing.Outcome.ADJOURNED,
            **kw,
        }
        return services.order_record_hearing(
            actor=officer, order=order, version=order.version, **values
        )

    refused(
        lambda: hearing(heard_on=ago(31)),
        "heard_on",
        "The date of the hearing must be the same as or after the date of the application "
        f"({ago(30).day} {ago(30):%B %Y})",
    )
    refused(
        lambda: hearing(heard_on=ahead(1)),
        "heard_on",
        "The date of the hearing must be today or in the past",
    )
    refused(lambda: hearing(heard_on=None), "heard_on", "Enter the date of the hearing")
    refused(
        lambda: hearing(adjourned_to=ago(20)),
        "adjourned_to",
        "The date the hearing was adjourned to must be after the date of the hearing",
    )
    refused(lambda: hearing(kind="x"), "kind", "Select the kind of hearing")
    refused(
        lambda: hearing(outcome=Hearing.Outcome.REFUSED),
        "reason",
        "Enter the court's reasons for refusing the order",
    )


def test_make_interim(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))
    services.order_make_interim(
        actor=officer, order=order, version=1, made_on=ago(25), expires_on=ahead(60)
    )
    saved = fresh(order)
    assert saved.status == S.INTERIM
    assert (saved.interim_made_on, saved.interim_expires_on) == (ago(25), ahead(60))
    hearing = Hearing.objects.get(order=order)
    assert (hearing.kind, hearing.outcome, hearing.heard_on) == ("interim", "interim_made", ago(25))
    assert OrderStatusChange.objects.filter(order=order, to_status=S.INTERIM).exists()


def test_make_interim_refusals(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=ago(30))

    def make(**kw: Any) -> Any:
        values = {"made_on": ago(25), "expires_on": ahead(60), **kw}
        return services.order_make_interim(actor=officer, order=order, version=1, **values)

    refused(
        lambda: make(expires_on=ago(25)),
        "expires_on",
        "The date the interim order expires must be after the date it was made",
    )
    refused(lambda: make(expires_on=None), "expires_on", "Enter the date the interim order expires")
    refused(
        lambda: make(made_on=ago(31)),
        "made_on",
        "The date of the hearing must be the same as or after the date of the application",
    )
    refused(lambda: make(made_on=ahead(2)), "made_on", "The date of the hearing must be today")
    make()
    order.refresh_from_db()
    with pytest.raises(TransitionError):
        services.order_make_interim(
            actor=officer, order=order, version=order.version, made_on=ago(2), expires_on=ahead(9)
        )


def test_full_order_two_year_minimum(officer: Any, subject: Any) -> None:
    made = ago(20)
    minimum = law.minimum_fixed_period_end(made)
    order = applied(officer, subject, on=ago(30))

    def make(**kw: Any) -> Any:
        values = {"made_on": made, "ends_on": minimum, **kw}
        return services.order_make_full(actor=officer, order=order, version=1, **values)

    refused(
        lambda: make(ends_on=minimum - dt.timedelta(days=1)),
        "ends_on",
        "A full order must last at least 2 years: the end date must be on or after "
        f"{minimum.day} {minimum:%B %Y}",
    )
    refused(lambda: make(ends_on=None), "ends_on", "Enter the date the order ends")
    refused(
        lambda: make(until_further_order=True),
        "ends_on",
        "Enter the date the order ends, or select 'until a further order', not both",
    )
    make()  # exactly 2 years is allowed
    saved = fresh(order)
    assert saved.status == S.FULL and saved.full_ends_on == minimum
    assert saved.full_made_on == made and not saved.until_further_order


def test_full_order_made_on_29_february(officer: Any, subject: Any) -> None:
    order = applied(officer, subject, on=dt.date(2024, 2, 1))
    before = counts()
    with pytest.raises(ValidationError):
        services.order_make_full(
            actor=officer,
            order=order,
            version=1,
            made_on=dt.date(2024, 2, 29),
            ends_on=dt.date(2026, 2, 27),
        )
    assert counts() == before
    services.order_make_full(
        actor=officer,
        order=order,
        version=1,
        made_on=dt.date(2024, 2, 29),
        ends_on=dt.date(2026, 2, 28),
    )
    assert fresh(order).full_ends_on == dt.date(2026, 2, 28)


def test_full_order_until_further_order(officer: Any, subject: Any) -> None:
    order = full(officer, subject, made=ago(10), until_further_order=True)
    saved = fresh(order)
    assert saved.until_further_order and saved.full_ends_on is None


def test_full_after_interim_sets_the_exemption(officer: Any, subject: Any) -> None:
    order = full(officer, subject, with_interim=True, made=ago(800))
    saved = fresh(order)
    assert saved.status == S.FULL
    assert saved.notification_exemption == NotificationExemption.REPLACES_INTERIM
    assert list(
        OrderStatusChange.objects.filter(order=order).values_list("to_status", flat=True)
    ) == [S.APPLIED, S.INTERIM, S.FULL]


def test_refuse(officer: Any, subject: Any) -> None:
    order = interim(officer, subject)
    services.order_refuse(
        actor=officer, order=order, version=order.version, refused_on=ago(5), reason="Not needed"
    )
    saved = fresh(order)
    assert saved.status == S.REFUSED and saved.ended_on == ago(5)
    assert OrderStatusChange.objects.get(order=order, to_status=S.REFUSED).reason == "Not needed"


def test_withdraw_needs_a_supervisor(officer: Any, supervisor: Any, subject: Any) -> None:
    order = applied(officer, subject)
    before = counts()
    with pytest.raises(TransitionError) as caught:
        services.order_withdraw(
            actor=officer, order=order, version=1, withdrawn_on=ago(1), reason="No longer needed"
        )
    assert "Only a police supervisor" in caught.value.message_dict["status"][0]
    assert counts() == before
    refused(
        lambda: services.order_withdraw(
            actor=supervisor, order=order, version=1, withdrawn_on=ahead(1), reason="x"
        ),
        "withdrawn_on",
        "The date of the change must be today or in the past",
    )
    services.order_withdraw(
        actor=supervisor, order=order, version=1, withdrawn_on=ago(1), reason="No longer needed"
    )
    assert fresh(order).status == S.WITHDRAWN


# --- optimistic locking ------------------------------------------------------------------------


def test_stale_version_is_refused_and_nothing_saved(officer: Any, subject: Any, case: Any) -> None:
    order = applied(officer, subject)
    stale = fresh(order)
    services.order_update_details(
        actor=officer,
        order=order,
        version=1,
        reference="SPO-NEW-1",
        court=COURT,
        case=case,
        sex_offender_notification=False,
    )
    before = counts()
    with pytest.raises(StaleRecordError):
        services.order_update_details(
            actor=officer,
            order=stale,
            version=1,
            reference="SPO-OTHER-2",
            court="Lewes",
            case=None,
            sex_offender_notification=True,
        )
    assert counts() == before
    assert stale.reference != "SPO-OTHER-2"
    with pytest.raises(StaleRecordError):
        services.order_make_interim(
            actor=officer, order=stale, version=1, made_on=ago(5), expires_on=ahead(5)
        )
    assert counts() == before
    saved = fresh(order)
    assert saved.reference == "SPO-NEW-1" and saved.status == S.APPLIED and saved.version == 2
    event = AuditEvent.objects.get(verb="order.update")
    assert event.new_values["fields"] == ["case", "reference"]


# --- service and notification --------------------------------------------------------------------


def test_serve_creates_the_initial_notification(officer: Any, subject: Any) -> None:
    order = interim(officer, subject, made=ago(20), expires=ahead(60))
    services.order_serve(actor=officer, order=order, version=order.version, served_on=ago(18))
    saved = fresh(order)
    assert saved.interim_served_on == ago(18)
    notification = Notification.objects.get(order=order)
    assert notification.kind == Notification.Kind.INITIAL
    assert notification.trigger_on == ago(18)
    assert notification.due_on == ago(16)  # service day is day 1 of 3
    event = AuditEvent.objects.get(verb="order.serve")
    assert event.new_values["notification_due"] == ago(16).isoformat()


def test_serve_refusals(officer: Any, subject: Any) -> None:
    order = interim(officer, subject, made=ago(20), expires=ago(2))

    def serve(on: dt.date | None) -> Any:
        return services.order_serve(actor=officer, order=order, version=order.version, served_on=on)

    made = ago(20)
    refused(
        lambda: serve(ago(21)),
        "served_on",
        "The date of service must be the same as or after the date the order was made "
        f"({made.day} {made:%B %Y})",
    )
    refused(
        lambda: serve(ahead(1)), "served_on", "The date of service must be today or in the past"
    )
    refused(lambda: serve(None), "served_on", "Enter the date of service")
    refused(
        lambda: serve(ago(1)),
        "served_on",
        "The date of service must be on or before the date the interim order ends",
    )
    serve(ago(19))
    refused(lambda: serve(ago(10)), "__all__", "The interim order was already recorded as served")
    applied_only = applied(officer, subject)
    refused(
        lambda: services.order_serve(
            actor=officer, order=applied_only, version=1, served_on=ago(1)
        ),
        "__all__",
        "Only an interim or full order in force can be served",
    )


def test_exemptions(officer: Any, subject: Any, force: Any) -> None:
    # A full order replacing an interim one: no fresh initial notification.
    order = full(officer, subject, with_interim=True, made=ago(500), served=ago(499))
    assert not Notification.objects.filter(order=order).exists()
    # Already on sex offender notification: none at all, and changes are refused.
    other = make_subject(force)
    exempt = interim(officer, other, sex_offender_notification=True, served=ago(870))
    assert not Notification.objects.filter(order=exempt).exists()
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=fresh(exempt),
            kind=Notification.Kind.CHANGE_OF_NAME,
            changed_on=ago(5),
            received_on=ago(4),
            new_name="Sam Other",
        ),
        "__all__",
        "The subject is exempt from SPO notification",
    )
    # A full order made without an interim one needs the notification.
    third = full(officer, make_subject(force), made=ago(30), served=ago(29))
    assert Notification.objects.get(order=third).due_on == ago(27)


def test_notification_received_and_acknowledged(officer: Any, subject: Any) -> None:
    order = interim(officer, subject, made=ago(20), expires=ahead(60), served=ago(10))
    notification = Notification.objects.get(order=order)

    def receive(on: dt.date | None) -> Any:
        return services.notification_record_received(
            actor=officer, notification=notification, received_on=on
        )

    refused(
        lambda: receive(ago(11)),
        "received_on",
        "The date the notification was received must be the same as or after the date the "
        f"order was served ({ago(10).day} {ago(10):%B %Y})",
    )
    refused(
        lambda: receive(ahead(1)),
        "received_on",
        "The date the notification was received must be today or in the past",
    )

    def acknowledge(on: dt.date | None) -> Any:
        return services.notification_record_acknowledged(
            actor=officer, notification=notification, acknowledged_on=on
        )

    refused(lambda: acknowledge(ago(1)), "__all__", "Record that the notification was received")
    receive(ago(7))  # late: due ago(8)
    notification.refresh_from_db()
    assert notification.received_on == ago(7)
    assert dates.notification_state(notification.due_on, notification.received_on, TODAY) == "late"
    assert AuditEvent.objects.get(verb="order.notification_received").new_values["late"] is True
    refused(lambda: receive(ago(6)), "__all__", "This notification was already recorded")
    refused(
        lambda: acknowledge(ago(8)),
        "acknowledged_on",
        "The date of the acknowledgement must be the same as or after the date the "
        "notification was received",
    )
    acknowledge(ago(6))
    notification.refresh_from_db()
    assert notification.acknowledged_on == ago(6)


def test_change_of_address_adds_the_address(officer: Any, subject: Any) -> None:
    old = SubjectAddress.objects.create(subject=subject, address="1 Old Road", from_date=ago(900))
    order = interim(officer, subject, made=ago(20), expires=ahead(60), served=ago(10))
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(5),
            received_on=ago(6),
            address="2 New Street",
        ),
        "received_on",
        "The date the notification was received must be the same as or after the date of the change",
    )
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(11),
            received_on=ago(6),
            address="2 New Street",
        ),
        "changed_on",
        "The date of the change must be the same as or after the date the order was served",
    )
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(5),
            received_on=ago(4),
            address="",
        ),
        "address",
        "Enter the address the subject notified",
    )
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(5),
            received_on=ago(4),
            address="2 New Street",
            postcode="not a postcode",
        ),
        "postcode",
        "Enter a real postcode",
    )
    notification = services.notification_record_change(
        actor=officer,
        order=order,
        kind=Notification.Kind.CHANGE_OF_ADDRESS,
        changed_on=ago(5),
        received_on=ago(2),
        address="2 New Street, Hove",
        postcode="bn3 1aa",
    )
    assert notification.due_on == ago(3) and notification.received_on == ago(2)
    new = notification.subject_address
    assert new is not None and new.source == SubjectAddress.Source.NOTIFICATION
    assert new.from_date == ago(5) and new.to_date is None and new.postcode == "BN3 1AA"
    old.refresh_from_db()
    assert old.to_date == ago(5)
    assert SubjectAddress.objects.filter(subject=subject, to_date__isnull=True).count() == 1
    assert "New Street" not in audit_text()


def test_change_of_name_adds_another_name(officer: Any, subject: Any) -> None:
    order = full(officer, subject, made=ago(20), served=ago(19))
    services.notification_record_change(
        actor=officer,
        order=order,
        kind=Notification.Kind.CHANGE_OF_NAME,
        changed_on=ago(3),
        received_on=ago(1),
        new_name="Sam Renamed",
    )
    assert SubjectAlias.objects.filter(subject=subject, name="Sam Renamed").exists()
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_NAME,
            changed_on=ago(3),
            received_on=ago(1),
            new_name="Sam Renamed",
        ),
        "new_name",
        "This name is already recorded",
    )
    refused(
        lambda: services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_NAME,
            changed_on=ahead(1),
            received_on=ahead(1),
            new_name="Sam Future",
        ),
        "changed_on",
        "The date of the change must be today or in the past",
    )


# --- terms ----------------------------------------------------------------------------------------


def test_terms(officer: Any, subject: Any, victim: Any, force: Any, orgs: Any) -> None:
    order = full(officer, subject, made=ago(20))
    stranger = make_victim(make_case(make_subject(force)))
    refused(
        lambda: add_term(officer, order, victim, protected_persons=[stranger]),
        "protected_persons",
        "Select protected people from the victims of this subject's cases",
    )
    refused(
        lambda: add_term(officer, order, victim, protected_persons=[]),
        "protected_persons",
        "Select the people this term protects",
    )
    refused(
        lambda: add_term(officer, order, victim, kind=Term.Kind.REQUIREMENT),
        "responsible_organisation",
        "Select the organisation responsible for the requirement",
    )
    refused(
        lambda: add_term(officer, order, victim, responsible_organisation=orgs["provider"]),
        "responsible_organisation",
        "Only a requirement has a responsible organisation",
    )
    refused(lambda: add_term(officer, order, victim, wording=" "), "wording", "Enter the wording")
    term = add_term(
        officer,
        order,
        victim,
        kind=Term.Kind.REQUIREMENT,
        wording="Attend a perpetrator programme",
        responsible_organisation=orgs["provider"],
    )
    assert list(term.protected_persons.all()) == [victim]
    event = AuditEvent.objects.get(verb="order.term_add")
    assert event.new_values["protected_person_ids"] == [victim.pk]
    assert VICTIM_NAME[1] not in audit_text()


def test_term_parts_for_the_provider(officer: Any, subject: Any, victim: Any) -> None:
    """The police may write the victim's details in the court's wording; the description for
    the provider must pass the redaction guard, and nothing is saved when it does not."""
    order = full(officer, subject, made=ago(20))
    refused(lambda: add_term(officer, order, victim, category="bogus"), "category", "Select what")
    refused(
        lambda: add_term(officer, order, victim, provider_description="  "),
        "provider_description",
        "Enter a description of the term for the provider",
    )
    # The guard's message and its audit of blocked attempts are its own business.
    for planted in (
        "Not to go near 17 Wisteria Crescent",
        "Must stay away from bn37qz",
        f"Must not contact {VICTIM_NAME[0]}",
    ):
        with pytest.raises(ValidationError) as caught:
            add_term(officer, order, victim, provider_description=planted)
        assert list(caught.value.message_dict) == ["provider_description"]
    assert not order.terms.exists()
    term = add_term(
        officer,
        order,
        victim,
        category=Term.Category.EXCLUSION_ZONE,
        wording="Not to enter Downs View or 17 Wisteria Crescent, BN3 7QZ",
        provider_description="Must not enter an exclusion zone set by the court.",
    )
    assert term.category == "exclusion_zone" and "Wisteria" in term.wording
    assert AuditEvent.objects.get(verb="order.term_add").new_values["category"] == "exclusion_zone"


def test_existing_terms_get_a_category_only_where_obvious() -> None:
    import importlib

    migration = importlib.import_module(
        "desist.orders.migrations.0003_term_categories_from_wording"
    )
    category_for = migration.category_for
    assert category_for("prohibition", "Not to contact X by any means") == "no_contact"
    assert category_for("prohibition", "Not to enter the zone on the map") == "exclusion_zone"
    assert category_for("prohibition", "Not to come within 100 metres of X") == "no_approach"
    assert category_for("prohibition", "Not to post about X on social media") == "online"
    assert category_for("requirement", "Attend a perpetrator programme") == "attend"
    # Two cues, or none: not obvious.
    assert category_for("prohibition", "Not to enter Downs View or contact her") == "other"
    assert category_for("prohibition", "Not to keep a dog") == "other"
    assert category_for("requirement", "Surrender devices") == "other"


# --- events ----------------------------------------------------------------------------------------


def _event(actor: Any, order: Order, kind: str, **kw: Any) -> OrderEvent:
    values: dict[str, Any] = {
        "applicant": OrderEvent.Applicant.POLICE,
        "court": COURT,
        "decided_on": ago(1),
        "outcome": OrderEvent.Outcome.GRANTED,
        "details": "Granted as asked",
        **kw,
    }
    return services.order_record_event(
        actor=actor, order=order, version=fresh(order).version, kind=kind, **values
    )


def test_renewal_moves_the_end_date(officer: Any, subject: Any) -> None:
    order = full(officer, subject, made=ago(700))
    end = fresh(order).full_ends_on
    assert end is not None
    refused(
        lambda: _event(officer, fresh(order), "renewal", new_ends_on=end),
        "new_ends_on",
        "The new end date must be after the current end date",
    )
    refused(
        lambda: _event(officer, fresh(order), "renewal", decided_on=ago(701)),
        "decided_on",
        "The date of the decision must be the same as or after the date the order was made",
    )
    refused(
        lambda: _event(
            officer, fresh(order), "renewal", decided_on=ahead(1), new_ends_on=ahead(800)
        ),
        "decided_on",
        "The date of the decision must be today or in the past",
    )
    _event(officer, fresh(order), "renewal", new_ends_on=end + dt.timedelta(days=365))
    assert fresh(order).full_ends_on == end + dt.timedelta(days=365)
    assert AuditEvent.objects.filter(verb="order.renewal_record").count() == 1


def test_variation_keeps_the_two_year_minimum(officer: Any, subject: Any) -> None:
    made = ago(100)
    order = full(officer, subject, made=made, ends=dates.add_years(made, 3))
    minimum = law.minimum_fixed_period_end(made)
    refused(
        lambda: _event(officer, fresh(order), "variation", new_ends_on=minimum - dt.timedelta(1)),
        "new_ends_on",
        "A full order must last at least 2 years",
    )
    refused(
        lambda: _event(officer, fresh(order), "variation", details=""),
        "details",
        "Enter what the court changed",
    )
    _event(officer, fresh(order), "variation", new_ends_on=minimum)
    assert fresh(order).full_ends_on == minimum
    assert fresh(order).status == S.FULL


def test_discharge_and_appeal_end_the_order(officer: Any, subject: Any, force: Any) -> None:
    order = full(officer, subject, made=ago(100))
    refused(lambda: _event(officer, fresh(order), "discharge", details=""), "details", "Enter")
    _event(
        officer,
        fresh(order),
        "discharge",
        applicant="subject",
        defendant_consents=True,  # within 2 years of being made (s.7)
        chief_officer_consents=True,
    )
    saved = fresh(order)
    assert saved.status == S.DISCHARGED and saved.ended_on == ago(1)
    change = OrderStatusChange.objects.get(order=order, to_status=S.DISCHARGED)
    assert change.reason == "Granted as asked"
    appealed = full(officer, make_subject(force), made=ago(100))
    _event(officer, fresh(appealed), "appeal", applicant="subject", court="Lewes Crown Court")
    assert fresh(appealed).status == S.DISCHARGED
    dismissed = full(officer, make_subject(force), made=ago(100))
    _event(officer, fresh(dismissed), "appeal", applicant="subject", outcome="refused")
    assert fresh(dismissed).status == S.FULL
    refused(
        lambda: _event(officer, fresh(order), "variation"),
        "__all__",
        "A variation can only be recorded for an interim or full order",
    )


def test_police_appeal_allowed_against_a_refusal_makes_the_full_order(
    officer: Any, subject: Any
) -> None:
    order = applied(officer, subject)
    services.order_refuse(
        actor=officer, order=order, version=order.version, refused_on=ago(60), reason="No risk"
    )
    decided = ago(10)
    minimum = law.minimum_fixed_period_end(decided)

    def appeal(**kw: Any) -> OrderEvent:
        kw.setdefault("decided_on", decided)
        return _event(officer, fresh(order), "appeal", court="Lewes Crown Court", **kw)

    refused(lambda: appeal(), "new_ends_on", "Enter the date the order ends, or select")
    refused(
        lambda: appeal(new_ends_on=minimum - dt.timedelta(1)),
        "new_ends_on",
        "A full order must last at least 2 years: the end date must be on or after",
    )
    refused(
        lambda: appeal(new_ends_on=minimum, until_further_order=True),
        "new_ends_on",
        "Enter the date the order ends, or select 'until a further order', not both",
    )
    refused(
        lambda: appeal(new_ends_on=minimum, applicant="subject"),
        "applicant",
        "Only the police can appeal against a refusal",
    )
    refused(lambda: appeal(new_ends_on=minimum, details=""), "details", "Enter the court's reasons")
    refused(
        lambda: appeal(new_ends_on=minimum, decided_on=ago(61)),
        "decided_on",
        "The date of the decision must be the same as or after the date the application was "
        "refused",
    )
    assert fresh(order).status == S.REFUSED, "nothing saved by a refused attempt"

    before = AuditEvent.objects.count()
    appeal(new_ends_on=minimum)
    saved = fresh(order)
    assert saved.status == S.FULL
    assert (saved.full_made_on, saved.full_ends_on, saved.ended_on) == (decided, minimum, None)
    change = OrderStatusChange.objects.get(order=order, from_status=S.REFUSED)
    assert (change.to_status, change.effective_on) == (S.FULL, decided)
    verbs = set(AuditEvent.objects.order_by("id")[before:].values_list("verb", flat=True))
    assert {"order.status_change", "order.appeal_record"} <= verbs


def test_a_dismissed_police_appeal_leaves_the_refusal(officer: Any, subject: Any) -> None:
    order = applied(officer, subject)
    services.order_refuse(
        actor=officer, order=order, version=order.version, refused_on=ago(60), reason="No risk"
    )
    _event(officer, fresh(order), "appeal", outcome="refused", details="")
    saved = fresh(order)
    assert saved.status == S.REFUSED and saved.ended_on == ago(60)
    assert OrderEvent.objects.filter(order=order, kind="appeal").count() == 1


def _refuse(officer: Any, order: Order, on: int = 100) -> None:
    """The court refuses the full order `on` days ago (an interim order ends with it)."""
    services.order_refuse(
        actor=officer,
        order=fresh(order),
        version=fresh(order).version,
        refused_on=ago(on),
        reason="Not needed",
    )


def _refuse_then_appeal(officer: Any, order: Order) -> None:
    """Refused 100 days ago; the police's appeal made the full order 30 days ago."""
    _refuse(officer, order)
    _event(
        officer,
        fresh(order),
        "appeal",
        decided_on=ago(30),
        new_ends_on=law.minimum_fixed_period_end(ago(30)),
    )


def test_an_appeal_after_an_interim_order_was_refused(officer: Any, subject: Any) -> None:
    """The interim order ended with the refusal; the full order made on appeal is a new
    start: it must be notified afresh, and nothing between the two dates is a breach."""
    order = interim(officer, subject, made=ago(200), expires=ahead(100), served=ago(199))
    victim = make_victim(make_case(subject))
    term = add_term(officer, fresh(order), victim)
    _refuse(officer, order)
    refused(
        lambda: _event(officer, fresh(order), "appeal", applicant="subject", outcome="refused"),
        "applicant",
        "Only the police can appeal against a refusal",
    )
    decided = ago(30)
    services.order_record_appeal(
        actor=officer,
        order=fresh(order),
        version=fresh(order).version,
        applicant=OrderEvent.Applicant.POLICE,
        court="Lewes Crown Court",
        decided_on=decided,
        outcome=OrderEvent.Outcome.GRANTED,
        details="Appeal allowed",
        until_further_order=True,
    )
    saved = fresh(order)
    assert saved.status == S.FULL and saved.until_further_order
    assert saved.notification_exemption != NotificationExemption.REPLACES_INTERIM
    services.order_serve(actor=officer, order=saved, version=saved.version, served_on=ago(29))
    initial = Notification.objects.filter(order=order, kind=Notification.Kind.INITIAL)
    assert sorted(initial.values_list("trigger_on", flat=True)) == [ago(199), ago(29)]
    # The interim order's notification, never given, ended with that order: not outstanding.
    outstanding = selectors.outstanding_notifications().filter(order=order)
    assert list(outstanding.values_list("trigger_on", flat=True)) == [ago(29)]
    page = selectors.order_page_for(actor=officer, order_id=order.pk)
    assert [r.state for r in page.notifications] == ["lapsed", "overdue"]

    refused(
        lambda: breach(officer, fresh(order), term, ago(50)),
        "occurred_on",
        "No order was in force on that date: the court refused the order on",
    )
    breach(officer, fresh(order), term, ago(150))  # under the interim order
    breach(officer, fresh(order), term, ago(100))  # the day of the refusal
    breach(officer, fresh(order), term, decided)  # the day the appeal made the order
    assert Breach.objects.filter(order=order).count() == 3


def test_no_breach_after_an_interim_order_ran_out_before_the_refusal(
    officer: Any, subject: Any
) -> None:
    order = interim(officer, subject, made=ago(200), expires=ago(150))
    victim = make_victim(make_case(subject))
    term = add_term(officer, fresh(order), victim)
    _refuse_then_appeal(officer, order)
    refused(
        lambda: breach(officer, fresh(order), term, ago(120)),
        "occurred_on",
        "No order was in force on that date",
    )
    breach(officer, fresh(order), term, ago(150))  # the interim order's last day


def test_an_unnotified_interim_order_made_full_at_a_hearing_stays_outstanding(
    officer: Any, subject: Any
) -> None:
    """Only an appeal after a refusal ends the interim order's notification; a full order
    made at the hearing (here with the sex-offender exemption ticked on the way) does not."""
    order = interim(officer, subject, made=ago(200), expires=ahead(100), served=ago(199))
    saved = fresh(order)
    services.order_update_details(
        actor=officer,
        order=saved,
        version=saved.version,
        reference=saved.reference,
        court=saved.court,
        case=saved.case,
        sex_offender_notification=True,
    )
    saved = fresh(order)
    services.order_make_full(
        actor=officer,
        order=saved,
        version=saved.version,
        made_on=ago(100),
        ends_on=law.minimum_fixed_period_end(ago(100)),
        until_further_order=False,
    )
    outstanding = selectors.outstanding_notifications().filter(order=order)
    assert list(outstanding.values_list("trigger_on", flat=True)) == [ago(199)]
    page = selectors.order_page_for(actor=officer, order_id=order.pk)
    assert [r.state for r in page.notifications] == ["overdue"]


def test_correcting_details_keeps_an_appeal_order_notifiable(officer: Any, subject: Any) -> None:
    order = interim(officer, subject, made=ago(200), expires=ahead(100))
    _refuse_then_appeal(officer, order)
    saved = fresh(order)
    services.order_update_details(
        actor=officer,
        order=saved,
        version=saved.version,
        reference=saved.reference,
        court=saved.court,
        case=saved.case,
        sex_offender_notification=False,
    )
    assert fresh(order).notification_exemption == NotificationExemption.NONE


# --- expiry ----------------------------------------------------------------------------------------


def test_expire(officer: Any, subject: Any, force: Any) -> None:
    current = full(officer, subject, made=ago(100))
    refused(
        lambda: services.order_expire(actor=officer, order=current, version=current.version),
        "__all__",
        "The order is in force until the end of",
    )
    ended = full(officer, make_subject(force), made=ago(800))  # ends 2 years after: in the past
    services.order_expire(actor=officer, order=ended, version=ended.version)
    saved = fresh(ended)
    assert saved.status == S.EXPIRED and saved.ended_on == law.minimum_fixed_period_end(ago(800))
    forever = full(officer, make_subject(force), made=ago(900), until_further_order=True)
    refused(
        lambda: services.order_expire(actor=officer, order=forever, version=forever.version),
        "__all__",
        "An order made until a further order does not expire",
    )
    lapsed = interim(officer, make_subject(force), made=ago(50), expires=ago(2))
    services.order_expire(actor=officer, order=lapsed, version=lapsed.version)
    assert fresh(lapsed).status == S.EXPIRED and fresh(lapsed).ended_on == ago(2)


# --- breaches -----------------------------------------------------------------------------------------


def test_breach_dates(officer: Any, subject: Any, victim: Any, force: Any) -> None:
    order = interim(officer, subject, made=ago(50), expires=ahead(30))
    term = add_term(officer, order, victim)
    made = ago(50)
    refused(
        lambda: breach(officer, order, term, ago(51)),
        "occurred_on",
        "The date of the breach must be the same as or after the date the order was made "
        f"({made.day} {made:%B %Y})",
    )
    refused(
        lambda: breach(officer, order, term, ahead(1)),
        "occurred_on",
        "The date of the breach must be today or in the past",
    )
    refused(
        lambda: breach(officer, order, term, ago(3), police_action="shout"),
        "police_action",
        "Select the action the police took",
    )
    other = interim(officer, make_subject(force), made=ago(50), expires=ahead(30))
    refused(
        lambda: breach(officer, other, term, ago(3)), "term", "Select the term that was breached"
    )
    refused(
        lambda: breach(officer, order, term, ago(3), court_outcome="convicted"),
        "court_outcome_on",
        "Enter the date of the court outcome",
    )
    refused(
        lambda: breach(
            officer, order, term, ago(3), court_outcome="convicted", court_outcome_on=ago(4)
        ),
        "court_outcome_on",
        "The date of the court outcome must be the same as or after the date of the breach",
    )
    made_breach = breach(officer, order, term, ago(3))
    assert made_breach.police_action == Breach.PoliceAction.ARREST
    event = AuditEvent.objects.get(verb="order.breach_record")
    assert (
        event.new_values["term_id"] == term.pk
        and event.new_values["occurred_on"] == ago(3).isoformat()
    )
    services.breach_record_court_outcome(
        actor=officer, breach=made_breach, court_outcome="convicted", court_outcome_on=ago(1)
    )
    made_breach.refresh_from_db()
    assert made_breach.court_outcome == "convicted"
    # After the order ended.
    services.order_refuse(
        actor=officer, order=order, version=fresh(order).version, refused_on=ago(10), reason="x"
    )
    ended = fresh(order)
    refused(
        lambda: breach(officer, ended, term, ago(5)),
        "occurred_on",
        "The date of the breach must be on or before the date the order ended "
        f"({ago(10).day} {ago(10):%B %Y})",
    )
    breach(officer, ended, term, ago(12))  # while it was in force: allowed


def test_breach_needs_an_order_in_force(officer: Any, subject: Any, victim: Any) -> None:
    order = applied(officer, subject)
    term = add_term(officer, order, victim)
    refused(
        lambda: breach(officer, order, term, ago(3)),
        "__all__",
        "A breach can only be recorded for an order that has been made",
    )


def test_audit_never_holds_victim_identity(officer: Any, subject: Any, victim: Any) -> None:
    order = interim(officer, subject, made=ago(50), expires=ahead(30), served=ago(49))
    term = add_term(officer, order, victim, area="Wisteria Crescent, Hove")
    breach(officer, order, term, ago(3), details=f"Sent letters to {VICTIM_NAME[0]}")
    text = audit_text()
    for secret in (*VICTIM_NAME, "Wisteria", "BN3 7QZ"):
        assert secret not in text


def test_breach_adds_an_spo_breach_incident_to_the_case(
    officer: Any, subject: Any, victim: Any
) -> None:
    from desist.cases.models import IncidentType

    case = victim.cases.first()
    order = interim(officer, subject, made=ago(50), expires=ahead(30), case=case)
    term = add_term(officer, order, victim)
    before = case.incidents.count()
    breach(officer, order, term, ago(3))
    [incident] = case.incidents.filter(incident_type=IncidentType.SPO_BREACH)
    assert case.incidents.count() == before + 1
    assert incident.occurred_on == ago(3) and order.reference in incident.description
    # Without a case there is nowhere to add it, and the breach is still recorded.
    loose = interim(officer, subject, made=ago(40), expires=ahead(30))
    breach(officer, loose, add_term(officer, loose, victim), ago(2))
    assert Breach.objects.filter(order=loose).count() == 1
