"""Journey set-up shared by the provider journeys: a new Sussex pilot at Harbour Psychology and
one subject put forward to it by the demo officer, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def put_forward(programme_name: str, first_names: str, last_name: str, born: dt.date) -> Any:
    """A referral just put forward to a new pilot programme (its programme is .programme)."""
    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.people.services import subject_create
    from desist.programme import actions

    officer = User.objects.get(username="police.sussex")
    programme = actions.programme_save(
        actor=User.objects.get(username="programme.manager"),
        name=programme_name,
        provider=Organisation.objects.get(code="harbour-psychology"),
        forces=[Organisation.objects.get(code="sussex-police")],
        capacity=30,
        funding=Decimal("98000"),
    )
    subject = subject_create(
        actor=officer, first_names=first_names, last_name=last_name, date_of_birth=born
    )
    return actions.referral_put_forward(actor=officer, subject=subject, programme=programme)
