"""The subject's intervention on the order page (issue 19): the referral's outcome and the
provider's end-of-intervention summary for the police, which they read before deciding on
renewal or discharge. Programme owns referrals and sits above orders, so it registers the
source in ProgrammeConfig.ready() (ADR 0018); orders imports nothing of programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from desist.accounts.models import User


@dataclass(frozen=True)
class InterventionSummary:
    record: Any  # the referral, for the consultation log
    reference: str
    url: str
    outcome: str
    ended_on: dt.date | None
    sessions_attended: int
    has_report: bool
    police_summary: str  # the provider's summary for the police; never the clinical parts
    written_on: dt.date | None


InterventionSource = Callable[..., list[InterventionSummary]]
_sources: list[InterventionSource] = []


def register_intervention_source(source: InterventionSource) -> None:
    """`source(actor=..., order=...)` returns the interventions of the order's subject that
    the actor may read the police summary of (END_REPORT_SUMMARY_VIEW), newest first."""
    if source not in _sources:
        _sources.append(source)


def interventions_for(*, actor: User, order: Any) -> list[InterventionSummary]:
    if len(_sources) != 1:
        # Fail loudly: without it the police would decide on renewal blind to the outcome.
        raise ImproperlyConfigured("Exactly one intervention source must be registered")
    return _sources[0](actor=actor, order=order)
