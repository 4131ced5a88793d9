"""The police's application for an order, and the register details of an order."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from desist import policy
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.cases.models import Case
from desist.core.models import Organisation, OrganisationKind
from desist.orders.actions.common import (
    ALL,
    check_court,
    check_date,
    one_line,
    roles,
    save_order,
)
from desist.orders.models import (
    NotificationExemption,
    Order,
    OrderStatus,
    OrderStatusChange,
)
from desist.orders.workflow import NEW, check_transition
from desist.people.models import Subject
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
_COURT_MISSING = "Enter the name of the magistrates' court"
_REFERENCE_TAKEN = "An order with this reference is already recorded in your force"


def _next_order_reference(force: Organisation, year: int) -> str:
    prefix = f"SPO-{force.code.upper()}-{year}-"
    taken = set(
        Order.objects.filter(force=force, reference__startswith=prefix).values_list(
            "reference", flat=True
        )
    )
    n = len(taken) + 1
    while f"{prefix}{n:04d}" in taken:
        n += 1
    return f"{prefix}{n:04d}"


def _check_case(errors: Errors, case: Case | None, *, subject_id: int, force_id: int) -> None:
    if case is not None and (case.subject_id != subject_id or case.force_id != force_id):
        errors.add("case", "Select a case involving this subject")


def _check_application(
    errors: Errors,
    *,
    subject: Subject,
    application_date: dt.date | None,
    court: str,
    case: Case | None,
    force: Organisation | None,
    reference: str,
) -> None:
    check_date(errors, "application_date", application_date, what="the date of the application")
    check_court(errors, court, required_message=_COURT_MISSING)
    _check_case(errors, case, subject_id=subject.pk, force_id=subject.force_id)
    if force is None or force.kind != OrganisationKind.POLICE_FORCE:
        errors.add("applying_force", "Select the police force that applied for the order")
    if len(reference) > 40:
        errors.add("reference", "The order reference must be 40 characters or fewer")
    elif (
        reference
        and Order.objects.filter(force_id=subject.force_id, reference__iexact=reference).exists()
    ):
        errors.add("reference", _REFERENCE_TAKEN)


def _save_with_reference(order: Order, reference: str, force: Organisation, year: int) -> None:
    """Save the new order under `reference`, or the force's next free one for `year`."""
    for _ in range(5):
        order.reference = reference or _next_order_reference(force, year)
        try:
            with transaction.atomic():
                order.save()
            return
        except IntegrityError:
            if reference:
                raise ValidationError(
                    {"reference": ["An order with this reference is already recorded"]}
                ) from None
    raise ValidationError({ALL: ["The order could not be saved. Try again"]})  # pragma: no cover


@command(Perm.ORDER_EDIT)
def order_apply(
    *,
    actor: User,
    subject: Subject,
    application_date: dt.date | None,
    court: str,
    case: Case | None = None,
    applying_force: Organisation | None = None,
    reference: str = "",
    sex_offender_notification: bool = False,
) -> Order:
    """Record the police's application to a magistrates' court for an SPO."""
    order = Order(force_id=subject.force_id, subject=subject, status=S.APPLIED, created_by=actor)
    policy.require(actor, Perm.ORDER_EDIT, order)
    policy.require(actor, Perm.SUBJECT_VIEW, subject)
    check_transition(role_codes=roles(actor), source=NEW, target=S.APPLIED, reason="")
    errors = Errors()
    court, reference = one_line(court), one_line(reference).upper()
    force = applying_force or actor.organisation
    _check_application(
        errors,
        subject=subject,
        application_date=application_date,
        court=court,
        case=case,
        force=force,
        reference=reference,
    )
    errors.raise_if_any()
    assert application_date is not None and force is not None
    order.application_date = application_date
    order.court = court
    order.case = case
    order.applying_force = force
    order.notification_exemption = (
        NotificationExemption.SEX_OFFENDER
        if sex_offender_notification
        else NotificationExemption.NONE
    )
    _save_with_reference(order, reference, subject.force, application_date.year)
    change = OrderStatusChange.objects.create(
        order=order,
        from_status=NEW,
        to_status=S.APPLIED,
        effective_on=application_date,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.apply",
        obj=order,
        new={
            "subject": subject.pk,
            "case": case.pk if case else None,
            "reference": order.reference,
            "application_date": application_date,
            "applying_force": force.pk,
            "notification_exemption": order.notification_exemption,
            "status_change_id": change.pk,
        },
    )
    return order


def replaced_interim(order: Order) -> bool:
    """Whether the full order was made at a hearing while the interim order was in force."""
    return order.status_changes.filter(from_status=S.INTERIM, to_status=S.FULL).exists()


def _exemption(order: Order, *, sex_offender_notification: bool) -> str:
    if sex_offender_notification:
        return NotificationExemption.SEX_OFFENDER
    if order.full_made_on and order.interim_made_on and replaced_interim(order):
        return NotificationExemption.REPLACES_INTERIM
    return NotificationExemption.NONE


@command(Perm.ORDER_EDIT, on="order")
def order_update_details(
    *,
    actor: User,
    order: Order,
    version: int,
    reference: str,
    court: str,
    case: Case | None,
    sex_offender_notification: bool,
) -> Order:
    """Edit the register details of an order (optimistic locking on `version`)."""
    errors = Errors()
    reference, court = one_line(reference).upper(), one_line(court)
    if not reference:
        errors.add("reference", "Enter the order reference")
    elif len(reference) > 40:
        errors.add("reference", "The order reference must be 40 characters or fewer")
    elif (
        Order.objects.filter(force_id=order.force_id, reference__iexact=reference)
        .exclude(pk=order.pk)
        .exists()
    ):
        errors.add("reference", _REFERENCE_TAKEN)
    check_court(errors, court, required_message=_COURT_MISSING)
    _check_case(errors, case, subject_id=order.subject_id, force_id=order.force_id)
    errors.raise_if_any()
    values = {
        "reference": reference,
        "court": court,
        "case": case,
        "notification_exemption": _exemption(
            order, sex_offender_notification=sex_offender_notification
        ),
    }
    changed = sorted(k for k, v in values.items() if getattr(order, k) != v)
    try:
        with transaction.atomic():
            save_order(order, version=version, changes=values)
    except IntegrityError:
        raise ValidationError({"reference": [_REFERENCE_TAKEN]}) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.update",
        obj=order,
        old={"version": version},
        new={"version": order.version, "fields": changed},
    )
    return order
