"""Fixtures for the risk tests: a subject in the officer's force and the built-in instruments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from desist.core.roles import RoleCode
from desist.people.models import Subject
from desist.risk.models import Instrument

SCREENING_CODE = "desist-stalking-screening"
SPJ_CODE = "desist-spj-summary"

SCREENING_ITEMS = [
    "duration",
    "told_to_stop",
    "turning_up",
    "watching",
    "third_parties",
    "hidden_contact",
    "property",
    "threats",
    "violence",
    "order_broken",
    "other_victims",
    "life_changed",
]


def make_subject(force: Any, first: str = "Alex", last: str = "Example") -> Subject:
    return Subject.objects.create(force=force, first_names=first, last_name=last)


def screening_answers(yes: int) -> dict[str, str]:
    return {k: ("yes" if n < yes else "no") for n, k in enumerate(SCREENING_ITEMS)}


def spj_answers(review: dt.date, level: str = "medium") -> dict[str, str]:
    return {
        "overall": level,
        "motivation": "rejected",
        "violence": "low",
        "persistence": "high",
        "recurrence": "medium",
        "psychosocial_harm": "medium",
        "rationale": "Synthetic reasons for the judgement.",
        "review_date": review.isoformat(),
    }


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_OFFICER]


@pytest.fixture
def subject(officer: Any) -> Subject:
    return make_subject(officer.organisation)


@pytest.fixture
def screening(db: Any) -> Instrument:
    return Instrument.objects.get(owner=None, code=SCREENING_CODE, is_active=True)


@pytest.fixture
def spj(db: Any) -> Instrument:
    return Instrument.objects.get(owner=None, code=SPJ_CODE, is_active=True)
