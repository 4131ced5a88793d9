"""Writes for Stalking Protection Orders. Each service checks the policy, validates (GOV.UK
messages, nothing saved on any error), writes in one transaction and audits in it.

Status changes go through `order_transition`, which enforces the table in `workflow.py`.
Writes to the order row itself use optimistic locking: callers pass the `version` they read.
Audit rows carry ids, dates and choice values, never names, wording or other free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case, IncidentType
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.models import Organisation, OrganisationKind
from desist.orders import dates
from desist.orders.derived import current_end, fmt, in_force_from, in_force_until
from desist.orders.models import (
    ENDED_STATUSES,
    LIVE_STATUSES,
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
from desist.orders.workflow import (
    NEW,
    TransitionError,
    check_transition,
    check_transition_allowed,
)
from desist.people.models import Subject, SubjectAddress
from desist.policy import Perm
from desist.safeguarding.models import Victim
from desist.sharing.events import EventKind, publish, resolve
from desist.sharing.redaction import RedactionBlocked, guard_text

S = OrderStatus
ALL = NON_FIELD_ERRORS


class _Errors(dict[str, list[str]]):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _today() -> dt.date:
    return timezone.localdate()


def _check_date(
    errors: _Errors,
    field: str,
    value: dt.date | None,
    *,
    what: str,
    required: bool = True,
) -> bool:
    """Required and not in the future. `what` names the date: 'the date of the hearing'.
    Returns True if there is a usable date to compare further."""
    if value is None:
        if required:
            errors.add(field, f"Enter {what}")
        return False
    if value > _today():
        errors.add(field, f"{what[0].upper()}{what[1:]} must be today or in the past")
        return False
    return True


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _roles(actor: Any) -> frozenset[str]:
    return frozenset(getattr(actor, "role_codes", frozenset()))


def _save_order(order: Order, *, version: int, changes: Mapping[str, Any]) -> None:
    """Write `changes` to the order if it is still at `version` (bumping it); otherwise
    StaleRecordError and the instance is left as it was."""
    before = {name: getattr(order, name) for name in changes}
    for name, value in changes.items():
        setattr(order, name, value)
    try:
        save_versioned(order, expected_version=version, fields=list(changes))
    except StaleRecordError:
        for name, value in before.items():
            setattr(order, name, value)
        raise


# --- the one status service -----------------------------------------------------------------


def order_transition(
    *,
    actor: Any,
    order: Order,
    version: int,
    to_status: str,
    effective_on: dt.date | None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> OrderStatusChange:
    """Change an order's status as the transition table allows, writing the history row.

    Other services call this inside their own transaction, passing the other order fields
    that change with the status in `changes`, so there is one versioned write."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    check_transition(role_codes=_roles(actor), source=order.status, target=to_status, reason=reason)
    errors = _Errors()
    if _check_date(errors, "effective_on", effective_on, what="the date of the change"):
        assert effective_on is not None
        if effective_on < order.application_date:
            errors.add(
                "effective_on",
                "The date of the change must be the same as or after the date of the "
                f"application ({fmt(order.application_date)})",
            )
    errors.raise_if_any()
    source = order.status
    values: dict[str, Any] = {"status": to_status, **(changes or {})}
    if to_status in ENDED_STATUSES:
        values.setdefault("ended_on", effective_on)
    with transaction.atomic():
        _save_order(order, version=version, changes=values)
        change = OrderStatusChange.objects.create(
            order=order,
            from_status=source,
            to_status=to_status,
            reason=_clean_text(reason),
            effective_on=effective_on,
            changed_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="order.status_change",
            obj=order,
            old={"status": source, "version": version},
            new={
                "status": to_status,
                "effective_on": effective_on,
                "version": order.version,
                "status_change_id": change.pk,
                "reason_given": bool(_clean_text(reason)),
            },
        )
        if source in LIVE_STATUSES and to_status not in LIVE_STATUSES:
            # The subject no longer owes these, and there is no renewal to decide: alerts
            # about them leave the inboxes.
            for notification in order.notifications.filter(received_on__isnull=True):
                resolve(
                    kind=EventKind.NOTIFICATION_OVERDUE,
                    actor=actor,
                    source=notification,
                    reason="Closed: the order is no longer in force",
                )
            resolve(
                kind=EventKind.ORDER_EXPIRING,
                actor=actor,
                source=order,
                reason="Closed: the order is no longer in force",
            )
    return change


def order_withdraw(
    *, actor: Any, order: Order, version: int, withdrawn_on: dt.date | None, reason: str
) -> OrderStatusChange:
    """The police withdraw the application (a supervisor's decision, per the table)."""
    try:
        return order_transition(
            actor=actor,
            order=order,
            version=version,
            to_status=S.WITHDRAWN,
            effective_on=withdrawn_on,
            reason=reason,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"effective_on": "withdrawn_on"}) from None


def _rename(exc: ValidationError, names: Mapping[str, str]) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {ALL: exc.messages}
    return {names.get(k, k): v for k, v in exc.message_dict.items()}


# --- application ----------------------------------------------------------------------------


def _next_reference(force: Organisation, year: int) -> str:
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


