"""Transfer a subject's file to another police force (issue 19; docs/workflows/force-transfer.md).

What moves: the subject, every case and every order of the subject the sending force holds
(live and ended: the receiving force needs the history to manage breaches and renewal), the
victims of those cases and orders (unless the sending force still needs them for a record
that stays), the documents on the moved cases and orders, and their open tasks (to the
receiving force's queue, unassigned). An application awaiting its hearing blocks a transfer:
the applying force sees it through court first.

Nothing moves until the receiving force accepts. Accepting and declining are settled by one
conditional UPDATE on the transfer's status and version, so of two supervisors acting at once
exactly one wins and the other is told what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.cases.models import Case
from desist.core.dates import long_datetime
from desist.core.models import Organisation, OrganisationKind
from desist.core.text import REASON_MIN_CHARS, is_meaningful_reason
from desist.documents.models import Document
from desist.orders.models import Order, OrderStatus
from desist.people.models import Subject
from desist.policy import Perm
from desist.safeguarding.models import Victim
from desist.tasks.models import Task, TaskStatus
from desist.transfers.models import ForceTransfer, TransferredRecord, TransferStatus

if TYPE_CHECKING:
    from desist.accounts.models import User

REASON_MAX = 2000
AREA_MAX = 100
FORCE_REQUIRED = "Select the force the subject has moved to"
FORCE_SAME = "Select a force other than your own"
REASON_REQUIRED = "Enter why the subject's file is being transferred"
REASON_LONG = f"The reason must be {REASON_MAX} characters or fewer"
AREA_LONG = f"The new area must be {AREA_MAX} characters or fewer"
DECLINE_REASON_REQUIRED = "Enter why you are declining the transfer"
WITHDRAW_REASON_REQUIRED = "Enter why you are withdrawing the transfer request"
REASON_SHORT = f"Give the reason in words (at least {REASON_MIN_CHARS} characters)"
ALREADY_PENDING = "A transfer of this subject is already waiting for the receiving force"


def receiving_forces(*, actor: User) -> list[Organisation]:
    """Every live police force in Desist but the actor's: a subject may move anywhere."""
    return list(
        Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE, retired_at__isnull=True)
        .exclude(pk=actor.organisation_id or 0)
        .order_by("name")
    )


@dataclass(frozen=True)
class SubjectFile:
    """What a transfer of `subject` from `force_id` moves (before it is accepted: what it
    would move)."""

    subject: Subject
    cases: list[Case]
    orders: list[Order]

    @classmethod
    def of(cls, subject: Subject, force_id: int) -> SubjectFile:
        return cls(
            subject=subject,
            cases=list(Case.objects.filter(subject=subject, force_id=force_id).order_by("pk")),
            orders=list(Order.objects.filter(subject=subject, force_id=force_id).order_by("pk")),
        )


def _check_file(errors: Errors, file: SubjectFile, to_force: Organisation) -> None:
    """What would stop the file moving: an application still before the court, or a
    reference the receiving force already uses (its references are unique per force)."""
    for order in file.orders:
        if order.status == OrderStatus.APPLIED:
            errors.add(
                "__all__",
                f"Order application {order.reference} is awaiting a hearing. Record the "
                "court's decision before transferring the subject",
            )
    refs = [o.reference for o in file.orders]
    for ref in Order.objects.filter(force=to_force, reference__in=refs).values_list(
        "reference", flat=True
    ):
        errors.add("__all__", f"{to_force.name} already holds an order with reference {ref}")
    crimes = [c.crime_reference for c in file.cases]
    for ref in Case.objects.filter(force=to_force, crime_reference__in=crimes).values_list(
        "crime_reference", flat=True
    ):
        errors.add("__all__", f"{to_force.name} already holds a case with crime reference {ref}")


