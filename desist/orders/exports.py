"""The force's SPO register as rows, for CSV and XLSX downloads.

No victim identity goes into an export: protected people appear only as references (V000123).
Term wording and areas are left out too, because they may name victims or their streets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from desist.accounts.models import User
from desist.core import safecsv
from desist.core.reach import Reach, reach_from
from desist.orders import dates, selectors
from desist.orders.derived import order_dates

HEADER: list[str] = [
    "Reference",
    "Status",
    "Subject",
    "Date of birth",
    "PNC number",
    "Crime reference",
    "Applying force",
    "Court",
    "Application date",
    "Interim order made",
    "Interim order served",
    "Interim order expires",
    "Full order made",
    "Full order served",
    "Full order ends",
    "Until further order",
    "Renewal review from",
    "Notification exemption",
    "Notifications due",
    "Notifications overdue",
    "Terms",
    "Protected persons",
    "Breaches",
    "Last breach",
    "Ended on",
]

Cell = str | int | dt.date | None


def register_rows_for(
    *, actor: User, status: str = "", queue: str = "", view: str = ""
) -> tuple[list[str], list[list[Cell]]]:
    """The header and one row per order of the actor's force that the register's filter
    shows (a status, a home-page queue, mine or my team's), in a fixed number of queries."""
    reach = reach_from(view, Reach.FORCE)
    orders = list(
        selectors.register_for(actor=actor, status=status, queue=queue, reach=reach)
        .select_related("case", "applying_force")
        .order_by("reference", "id")
    )
    protected = selectors.protected_references_for(orders)
    today, window = timezone.localdate(), dates.review_window_days()
    rows: list[list[Cell]] = []
    for o in orders:
        derived = order_dates(o, today=today, window_days=window)
        row: list[Cell] = [
            o.reference,
            o.get_status_display(),
            o.subject.full_name,
            o.subject.date_of_birth,
            o.subject.pnc_number,
            o.case.crime_reference if o.case else "",
            o.applying_force.name,
            o.court,
            o.application_date,
            o.interim_made_on,
            o.interim_served_on,
            o.interim_expires_on,
            o.full_made_on,
            o.full_served_on,
            o.full_ends_on,
            "Yes" if o.until_further_order else "",
            derived.review_opens,
            o.get_notification_exemption_display(),
            getattr(o, "due_notifications", None) or 0,
            getattr(o, "overdue_notifications", None) or 0,
            getattr(o, "term_count", 0),
            ";".join(protected.get(o.pk, [])),
            getattr(o, "breach_count", 0),
            getattr(o, "last_breach_on", None),
            o.ended_on,
        ]
        rows.append(row)
    return HEADER, rows


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The workbook, through the one export writer (core.safecsv), formula cells neutralised."""
    return safecsv.xlsx_bytes("SPO register", header, rows)