def order_apply(
    *,
    actor: Any,
    subject: Subject,
    application_date: dt.date | None,
    court: str,
    case: Case | None = None,
    applying_force: Organisation | None = None,
    reference: str = "",
    sex_offender_notification: bool = False,
) -> Order:
    """Record the police's application to a magistrates' court for an SPO."""
    policy.require_perm(actor, Perm.ORDER_EDIT)
    order = Order(
        force_id=subject.force_id,
        subject=subject,
        status=S.APPLIED,
        created_by=actor,
    )
    policy.require(actor, Perm.ORDER_EDIT, order)
    policy.require(actor, Perm.SUBJECT_VIEW, subject)
    check_transition(role_codes=_roles(actor), source=NEW, target=S.APPLIED, reason="")
    errors = _Errors()
    _check_date(errors, "application_date", application_date, what="the date of the application")
    court = " ".join(_clean_text(court).split())
    if not court:
        errors.add("court", "Enter the name of the magistrates' court")
    elif len(court) > 200:
        errors.add("court", "The name of the court must be 200 characters or fewer")
    if case is not None and (case.subject_id != subject.pk or case.force_id != subject.force_id):
        errors.add("case", "Select a case involving this subject")
    force = applying_force or actor.organisation
    if force.kind != OrganisationKind.POLICE_FORCE:
        errors.add("applying_force", "Select the police force that applied for the order")
    reference = " ".join(_clean_text(reference).split()).upper()
    if len(reference) > 40:
        errors.add("reference", "The order reference must be 40 characters or fewer")
    elif (
        reference
        and Order.objects.filter(force_id=subject.force_id, reference__iexact=reference).exists()
    ):
        errors.add("reference", "An order with this reference is already recorded in your force")
    errors.raise_if_any()
    assert application_date is not None
    order.application_date = application_date
    order.court = court
    order.case = case
    order.applying_force = force
    order.notification_exemption = (
        NotificationExemption.SEX_OFFENDER
        if sex_offender_notification
        else NotificationExemption.NONE
    )
    with transaction.atomic():
        for _ in range(5):
            order.reference = reference or _next_reference(subject.force, application_date.year)
            try:
                with transaction.atomic():
                    order.save()
                break
            except IntegrityError:
                if reference:
                    raise ValidationError(
                        {"reference": ["An order with this reference is already recorded"]}
                    ) from None
        else:  # pragma: no cover - five collisions in a row
            raise ValidationError({ALL: ["The order could not be saved. Try again"]})
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