@command(Perm.TRANSFER_PROPOSE, on="subject")
def transfer_propose(
    *, actor: User, subject: Subject, to_force_id: int | None, reason: str, new_area: str = ""
) -> ForceTransfer:
    """Ask another force to take over the subject's file. Nothing moves yet."""
    errors = Errors()
    reason, new_area = (reason or "").strip(), " ".join((new_area or "").split())
    to_force = next((f for f in receiving_forces(actor=actor) if f.pk == to_force_id), None)
    if to_force_id is None:
        errors.add("to_force", FORCE_REQUIRED)
    elif to_force is None:
        errors.add(
            "to_force", FORCE_SAME if to_force_id == actor.organisation_id else FORCE_REQUIRED
        )
    _check_reason(errors, reason, REASON_REQUIRED)
    if len(new_area) > AREA_MAX:
        errors.add("new_area", AREA_LONG)
    if ForceTransfer.objects.filter(subject=subject, status=TransferStatus.PENDING).exists():
        errors.add("__all__", ALREADY_PENDING)
    if to_force is not None:
        _check_file(errors, SubjectFile.of(subject, subject.force_id), to_force)
    errors.raise_if_any()
    assert to_force is not None
    transfer = ForceTransfer.objects.create(
        subject=subject,
        from_force_id=subject.force_id,
        to_force=to_force,
        reason=reason,
        new_area=new_area,
        proposed_by=actor,
    )
    # Ids only: the reason is free text about a person.
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="transfer.propose",
        obj=transfer,
        new={"subject": subject.pk, "from_force": subject.force_id, "to_force": to_force.pk},
        recipients=[to_force.name],
    )
    return transfer


def _check_reason(errors: Errors, reason: str, required: str) -> None:
    # "x" is not a reason anyone could act on or review later.
    if not reason:
        errors.add("reason", required)
    elif len(reason) > REASON_MAX:
        errors.add("reason", REASON_LONG)
    elif not is_meaningful_reason(reason):
        errors.add("reason", REASON_SHORT)


def _settle(transfer: ForceTransfer, *, version: int, actor: User, to: str, reason: str) -> None:
    """Move the transfer out of "pending" if nobody else has: one conditional UPDATE, so of two
    supervisors acting at once exactly one succeeds."""
    now = timezone.now()
    won = ForceTransfer.objects.filter(
        pk=transfer.pk, status=TransferStatus.PENDING, version=version
    ).update(
        status=to,
        decided_by=actor,
        decided_at=now,
        decision_reason=reason,
        version=F("version") + 1,
    )
    if won != 1:
        raise ValidationError({"__all__": [_already_settled(transfer.pk, to)]})
    transfer.refresh_from_db()


def _already_settled(transfer_id: int, attempted: str) -> str:
    current = ForceTransfer.objects.select_related("decided_by").get(pk=transfer_id)
    if current.status == TransferStatus.PENDING:
        return (
            "Someone else changed this transfer while you were looking at it. "
            "Nothing has been saved. Check the latest version and try again."
        )
    who = current.decided_by.display_name() if current.decided_by else "someone else"
    when = long_datetime(current.decided_at) if current.decided_at else ""
    yours = (
        "Your request to withdraw it has not been saved"
        if attempted == TransferStatus.WITHDRAWN
        else "Your decision has not been saved"
    )
    return (
        f"This transfer was already {current.get_status_display().lower()} by {who}"
        f"{' on ' + when if when else ''}. {yours}."
    )


@command(Perm.TRANSFER_DECIDE, on="transfer")
def transfer_decline(
    *, actor: User, transfer: ForceTransfer, version: int, reason: str
) -> ForceTransfer:
    """Refuse the transfer, with a reason the sending force sees. Nothing moves."""
    reason = (reason or "").strip()
    errors = Errors()
    _check_reason(errors, reason, DECLINE_REASON_REQUIRED)
    errors.raise_if_any()
    _settle(transfer, version=version, actor=actor, to=TransferStatus.DECLINED, reason=reason)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="transfer.decline",
        obj=transfer,
        old={"status": TransferStatus.PENDING},
        new={"status": TransferStatus.DECLINED, "subject": transfer.subject_id},
    )
    return transfer


@command(Perm.TRANSFER_WITHDRAW, on="transfer")
def transfer_withdraw(
    *, actor: User, transfer: ForceTransfer, version: int, reason: str
) -> ForceTransfer:
    """The sending force takes back a request still waiting (a mistaken one, say), so a
    corrected one can be made. Settled as accepting and declining are: of a withdrawal and a
    decision at once exactly one wins. Nothing moves."""
    reason = (reason or "").strip()
    errors = Errors()
    _check_reason(errors, reason, WITHDRAW_REASON_REQUIRED)
    errors.raise_if_any()
    _settle(transfer, version=version, actor=actor, to=TransferStatus.WITHDRAWN, reason=reason)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="transfer.withdraw",
        obj=transfer,
        old={"status": TransferStatus.PENDING},
        new={"status": TransferStatus.WITHDRAWN, "subject": transfer.subject_id},
    )
    return transfer


