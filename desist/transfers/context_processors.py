"""The banner on a transferred subject's, case's or order's page (issue 19): "Transferred to
Surrey Police on 7 December 2026" for the sending force's read-only history, "Transferred from"
for the receiving force; and, while a transfer waits, "A transfer to Surrey Police is waiting
for acceptance" for the sending force's police."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from desist.transfers.selectors import notice_for, pending_notice_for

_PAGES = {
    "people:detail": ("people.Subject", "subject_id"),
    "cases:detail": ("cases.Case", "case_id"),
    "orders:detail": ("orders.Order", "order_id"),
}


def transfer_notice(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    user: Any = getattr(request, "user", None)
    if (
        match is None
        or match.view_name not in _PAGES
        or not getattr(user, "is_authenticated", False)
    ):
        return {}
    label, kwarg = _PAGES[match.view_name]
    # A third force's request 404s before this runs; and notice_for answers only the two
    # forces of a transfer.
    record_id = int(match.kwargs[kwarg])
    return {
        "transfer_notice": notice_for(actor=user, label=label, record_id=record_id),
        "transfer_pending": pending_notice_for(actor=user, label=label, record_id=record_id),
    }
