from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from desist.core.roles import RoleCode
from desist.people import selectors, services
from desist.people.models import Subject
from desist.people.selectors import SubjectSearch
from desist.people.tests.factories import make_case, make_order, make_subject, pnc

R = RoleCode


def _search(actor: Any, text: str = "", dob: dt.date | None = None) -> set[int]:
    return {
        s.pk
        for s in selectors.subject_search_for(
            actor=actor, search=SubjectSearch(text=text, date_of_birth=dob)
        )
    }


def test_list_is_own_force_only_newest_first(officer: Any, outsider: Any) -> None:
    a = make_subject(officer)
    b = make_subject(officer)
    make_subject(outsider)
    assert list(selectors.subject_list_for(actor=officer)) == [b, a]


@pytest.mark.parametrize("role", list(RoleCode))
def test_list_empty_for_roles_without_access(
    users: dict[RoleCode, Any], officer: Any, role: RoleCode
) -> None:
    make_subject(officer)
    expected = 1 if role in {R.POLICE_OFFICER, R.POLICE_SUPERVISOR} else 0
    assert selectors.subject_list_for(actor=users[role]).count() == expected


def test_get_for_other_force_is_404(outsider: Any, subject: Subject) -> None:
    with pytest.raises(Http404):
        selectors.subject_get_for(actor=outsider, subject_id=subject.pk)
    with pytest.raises(Http404):
        selectors.subject_page_for(actor=outsider, subject_id=subject.pk)


# --- search -------------------------------------------------------------------------------


def test_search_by_name_is_case_and_accent_insensitive(officer: Any, subject: Subject) -> None:
    assert _search(officer, "zoe") == {subject.pk}
    assert _search(officer, "ZOË o'brien") == {subject.pk}
    assert _search(officer, "obrien smi") == {subject.pk}  # prefixes and substrings
    assert _search(officer, "brie") == {subject.pk}
    assert _search(officer, "zoe jones") == set()  # every word must match


def test_search_by_alias(officer: Any, subject: Subject) -> None:
    services.subject_alias_add(actor=officer, subject=subject, name="Zédd Kowalski")
    assert _search(officer, "kowal") == {subject.pk}
    assert _search(officer, "zedd KOWALSKI") == {subject.pk}
    # Words spread across the real name and an alias do not match.
    assert _search(officer, "anne kowalski") == set()


def test_search_by_pnc_however_written(officer: Any) -> None:
    s = make_subject(officer, pnc_number=pnc("2019", "0001234"))
    short = pnc("19", "1234")
    assert _search(officer, short) == {s.pk}
    assert _search(officer, short.lower().replace("/", " / ")) == {s.pk}
    assert _search(officer, s.pnc_number) == {s.pk}


def test_search_by_crime_reference(officer: Any, subject: Subject) -> None:
    case = make_case(officer, subject, crime_reference="47/123456/25")
    make_subject(officer)
    assert _search(officer, case.crime_reference.lower()) == {subject.pk}


def test_search_date_of_birth_exact_and_combined(officer: Any) -> None:
    a = make_subject(
        officer, first_names="Sam", last_name="Jones", date_of_birth=dt.date(1980, 2, 3)
    )
    b = make_subject(
        officer, first_names="Sam", last_name="Jones", date_of_birth=dt.date(1981, 2, 3)
    )
    assert _search(officer, dob=dt.date(1980, 2, 3)) == {a.pk}
    assert _search(officer, "sam jones") == {a.pk, b.pk}
    assert _search(officer, "sam jones", dt.date(1981, 2, 3)) == {b.pk}


def test_search_only_within_own_force(officer: Any, outsider: Any, subject: Subject) -> None:
    make_case(officer, subject, crime_reference="47/999999/25")
    theirs = make_subject(outsider, first_names="Zoe Anne", last_name="OBrien Smith")
    assert _search(outsider, "zoe") == {theirs.pk}
    assert _search(outsider, "47/999999/25") == set()
    assert _search(officer, "zoe") == {subject.pk}


def test_empty_search_finds_nothing(officer: Any, subject: Subject) -> None:
    assert _search(officer, "   ") == set()


def test_search_by_order_reference(officer: Any, subject: Subject) -> None:
    make_order(subject, status="full", reference="SPO/2025/0042", actor=officer)
    assert _search(officer, "spo/2025/0042") == {subject.pk}


# --- the intervention queue ------------------------------------------------------------------


def test_not_considered_is_empty_without_orders(officer: Any, subject: Subject) -> None:
    assert list(selectors.subjects_not_considered_for(actor=officer)) == []


def test_not_considered_until_a_decision_is_recorded(officer: Any, outsider: Any) -> None:
    interim = make_subject(officer)
    full = make_subject(officer)
    applied = make_subject(officer)
    expired = make_subject(officer)
    theirs = make_subject(outsider)
    make_order(interim, status="interim", actor=officer)
    make_order(full, status="full", actor=officer)
    make_order(full, status="interim", actor=officer)  # two orders: listed once
    make_order(applied, status="applied", actor=officer)
    make_order(expired, status="expired", actor=officer)
    make_order(theirs, status="full", actor=outsider)
    waiting = list(selectors.subjects_not_considered_for(actor=officer))
    assert waiting == [interim, full]
    services.intervention_decision_record(
        actor=officer,
        subject=full,
        decision="put_forward",
        reason="",
        decided_on=timezone.localdate(),
    )
    assert list(selectors.subjects_not_considered_for(actor=officer)) == [interim]
    assert list(selectors.subjects_not_considered_for(actor=outsider)) == [theirs]
    page = selectors.subject_page_for(actor=officer, subject_id=interim.pk)
    assert page.needs_decision and len(page.orders) == 1