@command(Perm.TRANSFER_DECIDE, on="transfer")
def transfer_accept(*, actor: User, transfer: ForceTransfer, version: int) -> ForceTransfer:
    """Take over the subject's file: in this one transaction the records' owning force
    changes, the sending force keeps a read-only history, and open work moves to this force."""
    _settle(transfer, version=version, actor=actor, to=TransferStatus.ACCEPTED, reason="")
    subject = Subject.objects.select_for_update().get(pk=transfer.subject_id)
    errors = Errors()
    if subject.force_id != transfer.from_force_id:
        errors.add("__all__", f"{transfer.from_force.name} no longer holds this subject")
    file = SubjectFile.of(subject, transfer.from_force_id)
    _check_file(errors, file, transfer.to_force)
    errors.raise_if_any()
    moved = _move(transfer, file)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="transfer.accept",
        obj=transfer,
        old={"force": transfer.from_force_id},
        new={"force": transfer.to_force_id, **moved},
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="subject.transfer",
        obj=subject,
        old={"force": transfer.from_force_id},
        new={"force": transfer.to_force_id, "transfer": transfer.pk},
    )
    return transfer


def _victims_moving(file: SubjectFile, from_force_id: int) -> list[int]:
    """The sending force's victims of the moved cases and orders, except any it still needs
    for a case or order of its own that stays (then the receiving force sees a reference)."""
    case_ids = [c.pk for c in file.cases]
    order_ids = [o.pk for o in file.orders]
    linked = Victim.objects.filter(force_id=from_force_id).filter(
        Q(cases__in=case_ids) | Q(protecting_terms__order__in=order_ids)
    )
    other_cases = Case.objects.filter(force_id=from_force_id).exclude(pk__in=case_ids)
    other_orders = Order.objects.filter(force_id=from_force_id).exclude(pk__in=order_ids)
    staying = Victim.objects.filter(
        Q(cases__in=other_cases) | Q(protecting_terms__order__in=other_orders)
    )
    return sorted(set(linked.exclude(pk__in=staying).values_list("pk", flat=True)))


def _move(transfer: ForceTransfer, file: SubjectFile) -> dict[str, Any]:
    """Change the owning force of everything in the file (ids returned, for the audit row).
    Each versioned record's version is bumped, so a form the sending force still has open is
    refused as stale; officers in charge are cleared for the receiving supervisor to assign."""
    to_id = transfer.to_force_id
    case_ids = [c.pk for c in file.cases]
    order_ids = [o.pk for o in file.orders]
    victim_ids = _victims_moving(file, transfer.from_force_id)
    bump = {"version": F("version") + 1}
    Subject.objects.filter(pk=file.subject.pk).update(force_id=to_id, **bump)
    unassign = {"officer_in_charge": None, "team": ""}
    Case.objects.filter(pk__in=case_ids).update(force_id=to_id, **unassign, **bump)
    Order.objects.filter(pk__in=order_ids).update(force_id=to_id, **unassign, **bump)
    Victim.objects.filter(pk__in=victim_ids).update(force_id=to_id, **bump)
    Document.objects.filter(
        Q(case_id__in=case_ids) | Q(order_id__in=order_ids),
        organisation_id=transfer.from_force_id,
    ).update(organisation_id=to_id)
    open_tasks = Task.objects.filter(
        Q(case_id__in=case_ids) | Q(order_id__in=order_ids), status=TaskStatus.OPEN
    )
    task_ids = sorted(open_tasks.values_list("pk", flat=True))
    Task.objects.filter(pk__in=task_ids).update(force_id=to_id, assignee=None, **bump)
    TransferredRecord.objects.bulk_create(
        [
            TransferredRecord(
                transfer=transfer, record_type="people.Subject", record_id=file.subject.pk
            )
        ]
        + [
            TransferredRecord(transfer=transfer, record_type="cases.Case", record_id=i)
            for i in case_ids
        ]
        + [
            TransferredRecord(transfer=transfer, record_type="orders.Order", record_id=i)
            for i in order_ids
        ]
    )
    return {
        "subject": file.subject.pk,
        "cases": case_ids,
        "orders": order_ids,
        "victims": victim_ids,
        "tasks": task_ids,
    }