def order_update_details(
    *,
    actor: Any,
    order: Order,
    version: int,
    reference: str,
    court: str,
    case: Case | None,
    sex_offender_notification: bool,
) -> Order:
    """Edit the register details of an order (optimistic locking on `version`)."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    reference = " ".join(_clean_text(reference).split()).upper()
    if not reference:
        errors.add("reference", "Enter the order reference")
    elif len(reference) > 40:
        errors.add("reference", "The order reference must be 40 characters or fewer")
    elif (
        Order.objects.filter(force_id=order.force_id, reference__iexact=reference)
        .exclude(pk=order.pk)
        .exists()
    ):
        errors.add("reference", "An order with this reference is already recorded in your force")
    court = " ".join(_clean_text(court).split())
    if not court:
        errors.add("court", "Enter the name of the magistrates' court")
    elif len(court) > 200:
        errors.add("court", "The name of the court must be 200 characters or fewer")
    if case is not None and (
        case.subject_id != order.subject_id or case.force_id != order.force_id
    ):
        errors.add("case", "Select a case involving this subject")
    errors.raise_if_any()
    if sex_offender_notification:
        exemption = NotificationExemption.SEX_OFFENDER
    elif order.full_made_on and order.interim_made_on and _replaced_interim(order):
        exemption = NotificationExemption.REPLACES_INTERIM
    else:
        exemption = NotificationExemption.NONE
    values = {
        "reference": reference,
        "court": court,
        "case": case,
        "notification_exemption": exemption,
    }
    changed = sorted(k for k, v in values.items() if getattr(order, k) != v)
    with transaction.atomic():
        try:
            _save_order(order, version=version, changes=values)
        except IntegrityError:
            raise ValidationError(
                {"reference": ["An order with this reference is already recorded in your force"]}
            ) from None
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="order.update",
            obj=order,
            old={"version": version},
            new={"version": order.version, "fields": changed},
        )
    return order


# --- hearings: adjourned, interim made, full made, refused ---------------------------------


def order_record_hearing(
    *,
    actor: Any,
    order: Order,
    version: int,
    heard_on: dt.date | None,
    kind: str,
    outcome: str,
    court: str = "",
    adjourned_to: dt.date | None = None,
    notes: str = "",
    interim_expires_on: dt.date | None = None,
    full_ends_on: dt.date | None = None,
    until_further_order: bool = False,
    reason: str = "",
) -> Hearing:
    """Record a hearing of the application and its outcome. An outcome other than
    'adjourned' changes the order's status through the transition table."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    outcomes = Hearing.Outcome
    targets: dict[str, str] = {
        outcomes.INTERIM_MADE: S.INTERIM,
        outcomes.FULL_MADE: S.FULL,
        outcomes.REFUSED: S.REFUSED,
    }
    target = targets.get(outcome)
    errors = _Errors()
    if order.status not in (S.APPLIED, S.INTERIM):
        errors.add(ALL, "Hearings can only be recorded while the application is undecided")
        errors.raise_if_any()
    if target is not None:
        check_transition_allowed(role_codes=_roles(actor), source=order.status, target=target)
    if kind not in Hearing.Kind.values:
        errors.add("kind", "Select the kind of hearing")
    if outcome not in outcomes.values:
        errors.add("outcome", "Select the outcome of the hearing")
    court = " ".join(_clean_text(court).split()) or order.court
    if len(court) > 200:
        errors.add("court", "The name of the court must be 200 characters or fewer")
    if _check_date(errors, "heard_on", heard_on, what="the date of the hearing"):
        assert heard_on is not None
        if heard_on < order.application_date:
            errors.add(
                "heard_on",
                "The date of the hearing must be the same as or after the date of the "
                f"application ({fmt(order.application_date)})",
            )
        elif order.interim_made_on and heard_on < order.interim_made_on:
            errors.add(
                "heard_on",
                "The date of the hearing must be the same as or after the date the interim "
                f"order was made ({fmt(order.interim_made_on)})",
            )
    changes: dict[str, Any] = {}
    if (
        outcome == outcomes.ADJOURNED
        and adjourned_to is not None
        and heard_on is not None
        and adjourned_to <= heard_on
    ):
        errors.add(
            "adjourned_to",
            "The date the hearing was adjourned to must be after the date of the hearing",
        )
    if outcome == outcomes.INTERIM_MADE:
        if interim_expires_on is None:
            errors.add("interim_expires_on", "Enter the date the interim order expires")
        elif heard_on is not None and not dates.interim_expiry_valid(heard_on, interim_expires_on):
            errors.add(
                "interim_expires_on",
                "The date the interim order expires must be after the date it was made",
            )
        changes = {"interim_made_on": heard_on, "interim_expires_on": interim_expires_on}
    if outcome == outcomes.FULL_MADE:
        _check_full_term(
            errors,
            "full_ends_on",
            made_on=heard_on,
            ends_on=full_ends_on,
            until_further_order=until_further_order,
        )
        exemption = order.notification_exemption
        if order.interim_made_on and exemption == NotificationExemption.NONE:
            exemption = NotificationExemption.REPLACES_INTERIM
        changes = {
            "full_made_on": heard_on,
            "full_ends_on": None if until_further_order else full_ends_on,
            "until_further_order": until_further_order,
            "notification_exemption": exemption,
        }
    if outcome == outcomes.REFUSED and not _clean_text(reason):
        errors.add("reason", "Enter the court's reasons for refusing the order")
    errors.raise_if_any()
    assert heard_on is not None
    with transaction.atomic():
        hearing = Hearing.objects.create(
            order=order,
            heard_on=heard_on,
            kind=kind,
            court=court,
            outcome=outcome,
            adjourned_to=adjourned_to if outcome == outcomes.ADJOURNED else None,
            notes=_clean_text(notes),
            created_by=actor,
        )
        if target is None:
            _save_order(order, version=version, changes={})
        else:
            order_transition(
                actor=actor,
                order=order,
                version=version,
                to_status=target,
                effective_on=heard_on,
                reason=reason,
                changes=changes,
            )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="order.hearing_record",
            obj=order,
            new={
                "hearing_id": hearing.pk,
                "heard_on": heard_on,
                "kind": kind,
                "outcome": outcome,
                "adjourned_to": hearing.adjourned_to,
                **{k: v for k, v in changes.items() if k != "notification_exemption"},
            },
        )
    return hearing


def order_make_interim(
    *,
    actor: Any,
    order: Order,
    version: int,
    made_on: dt.date | None,
    expires_on: dt.date | None,
    court: str = "",
) -> Hearing:
    """The court made an interim order at a hearing on `made_on`."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=made_on,
            kind=Hearing.Kind.INTERIM,
            outcome=Hearing.Outcome.INTERIM_MADE,
            court=court,
            interim_expires_on=expires_on,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"heard_on": "made_on", "interim_expires_on": "expires_on"}) from None


def order_make_full(
    *,
    actor: Any,
    order: Order,
    version: int,
    made_on: dt.date | None,
    ends_on: dt.date | None,
    until_further_order: bool = False,
    court: str = "",
) -> Hearing:
    """The court made a full order at a hearing on `made_on`: a fixed term of at least
    2 years, or until a further order."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=made_on,
            kind=Hearing.Kind.FULL,
            outcome=Hearing.Outcome.FULL_MADE,
            court=court,
            full_ends_on=ends_on,
            until_further_order=until_further_order,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"heard_on": "made_on", "full_ends_on": "ends_on"}) from None


def order_refuse(
    *,
    actor: Any,
    order: Order,
    version: int,
    refused_on: dt.date | None,
    reason: str,
    court: str = "",
) -> Hearing:
    """The court refused the application (an interim order, if any, ends)."""
    try:
        return order_record_hearing(
            actor=actor,
            order=order,
            version=version,
            heard_on=refused_on,
            kind=Hearing.Kind.FULL,
            outcome=Hearing.Outcome.REFUSED,
            court=court,
            reason=reason,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"heard_on": "refused_on"}) from None


