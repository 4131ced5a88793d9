"""Service of the order and the notification requirements it triggers (s.9): the initial
notification within 3 days of service, later changes of name or address within 3 days of the
change (the trigger day is day 1), and the police's written acknowledgement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.orders import law, tasking
from desist.orders.actions.common import ALL, check_date, clean_text, one_line, rename, save_order
from desist.orders.availability import NOTIFY_CHANGE, SERVE
from desist.orders.derived import current_end, fmt
from desist.orders.models import Notification, NotificationExemption, Order, OrderStatus
from desist.people import services as people_services
from desist.people.models import SubjectAddress
from desist.policy import Perm
from desist.sharing.events import EventKind, resolve

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
K = Notification.Kind


def _notification_order(kwargs: Mapping[str, Any]) -> Order:
    notification: Notification = kwargs["notification"]
    return notification.order


# --- service ---------------------------------------------------------------------------------


def _notification_required(order: Order, stage: str) -> bool:
    # A full order made on appeal after a refusal replaces nothing: its exemption is NONE.
    return law.initial_notification_owed(
        full_order=stage == S.FULL,
        replaces_interim=order.notification_exemption == NotificationExemption.REPLACES_INTERIM,
        on_sex_offender_notification=(
            order.notification_exemption == NotificationExemption.SEX_OFFENDER
        ),
    )


def _check_served_on(errors: Errors, order: Order, served_on: dt.date | None, what: str) -> None:
    if not check_date(errors, "served_on", served_on, what="the date of service"):
        return
    assert served_on is not None
    made_on = order.interim_made_on if order.status == S.INTERIM else order.full_made_on
    if made_on is not None and served_on < made_on:
        errors.add(
            "served_on",
            "The date of service must be the same as or after the date the order was "
            f"made ({fmt(made_on)})",
        )
    end = current_end(order)
    if end is not None and served_on > end:
        errors.add(
            "served_on",
            f"The date of service must be on or before the date the {what} ends ({fmt(end)})",
        )


@command(Perm.ORDER_EDIT, on="order")
def order_serve(*, actor: User, order: Order, version: int, served_on: dt.date | None) -> Order:
    """Record service of the current (interim or full) order on the subject. Unless the
    subject is exempt, the initial notification becomes due: 3 days, service day is day 1."""
    SERVE.require(actor, order)
    interim = order.status == S.INTERIM
    errors = Errors()
    _check_served_on(errors, order, served_on, "interim order" if interim else "full order")
    errors.raise_if_any()
    assert served_on is not None
    field = "interim_served_on" if interim else "full_served_on"
    save_order(order, version=version, changes={field: served_on})
    notification = None
    if _notification_required(order, order.status):
        notification = Notification.objects.create(
            order=order,
            kind=K.INITIAL,
            trigger_on=served_on,
            due_on=law.initial_notification_due(served_on),
            created_by=actor,
        )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.serve",
        obj=order,
        old={"version": version},
        new={
            field: served_on,
            "version": order.version,
            "notification_id": notification.pk if notification else None,
            "notification_due": notification.due_on if notification else None,
        },
    )
    return order


# --- received and acknowledged -------------------------------------------------------------------


def _check_notification_received(
    errors: Errors, *, received_on: dt.date | None, notification: Notification
) -> None:
    if check_date(
        errors, "received_on", received_on, what="the date the notification was received"
    ):
        assert received_on is not None
        if received_on < notification.trigger_on:
            after = (
                "the date the order was served"
                if notification.kind == K.INITIAL
                else "the date of the change"
            )
            errors.add(
                "received_on",
                f"The date the notification was received must be the same as or after {after} "
                f"({fmt(notification.trigger_on)})",
            )


@command(Perm.ORDER_EDIT, on=_notification_order)
def notification_record_received(
    *, actor: User, notification: Notification, received_on: dt.date | None
) -> Notification:
    """The subject attended a police station and notified (initial notification)."""
    order = notification.order
    errors = Errors()
    if notification.received_on is not None:
        errors.add(
            ALL,
            f"This notification was already recorded as received on {fmt(notification.received_on)}",
        )
        errors.raise_if_any()
    _check_notification_received(errors, received_on=received_on, notification=notification)
    errors.raise_if_any()
    updated = Notification.objects.filter(pk=notification.pk, received_on__isnull=True).update(
        received_on=received_on
    )
    if updated != 1:
        raise StaleRecordError(StaleRecordError.message)
    notification.received_on = received_on
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.notification_received",
        obj=order,
        new={
            "notification_id": notification.pk,
            "received_on": received_on,
            "due_on": notification.due_on,
            "late": bool(received_on and received_on > notification.due_on),
        },
    )
    resolve(
        kind=EventKind.NOTIFICATION_OVERDUE,
        actor=actor,
        source=notification,
        reason="Closed: the notification was received",
    )
    if received_on is not None and received_on > notification.due_on:
        # Late: an offence under s.8; the officer in charge gets the investigation at once.
        tasking.raise_late_notification(notification, timezone.localdate())
    return notification


def _check_acknowledgeable(errors: Errors, notification: Notification) -> None:
    if notification.received_on is None:
        errors.add(ALL, "Record that the notification was received before acknowledging it")
        errors.raise_if_any()
    if notification.acknowledged_on is not None:
        errors.add(
            ALL,
            f"This notification was already acknowledged on {fmt(notification.acknowledged_on)}",
        )
        errors.raise_if_any()


@command(Perm.ORDER_EDIT, on=_notification_order)
def notification_record_acknowledged(
    *, actor: User, notification: Notification, acknowledged_on: dt.date | None
) -> Notification:
    """The police acknowledged the notification in writing."""
    order = notification.order
    errors = Errors()
    _check_acknowledgeable(errors, notification)
    received_on = notification.received_on
    assert received_on is not None
    if check_date(
        errors, "acknowledged_on", acknowledged_on, what="the date of the acknowledgement"
    ):
        assert acknowledged_on is not None
        if acknowledged_on < received_on:
            errors.add(
                "acknowledged_on",
                "The date of the acknowledgement must be the same as or after the date the "
                f"notification was received ({fmt(received_on)})",
            )
    errors.raise_if_any()
    updated = Notification.objects.filter(pk=notification.pk, acknowledged_on__isnull=True).update(
        acknowledged_on=acknowledged_on
    )
    if updated != 1:
        raise StaleRecordError(StaleRecordError.message)
    notification.acknowledged_on = acknowledged_on
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.notification_acknowledged",
        obj=order,
        new={"notification_id": notification.pk, "acknowledged_on": acknowledged_on},
    )
    return notification


# --- changes of name or address ------------------------------------------------------------------


def _check_change(
    errors: Errors,
    *,
    served: dt.date,
    kind: str,
    changed_on: dt.date | None,
    received_on: dt.date | None,
    new_name: str,
    address: str,
) -> None:
    if kind not in (K.CHANGE_OF_NAME, K.CHANGE_OF_ADDRESS):
        errors.add("kind", "Select whether the subject notified a change of name or of address")
    if check_date(errors, "changed_on", changed_on, what="the date of the change"):
        assert changed_on is not None
        if changed_on < served:
            errors.add(
                "changed_on",
                "The date of the change must be the same as or after the date the order was "
                f"served ({fmt(served)})",
            )
    received = check_date(
        errors, "received_on", received_on, what="the date the notification was received"
    )
    if received and changed_on and received_on is not None and received_on < changed_on:
        errors.add(
            "received_on",
            "The date the notification was received must be the same as or after the date "
            f"of the change ({fmt(changed_on)})",
        )
    if kind == K.CHANGE_OF_NAME and not new_name:
        errors.add("new_name", "Enter the name the subject notified")
    if kind == K.CHANGE_OF_ADDRESS and not clean_text(address):
        errors.add("address", "Enter the address the subject notified")


def _record_in_people(
    actor: User,
    order: Order,
    *,
    kind: str,
    changed_on: dt.date,
    new_name: str,
    address: str,
    postcode: str,
) -> SubjectAddress | None:
    """A new address joins the subject's address history (closing the current one); a new
    name is added as another name. Their errors are shown on this form's fields."""
    try:
        if kind == K.CHANGE_OF_ADDRESS:
            return people_services.subject_address_add(
                actor=actor,
                subject=order.subject,
                address=address,
                postcode=postcode,
                from_date=changed_on,
                source=SubjectAddress.Source.NOTIFICATION,
            )
        people_services.subject_alias_add(actor=actor, subject=order.subject, name=new_name)
    except ValidationError as exc:
        raise ValidationError(
            rename(exc, {"from_date": "changed_on", "name": "new_name"})
        ) from None
    return None


