"""Selectors: scope by force, 404 out of scope, victims as references without identity access."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from desist import policy
from desist.core.roles import RoleCode
from desist.orders import selectors
from desist.orders.models import OrderStatus
from desist.orders.references import term_protected_ids, victim_reference
from desist.orders.tests.helpers import (
    VICTIM_NAME,
    add_term,
    ago,
    applied,
    breach,
    full,
    make_subject,
)
from desist.policy import Perm


def test_list_and_get_are_scoped(
    officer: Any, outsider: Any, users: dict[RoleCode, Any], subject: Any
) -> None:
    order = applied(officer, subject)
    assert list(selectors.order_list_for(actor=officer)) == [order]
    assert list(selectors.order_list_for(actor=outsider)) == []
    assert selectors.order_get_for(actor=officer, order_id=order.pk) == order
    for actor in (outsider, users[RoleCode.PRACTITIONER], users[RoleCode.SYSTEM_ADMIN]):
        with pytest.raises(Http404):
            selectors.order_get_for(actor=actor, order_id=order.pk)
        assert not selectors.order_list_for(actor=actor).exists()
    with pytest.raises(Http404):
        selectors.order_get_for(actor=officer, order_id=order.pk + 1000)


def test_status_filter(officer: Any, force: Any) -> None:
    a = applied(officer, make_subject(force))
    b = full(officer, make_subject(force), made=ago(30))
    assert list(selectors.order_list_for(actor=officer, status="full")) == [b]
    assert list(selectors.order_list_for(actor=officer, status="applied")) == [a]
    assert list(selectors.order_list_for(actor=officer, status="bogus")) == []
    assert list(selectors.order_list_for(actor=officer, queue="bogus")) == []


def test_orders_for_subject(officer: Any, outsider: Any, subject: Any, force: Any) -> None:
    mine = [applied(officer, subject), full(officer, subject, made=ago(30))]
    applied(officer, make_subject(force))
    assert set(selectors.orders_for_subject(actor=officer, subject=subject)) == set(mine)
    assert list(selectors.orders_for_subject(actor=outsider, subject=subject)) == []
    # The people app reaches orders by this name and these statuses.
    assert {o.status for o in subject.orders.all()} == {OrderStatus.APPLIED, OrderStatus.FULL}


def test_victims_are_references_without_identity_access(
    officer: Any, subject: Any, victim: Any, monkeypatch: Any
) -> None:
    order = full(officer, subject, made=ago(30))
    term = add_term(officer, order, victim)
    breach(officer, order, term, ago(1))
    ref = f"V{victim.pk:06d}"
    page = selectors.order_page_for(actor=officer, order_id=order.pk)
    assert page.terms[0].protected == [f"{VICTIM_NAME[0]} {VICTIM_NAME[1]} ({ref})"]
    without = policy.ROLE_PERMISSIONS[RoleCode.POLICE_OFFICER] - {Perm.VICTIM_IDENTITY_VIEW}
    monkeypatch.setitem(policy.ROLE_PERMISSIONS, RoleCode.POLICE_OFFICER, without)
    page = selectors.order_page_for(actor=officer, order_id=order.pk)
    assert page.terms[0].protected == [ref]
    # Without identity access the court's wording is not shown at all (not redacted): the
    # description written for the provider is.
    assert page.terms[0].wording == "Must not contact the protected person by any means."
    assert page.terms[0].area == ""
    assert page.breaches[0].term_wording == page.terms[0].wording
    choices = selectors.protectable_victim_choices_for(actor=officer, order=order)
    assert choices == [(victim.pk, ref)]


def test_police_see_the_wording_and_what_the_provider_sees(
    officer: Any, subject: Any, victim: Any
) -> None:
    order = full(officer, subject, made=ago(30))
    add_term(officer, order, victim, area="Wisteria Crescent")
    legacy = add_term(officer, order, victim)
    type(legacy).objects.filter(pk=legacy.pk).update(provider_description="")
    page = selectors.order_page_for(actor=officer, order_id=order.pk)
    first, second = page.terms
    assert first.police_wording and first.wording.startswith(f"Must not contact {VICTIM_NAME[0]}")
    assert first.area == "Wisteria Crescent"
    assert first.for_provider == "Must not contact the protected person by any means."
    assert second.for_provider == "Wording held by police"


def test_protected_ids_come_from_the_through_table(officer: Any, subject: Any, victim: Any) -> None:
    order = full(officer, subject, made=ago(30))
    term = add_term(officer, order, victim)
    assert term_protected_ids([term.pk]) == {term.pk: [victim.pk]}
    assert victim_reference(victim.pk) == f"V{victim.pk:06d}"
