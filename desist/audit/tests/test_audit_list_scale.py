"""The audit log page at volume: fixed queries, capped count, record types, date ranges.

Timings are measured by benchmarks/pages.py, not here; these tests pin what makes the page
cheap (query counts, the count limit, index-friendly filters) and that it still shows the same
entries to the same people.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.audit import selectors
from desist.audit.models import AuditEvent, Category
from desist.audit.selectors import AuditFilters, audit_event_page_for, audit_object_types_for
from desist.audit.services import audit_record
from desist.core.roles import RoleCode

R = RoleCode
LONDON = ZoneInfo("Europe/London")


def _queries(client: Any, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("audit:list"), params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [R.OVERSEER, R.POLICE_SUPERVISOR])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "consultation"},
        {"username": "nobody-in-particular", "date_from": "2026-01-01"},
        {"page": "2"},
    ],
)
def test_query_count_does_not_grow_with_rows_or_record_types(
    client: Any, users: dict[RoleCode, Any], role: RoleCode, params: dict[str, str]
) -> None:
    officer = users[R.POLICE_OFFICER]
    client.force_login(users[role])
    client.get(reverse("audit:list"))  # sessions, first-request work
    audit_record(actor=officer, category=Category.CONSULTATION, verb="test.q", obj=officer)
    few = _queries(client, params)
    for i in range(60):
        audit_record(
            actor=officer,
            category=Category.CONSULTATION,
            verb=f"test.q{i}",
            object_type=f"test.Type{i % 12}",
            object_id=str(i),
        )
    assert _queries(client, params) == few


def test_query_count_is_the_same_beyond_the_count_limit(
    client: Any, users: dict[RoleCode, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(users[R.OVERSEER])
    client.get(reverse("audit:list"))
    within = _queries(client)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    for i in range(5):
        audit_record(actor=users[R.POLICE_OFFICER], category=Category.CONSULTATION, verb=f"t{i}")
    assert _queries(client) == within


def test_beyond_the_count_limit_the_page_says_more_than_and_pages_on(
    users: dict[RoleCode, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    overseer = users[R.OVERSEER]
    made = [
        audit_record(actor=users[R.POLICE_OFFICER], category=Category.CONSULTATION, verb=f"t{i}")
        for i in range(7)
    ]
    newest_first = [e.pk for e in reversed(made)]
    total = AuditEvent.objects.count()
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)

    first = audit_event_page_for(actor=overseer, page=None, per_page=2)
    assert first.total is None and first.num_pages is None
    assert [e.pk for e in first] == newest_first[:2]
    assert first.has_next and not first.has_previous

    second = audit_event_page_for(actor=overseer, page="2", per_page=2)
    assert [e.pk for e in second] == newest_first[2:4]
    assert second.has_previous and second.previous_page_number == 1
    assert second.next_page_number == 3

    last = (total + 1) // 2
    assert not audit_event_page_for(actor=overseer, page=str(last), per_page=2).has_next
    assert audit_event_page_for(actor=overseer, page="nonsense", per_page=2).number == 1
    assert audit_event_page_for(actor=overseer, page="-4", per_page=2).number == 1


def test_within_the_count_limit_paging_is_djangos(users: dict[RoleCode, Any]) -> None:
    overseer = users[R.OVERSEER]
    for i in range(5):
        audit_record(actor=users[R.POLICE_OFFICER], category=Category.CONSULTATION, verb=f"t{i}")
    total = AuditEvent.objects.count()
    page = audit_event_page_for(actor=overseer, page="2", per_page=2)
    assert page.total == total
    assert page.num_pages == (total + 1) // 2
    # As Paginator.get_page: not a number -> first page; past the end -> last page.
    assert audit_event_page_for(actor=overseer, page="x", per_page=2).number == 1
    past = audit_event_page_for(actor=overseer, page="999", per_page=2)
    assert past.number == page.num_pages


def test_caption_and_pagination_beyond_the_count_limit(
    client: Any, users: dict[RoleCode, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(60):
        audit_record(actor=users[R.POLICE_OFFICER], category=Category.CONSULTATION, verb=f"t{i}")
    client.force_login(users[R.OVERSEER])
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 10)
    body = client.get(reverse("audit:list"), {"category": "consultation"}).content.decode()
    assert "More than 10 entries" in body
    assert "Page 1<" in body and "Page 1 of" not in body
    assert 'rel="next"' in body and "category=consultation&amp;page=2" in body
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 10_000)
    # Browsing the log is itself a consultation (issue 12): the first visit added one.
    shown = AuditEvent.objects.filter(category=Category.CONSULTATION).count()
    assert shown == 61
    body = client.get(reverse("audit:list"), {"category": "consultation"}).content.decode()
    assert f"{shown} entries" in body and "Page 1 of 2" in body


def test_record_types_are_those_the_auditor_may_see(
    users: dict[RoleCode, Any], make_user: Any, orgs: Any
) -> None:
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    officer = users[R.POLICE_OFFICER]
    for actor, object_type in [
        (officer, "cases.Case"),
        (officer, "cases.Case"),
        (officer, "orders.Order"),
        (officer, ""),
        (outsider, "people.Subject"),
        (outsider, "Zebra.Type"),
    ]:
        audit_record(actor=actor, category=Category.CONSULTATION, verb="t", object_type=object_type)
    everything = {t for t in AuditEvent.objects.values_list("object_type", flat=True) if t}
    assert audit_object_types_for(actor=users[R.OVERSEER]) == sorted(everything)
    own = {
        t
        for t in AuditEvent.objects.filter(organisation_id=officer.organisation_id).values_list(
            "object_type", flat=True
        )
        if t
    }
    assert audit_object_types_for(actor=users[R.POLICE_SUPERVISOR]) == sorted(own)
    assert "people.Subject" not in own and {"cases.Case", "orders.Order"} <= own
    # No audit permission, no types (and no query error).
    assert audit_object_types_for(actor=users[R.POLICE_OFFICER]) == []


def _event_at(when: dt.datetime, verb: str) -> AuditEvent:
    # Inserting with a chosen time (the service stamps "now"); INSERT is all the table allows.
    return AuditEvent.objects.create(
        occurred_at=when, actor_username="clock", category=Category.SECURITY, verb=verb
    )


@pytest.mark.parametrize("day", [dt.date(2026, 1, 15), dt.date(2026, 7, 15)])  # GMT and BST
def test_date_filters_are_whole_local_days(users: dict[RoleCode, Any], day: dt.date) -> None:
    def local(d: dt.date, h: int, m: int) -> dt.datetime:
        return dt.datetime(d.year, d.month, d.day, h, m, tzinfo=LONDON)

    before = _event_at(local(day - dt.timedelta(days=1), 23, 59), "before")
    start = _event_at(local(day, 0, 0), "start")
    late = _event_at(local(day, 23, 59), "late")
    after = _event_at(local(day + dt.timedelta(days=1), 0, 0), "after")
    ours = [before.pk, start.pk, late.pk, after.pk]

    def ids(f: AuditFilters) -> set[int]:
        qs = selectors.audit_event_list_for(actor=users[R.OVERSEER], filters=f)
        return set(qs.filter(pk__in=ours).values_list("pk", flat=True))

    assert ids(AuditFilters(date_from=day, date_to=day)) == {start.pk, late.pk}
    assert ids(AuditFilters(date_from=day)) == {start.pk, late.pk, after.pk}
    assert ids(AuditFilters(date_to=day)) == {before.pk, start.pk, late.pk}
    # The same rows as the local-date lookup the filter replaced.
    same = AuditEvent.objects.filter(pk__in=ours, occurred_at__date=day)
    assert set(same.values_list("pk", flat=True)) == {start.pk, late.pk}


def test_extreme_dates_are_accepted(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[R.OVERSEER])
    response = client.get(
        reverse("audit:list"), {"date_from": "0001-01-01", "date_to": "9999-12-31"}
    )
    assert response.status_code == 200


def test_username_filter_ignores_case(client: Any, users: dict[RoleCode, Any]) -> None:
    officer = users[R.POLICE_OFFICER]
    e = audit_record(actor=officer, category=Category.CONSULTATION, verb="test.case")
    client.force_login(users[R.OVERSEER])
    page = client.get(reverse("audit:list"), {"username": officer.username.upper()})
    assert e.pk in {x.pk for x in page.context["page"]}