@command(Perm.ORDER_EDIT, on="order")
def notification_record_change(
    *,
    actor: User,
    order: Order,
    kind: str,
    changed_on: dt.date | None,
    received_on: dt.date | None,
    new_name: str = "",
    address: str = "",
    postcode: str = "",
) -> Notification:
    """The subject notified a change of name or home address (due within 3 days of the change,
    the day of the change being day 1). A new address is added to the subject's address
    history, closing the previous current one; a new name is added as another name."""
    NOTIFY_CHANGE.require(actor, order)
    # The earlier service: the requirements apply from service of an interim order too (s.9).
    served = law.notification_requirements_from(order.interim_served_on, order.full_served_on)
    assert served is not None
    errors = Errors()
    new_name = one_line(new_name)
    _check_change(
        errors,
        served=served,
        kind=kind,
        changed_on=changed_on,
        received_on=received_on,
        new_name=new_name,
        address=address,
    )
    errors.raise_if_any()
    assert changed_on is not None and received_on is not None
    new_address = _record_in_people(
        actor,
        order,
        kind=kind,
        changed_on=changed_on,
        new_name=new_name,
        address=address,
        postcode=postcode,
    )
    notification = Notification.objects.create(
        order=order,
        kind=kind,
        trigger_on=changed_on,
        due_on=law.change_notification_due(changed_on),
        received_on=received_on,
        subject_address=new_address,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.notification_change",
        obj=order,
        new={
            "notification_id": notification.pk,
            "kind": kind,
            "changed_on": changed_on,
            "due_on": notification.due_on,
            "received_on": received_on,
            "late": received_on > notification.due_on,
            "subject_address_id": new_address.pk if new_address else None,
        },
    )
    return notification
