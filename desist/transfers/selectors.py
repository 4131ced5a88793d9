"""Reads of transfers, and the summary of the file a pending transfer would move: the only
part of another force's subject the receiving force sees before it accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from desist import policy
from desist.cases.models import Case
from desist.orders.models import Order
from desist.people.models import Subject
from desist.policy import Perm
from desist.transfers.models import ForceTransfer, TransferredRecord, TransferStatus
from desist.transfers.services import SubjectFile

if TYPE_CHECKING:
    from desist.accounts.models import User


def transfers_for(*, actor: User) -> QuerySet[ForceTransfer]:
    return policy.scope_transfers(actor, ForceTransfer.objects.all()).select_related(
        "subject", "from_force", "to_force", "proposed_by", "decided_by"
    )


def incoming_pending_for(*, actor: User) -> QuerySet[ForceTransfer]:
    return transfers_for(actor=actor).filter(
        to_force_id=actor.organisation_id, status=TransferStatus.PENDING
    )


def transfer_get_for(*, actor: User, transfer_id: int) -> ForceTransfer:
    """One transfer; 404 for anyone outside the two forces."""
    try:
        transfer = transfers_for(actor=actor).get(pk=transfer_id)
    except ForceTransfer.DoesNotExist:
        raise Http404("No such transfer") from None
    policy.require(actor, Perm.TRANSFER_VIEW, transfer)
    return transfer


@dataclass(frozen=True)
class FileSummary:
    """References and statuses only: enough to decide, not the case itself."""

    orders: list[tuple[str, str]]
    cases: list[tuple[str, str]]


def file_summary(transfer: ForceTransfer) -> FileSummary:
    """What the transfer moves (pending: what it would move; accepted: what it moved)."""
    if transfer.status == TransferStatus.ACCEPTED:
        ids = TransferredRecord.objects.filter(transfer=transfer).values("record_id")
        cases = list(Case.objects.filter(pk__in=ids.filter(record_type="cases.Case")))
        orders = list(Order.objects.filter(pk__in=ids.filter(record_type="orders.Order")))
    else:
        file = SubjectFile.of(transfer.subject, transfer.from_force_id)
        cases, orders = file.cases, file.orders
    return FileSummary(
        orders=[(o.reference, o.get_status_display()) for o in orders],
        cases=[(c.crime_reference, c.get_status_display()) for c in cases],
    )


@dataclass(frozen=True)
class Notice:
    """The banner on a transferred record's page."""

    transfer: ForceTransfer
    sent: bool  # the actor's force sent it: the page is its read-only history


def notice_for(*, actor: User, label: str, record_id: int) -> Notice | None:
    """The latest accepted transfer that moved this record into or out of the actor's force,
    or None. Called only for a page the actor was already let see."""
    org = getattr(actor, "organisation_id", None)
    if org is None:
        return None
    moved = TransferredRecord.objects.filter(
        record_type=label,
        record_id=record_id,
        transfer__status=TransferStatus.ACCEPTED,
    ).filter(Q(transfer__from_force_id=org) | Q(transfer__to_force_id=org))
    row: Any = (
        moved.select_related("transfer__to_force", "transfer__from_force")
        .order_by("-transfer__decided_at", "-pk")
        .first()
    )
    if row is None:
        return None
    owner = _MODELS[label].objects.filter(pk=record_id).values_list("force_id", flat=True).first()
    return Notice(transfer=row.transfer, sent=owner != org)


def pending_notice_for(*, actor: User, label: str, record_id: int) -> ForceTransfer | None:
    """A transfer of this record's subject that the actor's force proposed and the receiving
    force has not yet decided, or None: the sending force's police are told it is waiting."""
    if not policy.has_perm(actor, Perm.TRANSFER_PENDING_NOTICE):
        return None
    model = _MODELS[label]
    field = "pk" if label == "people.Subject" else "subject_id"
    subject_id = model.objects.filter(pk=record_id).values_list(field, flat=True).first()
    transfer = (
        ForceTransfer.objects.filter(
            subject_id=subject_id,
            status=TransferStatus.PENDING,
            from_force_id=getattr(actor, "organisation_id", None),
        )
        .select_related("to_force")
        .first()
    )
    if transfer is None or not policy.can(actor, Perm.TRANSFER_PENDING_NOTICE, transfer):
        return None
    return transfer


_MODELS: dict[str, Any] = {"people.Subject": Subject, "cases.Case": Case, "orders.Order": Order}
