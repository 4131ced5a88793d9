"""The API's access matrix (issue 17): which key, with which scopes, gets what for each
resource; a Surrey key gets 404 for every Sussex record; a provider key's answers carry no
victim identifier. The matrix mirrors the pages': the same selectors and policy answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desist.api.tests.conftest import World, bearer
from desist.sharing import redaction

ALL_POLICE = ("orders:read", "victims:read", "referrals:read", "alerts:read", "alerts:ack")
PROVIDER_ALL = ("referrals:read", "alerts:read", "alerts:ack")


def _urls(w: World) -> dict[str, str]:
    s = w.sussex
    return {
        "orders": "/api/v1/orders",
        "order": f"/api/v1/orders/{s.order.pk}",
        "alerts": "/api/v1/alerts",
        "alert": f"/api/v1/alerts/{s.alert.pk}",
        "referrals": "/api/v1/referrals",
        "referral": f"/api/v1/referrals/{s.referral.pk}",
    }


# key (organisation, scopes) -> resource -> status, every resource being Sussex's.
MATRIX: dict[str, tuple[str, tuple[str, ...], dict[str, int]]] = {
    "sussex police, every scope": (
        "sussex",
        ALL_POLICE,
        {
            "orders": 200,
            "order": 200,
            "alerts": 200,
            "alert": 200,
            "referrals": 200,
            "referral": 200,
        },
    ),
    "sussex police, orders only": (
        "sussex",
        ("orders:read",),
        {
            "orders": 200,
            "order": 200,
            "alerts": 403,
            "alert": 403,
            "referrals": 403,
            "referral": 403,
        },
    ),
    "sussex police, alerts only": (
        "sussex",
        ("alerts:read",),
        {
            "orders": 403,
            "order": 403,
            "alerts": 200,
            "alert": 200,
            "referrals": 403,
            "referral": 403,
        },
    ),
    "surrey police, every scope": (
        "surrey",
        ALL_POLICE,
        {
            "orders": 200,
            "order": 404,
            "alerts": 200,
            "alert": 404,
            "referrals": 200,
            "referral": 404,
        },
    ),
    # The provider the referral went to: the referral, never the order; not the police alert.
    "provider, every scope it may hold": (
        "provider",
        PROVIDER_ALL,
        {
            "orders": 403,
            "order": 403,
            "alerts": 200,
            "alert": 404,
            "referrals": 200,
            "referral": 200,
        },
    ),
    "advocacy, alerts": (
        "advocacy",
        ("alerts:read",),
        {
            "orders": 403,
            "order": 403,
            "alerts": 200,
            "alert": 404,
            "referrals": 403,
            "referral": 403,
        },
    ),
}


def _org(w: World, name: str) -> Any:
    return {
        "sussex": w.sussex.force,
        "surrey": w.surrey.force,
        "provider": w.provider,
        "advocacy": w.advocacy,
    }[name]


@pytest.mark.parametrize("case", sorted(MATRIX))
def test_api_access_matrix(client: Any, world: World, issue_key: Any, case: str) -> None:
    org, scopes, expected = MATRIX[case]
    token = issue_key(_org(world, org), *scopes)
    urls = _urls(world)
    got = {name: client.get(url, **bearer(token)).status_code for name, url in urls.items()}
    assert got == expected


@pytest.mark.parametrize("name", ["orders", "order", "alerts", "alert", "referrals", "referral"])
def test_without_a_key_every_resource_is_401(client: Any, world: World, name: str) -> None:
    response = client.get(_urls(world)[name])
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def _ids(payload: Any) -> set[int]:
    return {item["id"] for item in payload["items"]}


def test_a_surrey_key_gets_404_for_every_sussex_record(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.surrey.force, *ALL_POLICE)
    s = world.sussex
    sussex_alerts = [a.pk for a in type(s.alert).objects.filter(recipient_organisation=s.force)]
    for url in (
        f"/api/v1/orders/{s.order.pk}",
        f"/api/v1/referrals/{s.referral.pk}",
        *(f"/api/v1/alerts/{pk}" for pk in sussex_alerts),
    ):
        response = client.get(url, **bearer(token))
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
    for pk in sussex_alerts:
        response = client.post(
            f"/api/v1/alerts/{pk}/acknowledge",
            data={"read_by": "PC 1234 Example", "note": ""},
            content_type="application/json",
            HTTP_IF_MATCH="*",
            **bearer(token),
        )
        assert response.status_code == 404
    # And no Sussex row in Surrey's lists (Surrey's own are there: the lists work).
    orders = client.get("/api/v1/orders", **bearer(token)).json()
    assert _ids(orders) == {world.surrey.order.pk}
    alerts = client.get("/api/v1/alerts", **bearer(token)).json()
    assert _ids(alerts) and not _ids(alerts) & set(sussex_alerts)
    assert client.get("/api/v1/referrals", **bearer(token)).json()["items"] == []
    assert type(s.alert).objects.get(pk=s.alert.pk).acknowledged_at is None


def _every_answer(client: Any, token: str) -> list[tuple[str, str]]:
    """Every list and every record in them, as text (non-ASCII kept as it is)."""
    texts = []
    for resource in ("orders", "alerts", "referrals"):
        listing = client.get(f"/api/v1/{resource}", **bearer(token))
        if listing.status_code != 200:
            continue
        payload = listing.json()
        texts.append((resource, json.dumps(payload, ensure_ascii=False)))
        for item in payload["items"]:
            one = client.get(f"/api/v1/{resource}/{item['id']}", **bearer(token))
            assert one.status_code == 200
            texts.append((f"{resource}/{item['id']}", json.dumps(one.json(), ensure_ascii=False)))
    return texts


def _victim_kinds(world: World, text: str) -> list[str]:
    # The redaction guard's own word list: every identifier of every victim linked to either
    # subject (names, address, postcode, phone, email, ...), matched as the guard matches.
    found: list[str] = []
    for subject in (world.sussex.subject, world.surrey.subject):
        found += redaction.identifiers_for(subject).kinds_in(text)
    return found


def test_a_provider_key_gets_no_victim_identifier(
    client: Any, world: World, issue_key: Any
) -> None:
    texts = _every_answer(client, issue_key(world.provider, *PROVIDER_ALL))
    assert {name.split("/")[0] for name, _ in texts} == {"alerts", "referrals"}
    referral = next(t for n, t in texts if n == f"referrals/{world.sussex.referral.pk}")
    assert "Must not contact the protected person" in referral  # the provider's terms came
    leaks = {name: _victim_kinds(world, text) for name, text in texts}
    assert not any(leaks.values()), leaks


def test_the_check_would_see_a_victim(client: Any, world: World, issue_key: Any) -> None:
    """Positive control: the owning force's key with victims:read is shown the victim's name
    and the court's wording on its own order, and the same check finds them."""
    texts = _every_answer(client, issue_key(world.sussex.force, *ALL_POLICE))
    order = next(t for n, t in texts if n == f"orders/{world.sussex.order.pk}")
    assert {"name", "address"} <= set(_victim_kinds(world, order))


def test_without_victims_read_a_police_key_gets_references_and_provider_wording(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, "orders:read")
    order = client.get(f"/api/v1/orders/{world.sussex.order.pk}", **bearer(token)).json()
    [term] = order["terms"]
    assert term["protected"] == [world.sussex.victim.reference]
    assert term["area"] == "" and "Ysolde" not in term["wording"]
    assert not _victim_kinds(world, json.dumps(order, ensure_ascii=False))