def _renamed(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """The same errors under the field names of the calling service's form."""
    renamed = _rename(exc, names)
    if isinstance(exc, TransitionError):
        return TransitionError(renamed)
    return ValidationError(renamed)


# --- service of the order, and the notification it triggers -----------------------------------


def _notification_required(order: Order, stage: str) -> bool:
    if order.notification_exemption == NotificationExemption.SEX_OFFENDER:
        return False
    # A full order that replaces an interim order needs no fresh initial notification; one
    # made on appeal after a refusal does (the interim order ended with the refusal).
    return not (
        stage == S.FULL and order.notification_exemption == NotificationExemption.REPLACES_INTERIM
    )


def _replaced_interim(order: Order) -> bool:
    """Whether the full order was made at a hearing while the interim order was in force."""
    return order.status_changes.filter(from_status=S.INTERIM, to_status=S.FULL).exists()


def _refusal_gap(order: Order) -> tuple[dt.date, dt.date] | None:
    """(refused on, made on appeal) when an interim order ended with a refusal and the full
    order was made on appeal: the days strictly between had no order in force."""
    if order.interim_made_on is None or order.full_made_on is None:
        return None
    refused = (
        order.status_changes.filter(from_status=S.INTERIM, to_status=S.REFUSED)
        .order_by("-changed_at", "-id")
        .values_list("effective_on", flat=True)
        .first()
    )
    appealed = order.status_changes.filter(from_status=S.REFUSED, to_status=S.FULL).exists()
    if refused is None or not appealed:
        return None
    if order.interim_expires_on is not None:
        # An interim order that ran out before the refusal was not in force after its end.
        refused = min(refused, order.interim_expires_on)
    return refused, order.full_made_on


def order_serve(*, actor: Any, order: Order, version: int, served_on: dt.date | None) -> Order:
    """Record service of the current (interim or full) order on the subject. Unless the
    subject is exempt, the initial notification becomes due: 3 days, service day is day 1."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    if order.status not in LIVE_STATUSES:
        errors.add(ALL, "Only an interim or full order in force can be served")
        errors.raise_if_any()
    interim = order.status == S.INTERIM
    made_on = order.interim_made_on if interim else order.full_made_on
    already = order.interim_served_on if interim else order.full_served_on
    what = "interim order" if interim else "full order"
    if already is not None:
        errors.add(ALL, f"The {what} was already recorded as served on {fmt(already)}")
        errors.raise_if_any()
    if _check_date(errors, "served_on", served_on, what="the date of service"):
        assert served_on is not None
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
    errors.raise_if_any()
    assert served_on is not None
    field = "interim_served_on" if interim else "full_served_on"
    with transaction.atomic():
        _save_order(order, version=version, changes={field: served_on})
        notification = None
        if _notification_required(order, order.status):
            notification = Notification.objects.create(
                order=order,
                kind=Notification.Kind.INITIAL,
                trigger_on=served_on,
                due_on=dates.notification_due(served_on),
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


# --- terms ----------------------------------------------------------------------------------


def protectable_victims(order: Order) -> Any:
    """Victims who may be named as protected persons: victims of the subject's cases."""
    return Victim.objects.filter(
        force_id=order.force_id, cases__subject_id=order.subject_id
    ).distinct()


def _guard_provider_text(order: Order, errors: _Errors, *, actor: Any, **fields: str) -> None:
    """The redaction guard on text written for the provider: a kind-neutral message, and the
    attempt audited in its own transaction (so call it before the write's)."""
    try:
        guard_text(actor=actor, subject=order.subject, fields=fields, where="orders.term")
    except RedactionBlocked as blocked:
        for name, messages in blocked.errors.items():
            for message in messages:
                errors.add(name, message)


def order_add_term(
    *,
    actor: Any,
    order: Order,
    kind: str,
    category: str,
    wording: str,
    provider_description: str,
    protected_persons: Iterable[Victim | int],
    area: str = "",
    responsible_organisation: Organisation | None = None,
) -> Term:
    """Add a prohibition or requirement. Each term names its protected people, who must be
    victims of the subject's cases; a requirement names the organisation responsible.

    The court's wording stays with the police. The intervention provider is shown only the
    category, the protected people's references and `provider_description`, which must pass
    the redaction guard for the subject's victims before anything is saved."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    if order.status in ENDED_STATUSES:
        errors.add(ALL, "Terms cannot be added to an order or application that has ended")
        errors.raise_if_any()
    if kind not in Term.Kind.values:
        errors.add("kind", "Select whether the term is a prohibition or a requirement")
    if category not in Term.Category.values:
        errors.add("category", "Select what the term is about")
    provider_description = _clean_text(provider_description)
    if not provider_description:
        errors.add("provider_description", "Enter a description of the term for the provider")
    elif len(provider_description) > 1000:
        errors.add(
            "provider_description",
            "The description for the provider must be 1000 characters or fewer",
        )
    else:
        _guard_provider_text(order, errors, actor=actor, provider_description=provider_description)
    wording = _clean_text(wording)
    if not wording:
        errors.add("wording", "Enter the wording of the term")
    elif len(wording) > 4000:
        errors.add("wording", "The wording must be 4000 characters or fewer")
    area = " ".join(_clean_text(area).split())
    if len(area) > 300:
        errors.add("area", "The area must be 300 characters or fewer")
    ids = sorted({p.pk if isinstance(p, Victim) else int(p) for p in protected_persons})
    allowed = set(protectable_victims(order).filter(pk__in=ids).values_list("pk", flat=True))
    if not ids:
        errors.add("protected_persons", "Select the people this term protects")
    elif set(ids) - allowed:
        errors.add(
            "protected_persons",
            "Select protected people from the victims of this subject's cases",
        )
    if kind == Term.Kind.REQUIREMENT and responsible_organisation is None:
        errors.add(
            "responsible_organisation", "Select the organisation responsible for the requirement"
        )
    if kind == Term.Kind.PROHIBITION and responsible_organisation is not None:
        errors.add(
            "responsible_organisation",
            "Only a requirement has a responsible organisation: leave this empty for a prohibition",
        )
    errors.raise_if_any()
    with transaction.atomic():
        term = Term.objects.create(
            order=order,
            kind=kind,
            category=category,
            wording=wording,
            provider_description=provider_description,
            area=area,
            responsible_organisation=responsible_organisation,
            created_by=actor,
        )
        term.protected_persons.set(ids)
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="order.term_add",
            obj=order,
            new={
                "term_id": term.pk,
                "kind": kind,
                "category": category,
                "protected_person_ids": ids,
                "responsible_organisation": (
                    responsible_organisation.pk if responsible_organisation else None
                ),
                "area_given": bool(area),
            },
        )
    return term


# --- variation, renewal, discharge, appeal -----------------------------------------------------

_EVENT_STATUSES: dict[str, tuple[str, ...]] = {
    OrderEvent.Kind.VARIATION: LIVE_STATUSES,
    OrderEvent.Kind.RENEWAL: (S.FULL,),
    OrderEvent.Kind.DISCHARGE: LIVE_STATUSES,
    OrderEvent.Kind.APPEAL: (*LIVE_STATUSES, S.REFUSED),
}
_EVENT_STATUS_MESSAGE: dict[str, str] = {
    OrderEvent.Kind.VARIATION: "A variation can only be recorded for an interim or full order",
    OrderEvent.Kind.RENEWAL: "Only a full order can be renewed",
    OrderEvent.Kind.DISCHARGE: "A discharge can only be recorded for an interim or full order",
    OrderEvent.Kind.APPEAL: "An appeal can only be recorded against an order or a refusal",
}


def order_record_event(
    *,
    actor: Any,
    order: Order,
    version: int,
    kind: str,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
) -> OrderEvent:
    """Record a court's decision on a variation, renewal, discharge or appeal.

    Granted discharges, and appeals by the subject that are allowed, end the order
    (status 'discharged'). A police appeal against a refusal that is allowed makes the full
    order (from the date of the decision). A granted renewal, or a variation with a new end
    date, moves the full order's end date."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    kinds, outcomes = OrderEvent.Kind, OrderEvent.Outcome
    errors = _Errors()
    if kind not in kinds.values:
        errors.add("kind", "Select what the court decided on")
        errors.raise_if_any()
    if order.status not in _EVENT_STATUSES[kind]:
        errors.add(ALL, _EVENT_STATUS_MESSAGE[kind])
        errors.raise_if_any()
    if applicant not in OrderEvent.Applicant.values:
        errors.add("applicant", "Select who applied")
    if outcome not in outcomes.values:
        errors.add("outcome", "Select the court's decision")
    court = " ".join(_clean_text(court).split())
    if not court:
        errors.add("court", "Enter the name of the court")
    elif len(court) > 200:
        errors.add("court", "The name of the court must be 200 characters or fewer")
    details = _clean_text(details)
    granted = outcome == outcomes.GRANTED
    refused = order.status == S.REFUSED
    start = order.ended_on if refused else in_force_from(order)
    if _check_date(errors, "decided_on", decided_on, what="the date of the decision") and start:
        assert decided_on is not None
        if decided_on < start:
            since = "the application was refused" if refused else "the order was made"
            errors.add(
                "decided_on",
                f"The date of the decision must be the same as or after the date {since} "
                f"({fmt(start)})",
            )
    if kind == kinds.APPEAL and refused and applicant == OrderEvent.Applicant.SUBJECT:
        # Whatever the outcome: the subject has nothing to appeal against a refusal.
        errors.add("applicant", "Only the police can appeal against a refusal")
    changes: dict[str, Any] = {}
    target: str | None = None
    if granted and kind == kinds.RENEWAL:
        if order.until_further_order:
            errors.add(ALL, "An order made until a further order does not need renewing")
        elif until_further_order and new_ends_on is not None:
            errors.add(
                "new_ends_on",
                "Enter the new end date, or select 'until a further order', not both",
            )
        elif not until_further_order and new_ends_on is None:
            errors.add("new_ends_on", "Enter the new end date, or select 'until a further order'")
        elif new_ends_on is not None and order.full_ends_on and new_ends_on <= order.full_ends_on:
            errors.add(
                "new_ends_on",
                f"The new end date must be after the current end date ({fmt(order.full_ends_on)})",
            )
        changes = {
            "full_ends_on": None if until_further_order else new_ends_on,
            "until_further_order": until_further_order,
        }
    elif granted and kind == kinds.VARIATION:
        if not details:
            errors.add("details", "Enter what the court changed")
        if new_ends_on is not None:
            if order.status != S.FULL:
                errors.add("new_ends_on", "Only a full order's end date can be varied")
            elif order.full_made_on and not dates.full_term_long_enough(
                order.full_made_on, new_ends_on
            ):
                errors.add(
                    "new_ends_on",
                    "A full order must last at least 2 years: the end date must be on or after "
                    f"{fmt(dates.minimum_full_end(order.full_made_on))}",
                )
            changes = {"full_ends_on": new_ends_on, "until_further_order": False}
    elif granted and (
        kind == kinds.DISCHARGE
        or (
            kind == kinds.APPEAL
            and applicant == OrderEvent.Applicant.SUBJECT
            and order.status in LIVE_STATUSES
        )
    ):
        target = S.DISCHARGED
        if not details:
            errors.add("details", "Enter the court's reasons")
    elif granted and kind == kinds.APPEAL and refused:
        # Allowing the police's appeal, the Crown Court makes the full order itself.
        if not details:
            errors.add("details", "Enter the court's reasons")
        _check_full_term(
            errors,
            "new_ends_on",
            made_on=decided_on,
            ends_on=new_ends_on,
            until_further_order=until_further_order,
        )
        target = S.FULL
        changes = {
            "full_made_on": decided_on,
            "full_ends_on": None if until_further_order else new_ends_on,
            "until_further_order": until_further_order,
            "ended_on": None,
        }
    if target is not None:
        check_transition_allowed(role_codes=_roles(actor), source=order.status, target=target)
    errors.raise_if_any()
    assert decided_on is not None
    with transaction.atomic():
        event = OrderEvent.objects.create(
            order=order,
            kind=kind,
            applicant=applicant,
            court=court,
            decided_on=decided_on,
            outcome=outcome,
            details=details,
            new_ends_on=changes.get("full_ends_on"),
            created_by=actor,
        )
        if target is not None:
            order_transition(
                actor=actor,
                order=order,
                version=version,
                to_status=target,
                effective_on=decided_on,
                reason=details,
                changes=changes,
            )
        else:
            _save_order(order, version=version, changes=changes)
            if "full_ends_on" in changes:
                # Renewed or varied: the renewal decision the alert asked for has been made.
                resolve(
                    kind=EventKind.ORDER_EXPIRING,
                    actor=actor,
                    source=order,
                    reason="Closed: the order's end date changed",
                )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb=f"order.{kind}_record",
            obj=order,
            new={
                "event_id": event.pk,
                "applicant": applicant,
                "decided_on": decided_on,
                "outcome": outcome,
                **changes,
            },
        )
    return event


