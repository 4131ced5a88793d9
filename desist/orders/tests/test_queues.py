"""Home-page queues: content, order, tags, counts, other force, fixed queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from desist.home.queues import _SPECS, QueueResult
from desist.orders import actions as services
from desist.orders import dates, queues
from desist.orders.models import Hearing, Notification
from desist.orders.tests.helpers import (
    add_term,
    ago,
    ahead,
    applied,
    breach,
    full,
    interim,
    make_case,
    make_subject,
    make_victim,
)

KEYS = ("police.applications", "police.notifications", "police.expiring", "police.breaches")


def test_providers_are_registered_by_the_app() -> None:
    assert _SPECS["police.applications"].provider is queues.applications
    assert _SPECS["police.notifications"].provider is queues.notifications
    assert _SPECS["police.expiring"].provider is queues.expiring
    assert _SPECS["police.breaches"].provider is queues.breaches


def test_applications_awaiting_hearing(officer: Any, force: Any) -> None:
    old = applied(officer, make_subject(force), on=ago(40))
    new = applied(officer, make_subject(force), on=ago(10))
    services.order_record_hearing(
        actor=officer,
        order=new,
        version=new.version,
        heard_on=ago(5),
        kind=Hearing.Kind.INTERIM,
        outcome=Hearing.Outcome.ADJOURNED,
        adjourned_to=ahead(7),
    )
    interim(officer, make_subject(force))  # decided: not in the queue
    result = queues.applications(officer)
    assert result.count == 2
    assert [r.label.split(":")[0] for r in result.rows] == [old.reference, new.reference]
    assert "next hearing" in result.rows[1].detail
    assert result.more_url == "/orders/?queue=applications&view=force"


def test_notifications_due_and_overdue_overdue_first(officer: Any, force: Any) -> None:
    due = interim(officer, make_subject(force), made=ago(2), expires=ahead(30), served=ago(1))
    overdue = interim(officer, make_subject(force), made=ago(20), expires=ahead(30), served=ago(10))
    today_due = interim(officer, make_subject(force), made=ago(3), expires=ahead(30), served=ago(2))
    received = interim(officer, make_subject(force), made=ago(20), expires=ahead(30), served=ago(9))
    services.notification_record_received(
        actor=officer, notification=Notification.objects.get(order=received), received_on=ago(8)
    )
    result = queues.notifications(officer)
    assert result.count == 3
    refs = [r.label.split(":")[0] for r in result.rows]
    assert refs == [overdue.reference, today_due.reference, due.reference]
    assert result.rows[0].tag == "Overdue by 8 days"
    assert result.rows[1].tag == "Due today"
    assert result.rows[2].tag == "Due"
    assert result.rows[0].url.endswith("#notifications")


def test_expiring_within_the_window(officer: Any, force: Any, settings: Any) -> None:
    def made_ending_in(days: int) -> Any:
        ends = ahead(days)
        made = ends.replace(year=ends.year - 2) if (ends.month, ends.day) != (2, 29) else ends
        return full(
            officer, make_subject(force), made=made, ends=ends, on=made - dt.timedelta(days=5)
        )

    inside = made_ending_in(30)
    edge = made_ending_in(56)
    made_ending_in(57)  # outside the default window
    full(officer, make_subject(force), made=ago(10), until_further_order=True)
    result = queues.expiring(officer)
    assert result.count == 2
    assert [r.label.split(":")[0] for r in result.rows] == [inside.reference, edge.reference]
    assert result.rows[0].tag == "Review for renewal"
    settings.DESIST_ORDER_REVIEW_WINDOW_DAYS = 60
    assert queues.expiring(officer).count == 3
    settings.DESIST_ORDER_REVIEW_WINDOW_DAYS = 10
    assert queues.expiring(officer).count == 0
    assert dates.review_window_days() == 10


def test_expiring_includes_an_unrecorded_expiry(officer: Any, force: Any) -> None:
    full(officer, make_subject(force), made=ago(800))
    result = queues.expiring(officer)
    assert result.count == 1 and result.rows[0].tag == "End date passed"


def test_breaches_in_the_last_30_days(officer: Any, force: Any) -> None:
    subject = make_subject(force)
    order = interim(officer, subject, made=ago(100), expires=ahead(30))
    term = add_term(officer, order, make_victim(make_case(subject)))
    breach(officer, order, term, ago(31))
    recent = breach(officer, order, term, ago(30))
    newest = breach(officer, order, term, ago(1), police_action="caution")
    result = queues.breaches(officer)
    assert result.count == 2
    assert result.rows[0].tag == "Caution" and result.rows[1].tag == "Arrest"
    assert newest.occurred_on > recent.occurred_on


def test_other_force_sees_no_rows(officer: Any, outsider: Any, force: Any) -> None:
    subject = make_subject(force)
    order = interim(officer, subject, made=ago(20), expires=ahead(30), served=ago(10))
    breach(officer, order, add_term(officer, order, make_victim(make_case(subject))), ago(1))
    applied(officer, make_subject(force))
    full(officer, make_subject(force), made=ago(700))
    for provider in (queues.applications, queues.notifications, queues.expiring, queues.breaches):
        assert provider(officer).count == 1
        result = provider(outsider)
        assert result == QueueResult(count=0, rows=[], more_url=result.more_url)


def _queries(provider: Any, actor: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        provider(actor)
    return len(ctx.captured_queries)


def test_queue_query_counts_are_fixed(officer: Any, force: Any) -> None:
    providers = (queues.applications, queues.notifications, queues.expiring, queues.breaches)
    officer.role_codes  # noqa: B018  (load the cached roles outside the measurement)
    first = {p: _queries(p, officer) for p in providers}
    for i in range(7):
        subject = make_subject(force)
        applied(officer, subject)
        order = interim(officer, subject, made=ago(20), expires=ahead(30), served=ago(10 - i))
        breach(officer, order, add_term(officer, order, make_victim(make_case(subject))), ago(1))
        full(officer, subject, made=ago(700 - i))
    for p in providers:
        assert p(officer).count >= 5
        # 3: the user's live break-glass grants are read first (policy._break_glass_q, issue 21)
        assert _queries(p, officer) == first[p] <= 3, p
