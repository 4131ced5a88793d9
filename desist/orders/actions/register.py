"""The force's SPO register as a whole: its download."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desist.audit.models import Category
from desist.audit.pipeline import command
from desist.audit.services import audit_record
from desist.core import safecsv
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User


@command(Perm.ORDER_EXPORT)
def order_register_export_record(*, actor: User, file_format: str, rows: int) -> None:
    """Log the download of the force's SPO register: a disclosure to the user who downloads it."""
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="order.export",
        object_type="orders.Order",
        justification="SPO register export",
        recipients=[actor.get_username()],
        # The register export takes no filters: the whole of the actor's force's register.
        new={
            **safecsv.export_facts(file_format=file_format, rows=rows),
            "force": actor.organisation_id,
        },
    )
