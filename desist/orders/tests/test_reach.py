"""Mine, my team, force (issue 19): each police queue and list narrows to the officer's own
work or their team's, inside the force's scope, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desist.cases.ownership import case_assign
from desist.core.reach import Reach
from desist.core.roles import RoleCode
from desist.core.tests.exporting import download
from desist.orders import actions, queues
from desist.orders.lookups import order_list_for
from desist.orders.tests.helpers import ago, ahead, applied, interim, make_case, make_subject
from desist.people import queues as people_queues

R = RoleCode


def _teamed(make_user: Any, force: Any, team: str, role: RoleCode = R.POLICE_OFFICER) -> Any:
    user = make_user(role, organisation=force)
    user.team = team
    user.save(update_fields=["team"])
    return user


@pytest.fixture
def crew(make_user: Any, force: Any, supervisor: Any) -> dict[str, Any]:
    """Two officers in the East team, one in the West, and orders owned by each."""
    east = _teamed(make_user, force, "East")
    mate = _teamed(make_user, force, "East")
    west = _teamed(make_user, force, "West")
    owned = {}
    for name, who in (("east", east), ("mate", mate), ("west", west)):
        order = applied(supervisor, make_subject(force))
        actions.order_assign(
            actor=supervisor, order=order, version=order.version, officer_id=who.pk
        )
        owned[name] = order
    applied(supervisor, make_subject(force))  # nobody's yet: force view only
    return {"east": east, "mate": mate, "west": west, "orders": owned}


def _refs(result: Any) -> set[str]:
    return {row.label.split(":")[0] for row in result.rows}


def test_queue_views(crew: dict[str, Any]) -> None:
    east, orders = crew["east"], crew["orders"]
    mine = queues.applications(east, Reach.MINE)
    assert _refs(mine) == {orders["east"].reference} and mine.count == 1
    team = queues.applications(east, Reach.TEAM)
    assert _refs(team) == {orders["east"].reference, orders["mate"].reference}
    assert queues.applications(east, Reach.FORCE).count == 4
    assert mine.more_url.endswith("view=mine")


def test_someone_in_no_team_has_no_team_work(make_user: Any, force: Any, crew: Any) -> None:
    loner = make_user(R.POLICE_OFFICER, organisation=force)
    assert queues.applications(loner, Reach.TEAM).count == 0
    assert queues.applications(loner, Reach.FORCE).count == 4


def test_another_force_sees_nothing_in_any_view(crew: Any, make_user: Any, orgs: Any) -> None:
    surrey = _teamed(make_user, orgs["other_police_force"], "East")  # same team name
    for reach in Reach:
        assert queues.applications(surrey, reach).count == 0


def test_home_page_switches_views_and_audits_which(client: Any, crew: dict[str, Any]) -> None:
    east, orders = crew["east"], crew["orders"]
    client.force_login(east)
    page = client.get(reverse("core:home")).content.decode()  # "mine" by default
    assert orders["east"].reference in page and orders["mate"].reference not in page
    assert 'aria-current="page">Mine<' in page
    team = client.get(reverse("core:home"), {"view": "team"}).content.decode()
    assert orders["mate"].reference in team and orders["west"].reference not in team
    force = client.get(reverse("core:home"), {"view": "force"}).content.decode()
    assert orders["west"].reference in force
    odd = client.get(reverse("core:home"), {"view": "everyone"}).content.decode()
    assert orders["mate"].reference not in odd  # an unknown view is "mine", never wider


def test_register_and_export_follow_the_view(client: Any, crew: dict[str, Any]) -> None:
    east, orders = crew["east"], crew["orders"]
    client.force_login(east)
    page = client.get(reverse("orders:list"), {"view": "mine"}).content.decode()
    assert orders["east"].reference in page and orders["west"].reference not in page
    assert "1 order<" in page
    assert "view=mine" in page  # the downloads keep the view
    csv = download(client, reverse("orders:export_csv"), {"view": "team"}).content.decode()
    assert orders["mate"].reference in csv and orders["west"].reference not in csv
    everything = client.get(reverse("orders:list")).content.decode()
    assert "4 orders<" in everything


def test_register_sorts(client: Any, crew: dict[str, Any], force: Any, supervisor: Any) -> None:
    client.force_login(crew["east"])
    refs = sorted(o.reference for o in crew["orders"].values())
    page = client.get(reverse("orders:list"), {"view": "force", "sort": "reference"})
    shown = [o.reference for o in page.context["page"]]
    assert [r for r in shown if r in refs] == refs


def test_subject_queues_follow_cases_and_orders(
    client: Any, crew: dict[str, Any], supervisor: Any, force: Any
) -> None:
    east = crew["east"]
    subject = make_subject(force)
    interim(supervisor, subject, made=ago(5), expires=ahead(30))
    case = make_case(subject)
    case_assign(actor=supervisor, case=case, version=case.version, officer_id=east.pk)
    mine = people_queues.not_considered(east, Reach.MINE)
    assert [r.label for r in mine.rows] == [subject.full_name]
    assert people_queues.not_considered(crew["west"], Reach.MINE).count == 0
    client.force_login(east)
    page = client.get(reverse("people:list"), {"queue": "not_considered", "view": "mine"})
    assert [s.pk for s in page.context["page"]] == [subject.pk]


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("core:home"), {"view": "mine"}).status_code == 200
    return len(ctx.captured_queries)


def test_home_queries_do_not_grow_with_the_work(
    client: Any, crew: dict[str, Any], supervisor: Any, force: Any
) -> None:
    east = crew["east"]
    client.force_login(east)
    _home_queries(client)  # warm the session and caches
    before = _home_queries(client)
    for _ in range(6):
        order = interim(
            supervisor, make_subject(force), made=ago(20), expires=ahead(30), served=ago(10)
        )
        actions.order_assign(
            actor=supervisor, order=order, version=order.version, officer_id=east.pk
        )
    assert _home_queries(client) == before


def test_interim_orders_about_to_lapse_mine_team_force(
    make_user: Any, force: Any, supervisor: Any
) -> None:
    """s.5: an interim order lapses at the end of its fixed period; those within 7 days (or
    lapsed and not yet recorded) are listed, soonest first, in each of the three views."""
    east = _teamed(make_user, force, "East")
    mate = _teamed(make_user, force, "East")
    west = _teamed(make_user, force, "West")

    def owned(who: Any, expires_in: int) -> Any:
        order = interim(supervisor, make_subject(force), made=ago(40), expires=ahead(expires_in))
        actions.order_assign(
            actor=supervisor, order=order, version=order.version, officer_id=who.pk
        )
        return order

    soon = owned(east, 3)
    today = owned(mate, 0)
    edge = owned(west, 7)
    owned(east, 8)  # outside the window
    lapsed = interim(supervisor, make_subject(force), made=ago(40), expires=ago(1))
    mine = queues.interim_lapsing(east, Reach.MINE)
    assert _refs(mine) == {soon.reference} and mine.count == 1
    assert mine.rows[0].tag == "Lapses in 3 days"
    assert mine.more_url.endswith("queue=interim_lapsing&view=mine")
    team = queues.interim_lapsing(east, Reach.TEAM)
    assert [r.label.split(":")[0] for r in team.rows] == [today.reference, soon.reference]
    assert team.rows[0].tag == "Lapses today"
    whole = queues.interim_lapsing(east, Reach.FORCE)
    assert [r.label.split(":")[0] for r in whole.rows] == [
        lapsed.reference,
        today.reference,
        soon.reference,
        edge.reference,
    ]
    assert whole.rows[0].tag == "Lapsed" and whole.rows[3].tag == "Lapses in 7 days"
    # The "more" link lists the same orders.
    listed = set(
        order_list_for(actor=east, queue="interim_lapsing", reach=Reach.TEAM).values_list(
            "reference", flat=True
        )
    )
    assert listed == {today.reference, soon.reference}
