"""The transfer section of the subject page, registered with people.panels by
TransfersConfig.ready() (through `queues`' import of this module's registration)."""

from __future__ import annotations

from typing import Any

from desist import policy
from desist.accounts.models import User
from desist.people.panels import Panel, register_panel
from desist.policy import Perm
from desist.transfers.models import ForceTransfer, TransferStatus


def subject_transfer_panel(*, actor: User, subject: Any) -> Panel:
    """A pending transfer of the subject, and (to the owning force's supervisor) the link to
    propose one. Empty for everybody else."""
    if not policy.has_perm(actor, Perm.TRANSFER_VIEW):
        return Panel(key="transfer", template="transfers/includes/subject_panel.html", rows=[])
    pending = list(
        policy.scope_transfers(
            actor, ForceTransfer.objects.filter(subject=subject, status=TransferStatus.PENDING)
        ).select_related("to_force")
    )
    return Panel(
        key="transfer",
        template="transfers/includes/subject_panel.html",
        rows=pending,
        extra={"can_propose": not pending and policy.can(actor, Perm.TRANSFER_PROPOSE, subject)},
    )


register_panel("transfer", subject_transfer_panel, order=90)
