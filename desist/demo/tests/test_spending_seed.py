"""Demo spending: monthly lines adding up to about 90% of the funding, idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from desist.core.models import Partnership
from desist.core.roles import RoleCode
from desist.demo.spending_seed import _months, seed_spending
from desist.programme import actions as services
from desist.programme.models import Expenditure


def test_months_end_on_month_ends_then_today() -> None:
    today = dt.date(2026, 3, 14)
    assert _months(dt.date(2025, 12, 3), today) == [
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        today,
    ]
    assert _months(today, today) == [today]


def test_seed_spending_uses_nine_tenths_of_the_funding(
    users: dict[RoleCode, Any], orgs: dict[str, Any]
) -> None:
    pm = users[RoleCode.PROGRAMME_MANAGER]
    p = Partnership.objects.create(code="pilot", name="Pilot")
    p.organisations.add(orgs["police_force"], orgs["provider"], orgs["commissioner"])
    services.programme_save(
        actor=pm,
        name="Pilot",
        provider=orgs["provider"],
        forces=[orgs["police_force"]],
        capacity=30,
        funding=Decimal("98000"),
    )
    assert seed_spending(programme_manager=pm)["spending_lines"] == 7
    total = Expenditure.objects.aggregate(t=Sum("amount"))["t"]
    assert abs(total - Decimal("88200")) < Decimal("1")
    assert not Expenditure.objects.filter(spent_on__gt=timezone.localdate()).exists()
    assert seed_spending(programme_manager=pm)["spending_lines"] == 0