def order_record_variation(
    *,
    actor: Any,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=OrderEvent.Kind.VARIATION,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
    )


def order_record_renewal(
    *,
    actor: Any,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
    details: str = "",
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=OrderEvent.Kind.RENEWAL,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
        until_further_order=until_further_order,
    )


def order_record_discharge(
    *,
    actor: Any,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
) -> OrderEvent:
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=OrderEvent.Kind.DISCHARGE,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
    )


def order_record_appeal(
    *,
    actor: Any,
    order: Order,
    version: int,
    applicant: str,
    court: str,
    decided_on: dt.date | None,
    outcome: str,
    details: str = "",
    new_ends_on: dt.date | None = None,
    until_further_order: bool = False,
) -> OrderEvent:
    """An appeal; one by the police allowed against a refusal makes the full order, with
    `new_ends_on` (or `until_further_order`) as its term."""
    return order_record_event(
        actor=actor,
        order=order,
        version=version,
        kind=OrderEvent.Kind.APPEAL,
        applicant=applicant,
        court=court,
        decided_on=decided_on,
        outcome=outcome,
        details=details,
        new_ends_on=new_ends_on,
        until_further_order=until_further_order,
    )


# --- expiry -------------------------------------------------------------------------------


def order_expire(*, actor: Any, order: Order, version: int) -> OrderStatusChange:
    """Record that an interim or fixed-term full order has come to the end of its term.
    Allowed from the day after its end date (it is in force up to and including it)."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    if order.status == S.FULL and order.until_further_order:
        errors.add(ALL, "An order made until a further order does not expire")
    elif order.status not in LIVE_STATUSES:
        errors.add(ALL, "Only an interim or full order can expire")
    errors.raise_if_any()
    end = current_end(order)
    if end is None:
        errors.add(ALL, "The order has no end date recorded")
    elif not dates.has_ended(end, _today()):
        errors.add(
            ALL,
            f"The order is in force until the end of {fmt(end)}: it cannot be recorded as "
            "expired before then",
        )
    errors.raise_if_any()
    return order_transition(
        actor=actor, order=order, version=version, to_status=S.EXPIRED, effective_on=end
    )


# --- notifications ----------------------------------------------------------------------------


def _check_notification_received(
    errors: _Errors, *, received_on: dt.date | None, notification: Notification
) -> None:
    if _check_date(
        errors, "received_on", received_on, what="the date the notification was received"
    ):
        assert received_on is not None
        if received_on < notification.trigger_on:
            after = (
                "the date the order was served"
                if notification.kind == Notification.Kind.INITIAL
                else "the date of the change"
            )
            errors.add(
                "received_on",
                f"The date the notification was received must be the same as or after {after} "
                f"({fmt(notification.trigger_on)})",
            )


def notification_record_received(
    *, actor: Any, notification: Notification, received_on: dt.date | None
) -> Notification:
    """The subject attended a police station and notified (initial notification)."""
    order = notification.order
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    if notification.received_on is not None:
        errors.add(
            ALL,
            f"This notification was already recorded as received on {fmt(notification.received_on)}",
        )
        errors.raise_if_any()
    _check_notification_received(errors, received_on=received_on, notification=notification)
    errors.raise_if_any()
    with transaction.atomic():
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
    return notification


def notification_record_acknowledged(
    *, actor: Any, notification: Notification, acknowledged_on: dt.date | None
) -> Notification:
    """The police acknowledged the notification in writing."""
    order = notification.order
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    if notification.received_on is None:
        errors.add(ALL, "Record that the notification was received before acknowledging it")
        errors.raise_if_any()
    if notification.acknowledged_on is not None:
        errors.add(
            ALL,
            f"This notification was already acknowledged on {fmt(notification.acknowledged_on)}",
        )
        errors.raise_if_any()
    assert notification.received_on is not None
    if _check_date(
        errors, "acknowledged_on", acknowledged_on, what="the date of the acknowledgement"
    ):
        assert acknowledged_on is not None
        if acknowledged_on < notification.received_on:
            errors.add(
                "acknowledged_on",
                "The date of the acknowledgement must be the same as or after the date the "
                f"notification was received ({fmt(notification.received_on)})",
            )
    errors.raise_if_any()
    with transaction.atomic():
        updated = Notification.objects.filter(
            pk=notification.pk, acknowledged_on__isnull=True
        ).update(acknowledged_on=acknowledged_on)
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


def notification_record_change(
    *,
    actor: Any,
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
    from desist.people import services as people_services

    policy.require(actor, Perm.ORDER_EDIT, order)
    K = Notification.Kind  # noqa: N806
    errors = _Errors()
    if order.status not in LIVE_STATUSES:
        errors.add(ALL, "Changes can only be notified while an interim or full order is in force")
        errors.raise_if_any()
    if order.notification_exemption == NotificationExemption.SEX_OFFENDER:
        errors.add(
            ALL,
            "The subject is exempt from SPO notification: they are already subject to sex "
            "offender notification requirements",
        )
        errors.raise_if_any()
    served = order.full_served_on or order.interim_served_on
    if served is None:
        errors.add(ALL, "Record service of the order before recording notified changes")
        errors.raise_if_any()
    assert served is not None
    if kind not in (K.CHANGE_OF_NAME, K.CHANGE_OF_ADDRESS):
        errors.add("kind", "Select whether the subject notified a change of name or of address")
    if _check_date(errors, "changed_on", changed_on, what="the date of the change"):
        assert changed_on is not None
        if changed_on < served:
            errors.add(
                "changed_on",
                "The date of the change must be the same as or after the date the order was "
                f"served ({fmt(served)})",
            )
    if (
        _check_date(
            errors, "received_on", received_on, what="the date the notification was received"
        )
        and changed_on
    ):
        assert received_on is not None
        if received_on < changed_on:
            errors.add(
                "received_on",
                "The date the notification was received must be the same as or after the date "
                f"of the change ({fmt(changed_on)})",
            )
    new_name = " ".join(_clean_text(new_name).split())
    if kind == K.CHANGE_OF_NAME and not new_name:
        errors.add("new_name", "Enter the name the subject notified")
    if kind == K.CHANGE_OF_ADDRESS and not _clean_text(address):
        errors.add("address", "Enter the address the subject notified")
    errors.raise_if_any()
    assert changed_on is not None and received_on is not None
    subject = order.subject
    with transaction.atomic():
        new_address: SubjectAddress | None = None
        try:
            if kind == K.CHANGE_OF_ADDRESS:
                new_address = people_services.subject_address_add(
                    actor=actor,
                    subject=subject,
                    address=address,
                    postcode=postcode,
                    from_date=changed_on,
                    source=SubjectAddress.Source.NOTIFICATION,
                )
            else:
                people_services.subject_alias_add(actor=actor, subject=subject, name=new_name)
        except ValidationError as exc:
            raise ValidationError(
                _rename(exc, {"from_date": "changed_on", "name": "new_name"})
            ) from None
        notification = Notification.objects.create(
            order=order,
            kind=kind,
            trigger_on=changed_on,
            due_on=dates.notification_due(changed_on),
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


# --- breaches -----------------------------------------------------------------------------


def order_record_breach(
    *,
    actor: Any,
    order: Order,
    term: Term | None,
    occurred_on: dt.date | None,
    detection: str,
    police_action: str,
    court_outcome: str = "",
    court_outcome_on: dt.date | None = None,
    details: str = "",
) -> Breach:
    """Record a breach of one of the order's terms while it was in force."""
    policy.require(actor, Perm.ORDER_EDIT, order)
    errors = _Errors()
    start, end = in_force_from(order), in_force_until(order)
    if start is None:
        errors.add(ALL, "A breach can only be recorded for an order that has been made")
        errors.raise_if_any()
    assert start is not None
    if term is None or term.order_id != order.pk:
        errors.add("term", "Select the term that was breached")
    if detection not in Breach.Detection.values:
        errors.add("detection", "Select how the breach came to light")
    if police_action not in Breach.PoliceAction.values:
        errors.add("police_action", "Select the action the police took")
    if court_outcome not in Breach.CourtOutcome.values:
        errors.add("court_outcome", "Select the court outcome")
    if _check_date(errors, "occurred_on", occurred_on, what="the date of the breach"):
        assert occurred_on is not None
        if occurred_on < start:
            errors.add(
                "occurred_on",
                "The date of the breach must be the same as or after the date the order was "
                f"made ({fmt(start)})",
            )
        elif end is not None and occurred_on > end:
            errors.add(
                "occurred_on",
                f"The date of the breach must be on or before the date the order ended ({fmt(end)})",
            )
        elif (gap := _refusal_gap(order)) and gap[0] < occurred_on < gap[1]:
            errors.add(
                "occurred_on",
                "No order was in force on that date: the court refused the order on "
                f"{fmt(gap[0])} and it was made on appeal on {fmt(gap[1])}",
            )
    _check_court_outcome(
        errors, court_outcome=court_outcome, court_outcome_on=court_outcome_on, after=occurred_on
    )
    errors.raise_if_any()
    assert occurred_on is not None and term is not None
    with transaction.atomic():
        breach = Breach.objects.create(
            order=order,
            term=term,
            occurred_on=occurred_on,
            detection=detection,
            police_action=police_action,
            court_outcome=court_outcome,
            court_outcome_on=court_outcome_on,
            details=_clean_text(details),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="order.breach_record",
            obj=order,
            new={
                "breach_id": breach.pk,
                "term_id": term.pk,
                "occurred_on": occurred_on,
                "detection": detection,
                "police_action": police_action,
                "court_outcome": court_outcome,
                "court_outcome_on": court_outcome_on,
            },
        )
        # Alerts to the victims' advocates and the force's supervisors (sharing rules), in
        # this transaction: no breach without its alerts, no alert without its breach.
        publish(
            kind=EventKind.BREACH_RECORDED,
            actor=actor,
            subject=order.subject,
            source=breach,
            summary=(
                f"A breach of SPO {order.reference} ({term.get_kind_display().lower()}) on "
                f"{fmt(occurred_on)} was recorded. Police action: "
                f"{breach.get_police_action_display().lower()}."
            ),
        )
        # The breach is also an incident in the case's timeline (a new offence in itself).
        case = order.case
        if case is not None and policy.can(actor, Perm.CASE_EDIT, case):
            from desist.cases.services import incident_add

            incident_add(
                actor=actor,
                case=case,
                occurred_on=occurred_on,
                incident_type=IncidentType.SPO_BREACH,
                description=f"Breach of SPO {order.reference} ({term.get_kind_display().lower()}).",
            )
    return breach


