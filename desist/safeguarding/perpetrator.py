"""What the advocate may know of their victim's perpetrator (issue 20), on the advocacy case
page: orders and programme sit above safeguarding, so each registers its part here from its
AppConfig.ready() (ADR 0018), as programme does with `orders.interventions`.

This module imports nothing of safeguarding's models or selectors: programme registers into it,
and the victim wall (.importlinter) forbids programme to reach those, even transitively. The
sources are handed the advocacy case (for the object rule `advocacy.perpetrator_view`), the
victim's id and a `redact` function safeguarding builds from the *other* victims' identifiers;
never a Victim row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from desist.accounts.models import User


@dataclass(frozen=True)
class TermFacts:
    kind: str  # "Prohibition" or "Requirement"
    category: str  # "No contact", "Exclusion zone", ...
    wording: str  # redacted for this victim
    area: str  # only where the term protects this victim alone
    protects_victim: bool
    others: int  # how many other people it protects (never who)


@dataclass(frozen=True)
class OrderFacts:
    record: Any  # the order, for the consultation log
    reference: str
    status: str
    status_label: str
    dates: list[tuple[str, dt.date]]
    events: list[tuple[str, dt.date]]  # "Variation granted", 3 March 2026
    terms: list[TermFacts] = field(default_factory=list)


@dataclass(frozen=True)
class ProgrammeFacts:
    record: Any  # the referral, for the consultation log
    reference: str
    stage: str  # Referred, Assessed, Started, Completed, Ended early, Ended before starting
    status_label: str
    dates: list[tuple[str, dt.date]]


OrderSource = Callable[..., list[OrderFacts]]
ProgrammeSource = Callable[..., list[ProgrammeFacts]]
_order_sources: list[OrderSource] = []
_programme_sources: list[ProgrammeSource] = []


def register_order_source(source: OrderSource) -> None:
    """`source(actor=, case=, victim_id=, subjects=, redact=)`: the orders of `subjects` that
    protect the victim or were made on a case of hers, newest first."""
    if source not in _order_sources:
        _order_sources.append(source)


def register_programme_source(source: ProgrammeSource) -> None:
    """`source(actor=, case=, subjects=)`: the subjects' referrals to the programme, newest
    first: status and dates only, nothing clinical."""
    if source not in _programme_sources:
        _programme_sources.append(source)


def _one(sources: list[Any], what: str) -> Any:
    if len(sources) != 1:
        # Fail loudly: an empty panel would tell the advocate there is no order.
        raise ImproperlyConfigured(f"Exactly one {what} source must be registered")
    return sources[0]


def orders_for(
    *, actor: User, case: Any, victim_id: int, subjects: list[Any], redact: Callable[[str], str]
) -> list[OrderFacts]:
    source = _one(_order_sources, "order")
    return list(
        source(actor=actor, case=case, victim_id=victim_id, subjects=subjects, redact=redact)
    )


def programme_for(*, actor: User, case: Any, subjects: list[Any]) -> list[ProgrammeFacts]:
    source = _one(_programme_sources, "programme")
    return list(source(actor=actor, case=case, subjects=subjects))
