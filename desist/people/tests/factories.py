"""Test helpers for the police casework apps (people, cases, safeguarding).

Records are made through the real services, so every helper also exercises the policy and
writes its audit rows, as production does.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from desist.cases import services as case_services
from desist.cases.models import Case, Relationship
from desist.core.roles import RoleCode
from desist.people import services as people_services
from desist.people.models import Sex, Subject, pnc_check_letter
from desist.safeguarding import services as victim_services
from desist.safeguarding.models import Victim

R = RoleCode
POLICE_ROLES = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}

_seq = itertools.count(1)


def pnc(year: str = "2019", serial: str | None = None) -> str:
    serial = serial or f"{next(_seq) + 100000:07d}"
    return f"{year}/{serial}{pnc_check_letter(year, serial)}"


def make_subject(actor: Any, **overrides: Any) -> Subject:
    n = next(_seq)
    fields: dict[str, Any] = {
        "first_names": "Alex",
        "last_name": f"Testperson{n}",
        "date_of_birth": dt.date(1985, 1, 1) + dt.timedelta(days=n),
        "sex": Sex.MALE,
        "pnc_number": "",
        "force_reference": f"REF-{n}",
    }
    fields.update(overrides)
    return people_services.subject_create(actor=actor, **fields)


def make_case(actor: Any, subject: Subject, **overrides: Any) -> Case:
    n = next(_seq)
    fields: dict[str, Any] = {
        "crime_reference": f"47/{n:06d}/25",
        "relationship": Relationship.EX_INTIMATE,
        "opened_on": timezone.localdate() - dt.timedelta(days=10),
        "summary": "Synthetic test case.",
        "fixated": True,
        "unwanted": True,
    }
    fields.update(overrides)
    return case_services.case_create(actor=actor, subject=subject, **fields)


VICTIM_IDENTITY = {
    "first_names": "Philippa",
    "last_name": "Quorndon-Zeal",
    "address": "17 Wisteria Crescent, Hove",
    "postcode": "BN3 7QZ",
    "phone": "07700900321",
    "email": "philippa.qz@example.org",
}


def make_victim(actor: Any, case: Case, **overrides: Any) -> Victim:
    fields: dict[str, Any] = {**VICTIM_IDENTITY, "sex": "female"}
    fields.update(overrides)
    return victim_services.victim_create(actor=actor, case=case, **fields)


def make_order(subject: Subject, *, status: str, reference: str = "", actor: Any = None) -> Any:
    """An orders.Order for `subject`, filling any other required fields generically."""
    from desist.orders.models import Order as model

    values: dict[str, Any] = {
        "subject": subject,
        "force": subject.force,
        "status": status,
        "reference": reference or f"SPO-{next(_seq)}",
    }
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in values or f.has_default() or f.null or f.auto_created:
            continue
        if isinstance(f, models.ForeignKey):
            label = f.related_model._meta.label
            if label == "accounts.User" and actor is not None:
                values[f.name] = actor
            elif label == "core.Organisation":
                values[f.name] = subject.force
            else:
                raise TypeError(f"cannot fill orders.Order.{f.name} generically")
        elif f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.DateTimeField):
            values[f.name] = timezone.now()
        elif isinstance(f, models.DateField):
            values[f.name] = timezone.localdate() - dt.timedelta(days=30)
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            values[f.name] = 1
        elif isinstance(f, models.CharField | models.TextField):
            values[f.name] = "test"
    return model._default_manager.create(**values)


def count_queries(client: Any, url: str, connection: Any, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(ctx.captured_queries)


def assert_ladder(
    client: Any,
    users: dict[RoleCode, Any],
    url: str,
    *,
    allowed: set[RoleCode] = POLICE_ROLES,
    denied_statuses: tuple[int, ...] = (403, 404),
) -> None:
    """Anonymous -> login; each role -> 200 if allowed, else 403/404."""
    client.logout()
    response = client.get(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/accounts/login/"), url
    for role, user in users.items():
        client.force_login(user)
        status = client.get(url).status_code
        if role in allowed:
            assert status == 200, (url, role, status)
        else:
            assert status in denied_statuses, (url, role, status)
    client.logout()


# --- fixtures (imported by each casework app's tests/conftest.py) -------------------------


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_OFFICER]


@pytest.fixture
def outsider(make_user: Any, orgs: Any) -> Any:
    """A police officer of another force."""
    return make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])


@pytest.fixture
def subject(officer: Any) -> Subject:
    return make_subject(officer, first_names="Zoë Anne", last_name="O'Brien-Smith")


@pytest.fixture
def case(officer: Any, subject: Subject) -> Case:
    return make_case(officer, subject)