def _check_full_term(
    errors: _Errors,
    field: str,
    *,
    made_on: dt.date | None,
    ends_on: dt.date | None,
    until_further_order: bool,
) -> None:
    """A full order ends on a date at least 2 years after it was made, or lasts until a
    further order: one or the other."""
    if until_further_order and ends_on is not None:
        errors.add(
            field, "Enter the date the order ends, or select 'until a further order', not both"
        )
    elif not until_further_order and ends_on is None:
        errors.add(field, "Enter the date the order ends, or select 'until a further order'")
    elif (
        ends_on is not None
        and made_on is not None
        and not dates.full_term_long_enough(made_on, ends_on)
    ):
        errors.add(
            field,
            "A full order must last at least 2 years: the end date must be on or after "
            f"{fmt(dates.minimum_full_end(made_on))}",
        )


def _check_court_outcome(
    errors: _Errors,
    *,
    court_outcome: str,
    court_outcome_on: dt.date | None,
    after: dt.date | None,
) -> None:
    decided = court_outcome in (
        Breach.CourtOutcome.CONVICTED,
        Breach.CourtOutcome.ACQUITTED,
        Breach.CourtOutcome.DISCONTINUED,
    )
    if decided and court_outcome_on is None:
        errors.add("court_outcome_on", "Enter the date of the court outcome")
    if court_outcome_on is not None and not decided:
        errors.add(
            "court_outcome_on",
            "Only enter a date for a conviction, acquittal or discontinuance",
        )
    if (
        court_outcome_on is not None
        and _check_date(
            errors, "court_outcome_on", court_outcome_on, what="the date of the court outcome"
        )
        and after is not None
        and court_outcome_on < after
    ):
        errors.add(
            "court_outcome_on",
            "The date of the court outcome must be the same as or after the date of the "
            f"breach ({fmt(after)})",
        )


