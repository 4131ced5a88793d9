"""Demo spending for each programme: monthly lines from the month of its first referral to
this month, through `programme.actions.expenditure_record` (so the audit trail is real).

The monthly total is set so that the programme has spent about 90% of its funding by today,
shared between categories in proportions like a small psychology service's: practitioners
70%, clinical supervision 12%, management 8%, rooms 6%, travel 2%, materials 2%; plus a
one-off training line in the first month. Deterministic; does nothing if spending exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from desist.programme import actions as services
from desist.programme.models import Expenditure, Programme, Referral

SHARES: list[tuple[str, Decimal, str]] = [
    ("practitioners", Decimal("0.70"), "Practitioner salaries"),
    ("supervision", Decimal("0.12"), "Clinical supervision sessions"),
    ("management", Decimal("0.08"), "Programme management and administration"),
    ("venues", Decimal("0.06"), "Room hire for sessions"),
    ("travel", Decimal("0.02"), "Practitioner travel"),
    ("materials", Decimal("0.02"), "Workbooks and printing"),
]
TRAINING = Decimal("0.05")  # of the funding, once, in the first month
USED = Decimal("0.90")


def _months(first: dt.date, today: dt.date) -> list[dt.date]:
    """The last day of each month from `first`'s month to the month before `today`'s, then
    today (this month so far)."""
    out = []
    year, month = first.year, first.month
    while (year, month) < (today.year, today.month):
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        year, month = nxt.year, nxt.month
    out.append(today)
    return out


def seed_spending(*, programme_manager: Any) -> dict[str, int]:
    today = timezone.localdate()
    lines = 0
    for programme in Programme.objects.order_by("id"):
        if Expenditure.objects.filter(programme=programme).exists() or programme.funding <= 0:
            continue
        first = Referral.objects.filter(programme=programme).aggregate(d=Min("put_forward_on"))["d"]
        months = _months(first or today, today)
        cent = Decimal("0.01")
        training = (programme.funding * TRAINING).quantize(cent, ROUND_HALF_UP)
        monthly = (programme.funding * USED - training) / len(months)
        with transaction.atomic():
            services.expenditure_record(
                actor=programme_manager,
                programme=programme,
                spent_on=months[0],
                category="training",
                amount=training,
                description="Practitioner training in the programme's model",
            )
            lines += 1
            for month_end in months:
                for category, share, what in SHARES:
                    services.expenditure_record(
                        actor=programme_manager,
                        programme=programme,
                        spent_on=month_end,
                        category=category,
                        amount=(monthly * share).quantize(cent, ROUND_HALF_UP),
                        description=f"{what}, {month_end:%B %Y}",
                    )
                    lines += 1
    return {"spending_lines": lines}
