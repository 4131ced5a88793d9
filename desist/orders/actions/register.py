"""The force's SPO register as a whole: its download."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from desist.audit.models import Category
from desist.audit.pipeline import command
from desist.audit.services import audit_record
from desist.core import safecsv
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User
    from desist.core.export_purpose import ExportPurpose


@command(Perm.ORDER_EXPORT)
def order_register_export_record(
    *,
    actor: User,
    file_format: str,
    rows: int,
    purpose: ExportPurpose,
    filters: Mapping[str, str] | None = None,
) -> None:
    """Log the download of the force's SPO register: a disclosure to the user who downloads it,
    with the filter it was downloaded under (ADR 0027)."""
    audit_record(
        actor=actor,
        category=Category.DISCLOSURE,
        verb="order.export",
        object_type="orders.Order",
        justification="SPO register export",
        recipients=[actor.get_username()],
        new={
            **safecsv.export_facts(
                file_format=file_format, rows=rows, filters=filters, purpose=purpose
            ),
            "force": actor.organisation_id,
        },
    )