def breach_record_court_outcome(
    *, actor: Any, breach: Breach, court_outcome: str, court_outcome_on: dt.date | None
) -> Breach:
    """Record (or update) what the court decided about a breach."""
    policy.require(actor, Perm.ORDER_EDIT, breach.order)
    errors = _Errors()
    if court_outcome not in Breach.CourtOutcome.values:
        errors.add("court_outcome", "Select the court outcome")
    _check_court_outcome(
        errors,
        court_outcome=court_outcome,
        court_outcome_on=court_outcome_on,
        after=breach.occurred_on,
    )
    errors.raise_if_any()
    old = {"court_outcome": breach.court_outcome, "court_outcome_on": breach.court_outcome_on}
    with transaction.atomic():
        Breach.objects.filter(pk=breach.pk).update(
            court_outcome=court_outcome, court_outcome_on=court_outcome_on
        )
        breach.court_outcome, breach.court_outcome_on = court_outcome, court_outcome_on
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="order.breach_outcome",
            obj=breach.order,
            old={"breach_id": breach.pk, **old},
            new={
                "breach_id": breach.pk,
                "court_outcome": court_outcome,
                "court_outcome_on": court_outcome_on,
            },
        )
    return breach


# --- exports ----------------------------------------------------------------------------------


def order_register_export_record(*, actor: Any, file_format: str, rows: int) -> None:
    """Log the download of the force's SPO register: a disclosure to the user who downloads it."""
    policy.require_perm(actor, Perm.ORDER_EXPORT)
    with transaction.atomic():
        audit_record(
            actor=actor,
            category=Category.DISCLOSURE,
            verb="order.export",
            object_type="orders.Order",
            justification="SPO register export",
            recipients=[actor.get_username()],
            new={"format": file_format, "rows": rows, "force": actor.organisation_id},
        )
