"""Filling a date field in a browser journey, whichever markup the field has."""

from __future__ import annotations

import datetime as dt
from typing import Any


def fill_date(page: Any, field_id: str, value: dt.date) -> None:
    """Fill the date field whose element id is `field_id` (for example "id_review_on").

    A GOV.UK date input is three boxes (`<id>-day`, `<id>-month`, `<id>-year`); a single
    box takes the ISO date."""
    day = page.locator(f"#{field_id}-day")
    if day.count():
        day.fill(str(value.day))
        page.fill(f"#{field_id}-month", str(value.month))
        page.fill(f"#{field_id}-year", str(value.year))
    else:
        page.fill(f"#{field_id}", value.isoformat())
