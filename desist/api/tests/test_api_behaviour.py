"""The API's shape (issue 17): cursor pages, updated_since, ETags with If-Match on the one
write (428 without, 412 when stale), problem details for every error, one audit event per
call under the key, and the per-key rate limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from desist.api.tests.conftest import World, bearer
from desist.audit.models import AuditEvent
from desist.orders.tests.helpers import full, make_subject
from desist.sharing.models import Alert

ACK = ("alerts:read", "alerts:ack")


READER = {"read_by": "PC 4471 Example", "note": "Taken into the force's workflow"}


def _ack(client: Any, token: str, alert_id: int, body: Any = None, **headers: Any) -> Any:
    return client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge",
        data=READER if body is None else body,
        content_type="application/json",
        **headers,
        **bearer(token),
    )


def test_acknowledge_needs_if_match_with_the_current_etag(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, *ACK)
    alert = world.sussex.alert
    got = client.get(f"/api/v1/alerts/{alert.pk}", **bearer(token))
    etag = got["ETag"]
    missing = _ack(client, token, alert.pk)
    assert missing.status_code == 428
    assert missing["Content-Type"] == "application/problem+json"
    wrong = _ack(client, token, alert.pk, HTTP_IF_MATCH='"not-the-etag"')
    assert wrong.status_code == 412 and wrong.json()["status"] == 412
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
    done = _ack(client, token, alert.pk, HTTP_IF_MATCH=etag)
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    assert done["ETag"] != etag
    stored = Alert.objects.select_related("acknowledged_by").get(pk=alert.pk)
    assert stored.acknowledged_by.username.startswith("api-key-")
    assert stored.acknowledgement_note == (
        "Read by PC 4471 Example. Taken into the force's workflow"
    )
    assert _ack(client, token, alert.pk, HTTP_IF_MATCH=etag).status_code == 412
    # The command's own audit event, under the key's account.
    assert AuditEvent.objects.filter(
        verb="alert.acknowledge", object_id=str(alert.pk), actor_id=stored.acknowledged_by.pk
    ).exists()


@pytest.mark.parametrize(
    "body",
    [{"note": "Received by the control room system"}, {"read_by": "   ", "note": ""}],
    ids=["no reader", "blank reader"],
)
def test_a_key_must_name_who_read_the_alert_before_it_stops_the_escalation(
    client: Any, world: World, issue_key: Any, body: dict[str, str]
) -> None:
    # A machine acknowledging on receipt would silence the escalation with nobody having read
    # the alert: the key must name the person who did.
    token = issue_key(world.sussex.force, *ACK)
    alert = world.sussex.alert
    refused = _ack(client, token, alert.pk, body, HTTP_IF_MATCH="*")
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_a_key_that_may_only_read_alerts_cannot_acknowledge(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, "alerts:read")
    response = _ack(client, token, world.sussex.alert.pk, HTTP_IF_MATCH="*")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_the_etag_is_stable_until_the_record_changes(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, "orders:read")
    url = f"/api/v1/orders/{world.sussex.order.pk}"
    first, second = (client.get(url, **bearer(token))["ETag"] for _ in range(2))
    assert first == second and first.startswith('"')


def test_cursor_pages_cover_every_row_once(client: Any, world: World, issue_key: Any) -> None:
    officer = world.sussex.officer
    made = {full(officer, make_subject(world.sussex.force)).pk for _ in range(4)}
    token = issue_key(world.sussex.force, "orders:read")
    seen: list[int] = []
    url = "/api/v1/orders?limit=2"
    while url:
        page = client.get(url, **bearer(token)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        url = f"/api/v1/orders?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert sorted(seen) == sorted(made | {world.sussex.order.pk})
    bad = client.get("/api/v1/orders?cursor=bm90LWEtY3Vyc29y", **bearer(token))
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]


def test_the_order_list_runs_a_fixed_number_of_queries(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, "orders:read")
    client.get("/api/v1/orders", **bearer(token))  # warm up
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/orders", **bearer(token))
    for _ in range(3):
        full(world.sussex.officer, make_subject(world.sussex.force))
    with CaptureQueriesContext(connection) as more:
        client.get("/api/v1/orders", **bearer(token))
    assert len(more) == len(few)


def test_updated_since_uses_the_audit_log_of_writes(
    client: Any, world: World, issue_key: Any
) -> None:
    token = issue_key(world.sussex.force, "orders:read", "alerts:read", "referrals:read")
    later = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    earlier = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    for resource in ("orders", "alerts", "referrals"):
        none = client.get(f"/api/v1/{resource}", {"updated_since": later}, **bearer(token))
        assert none.status_code == 200 and none.json()["items"] == [], resource
        some = client.get(f"/api/v1/{resource}", {"updated_since": earlier}, **bearer(token))
        assert some.json()["items"], resource
    # Reading an order is not a write: it does not make the order "updated".
    client.get(f"/api/v1/orders/{world.sussex.order.pk}", **bearer(token))
    after_read = timezone.now().isoformat()
    assert (
        client.get("/api/v1/orders", {"updated_since": after_read}, **bearer(token)).json()["items"]
        == []
    )


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/orders?limit=0", 422),
        ("/api/v1/orders?updated_since=yesterday", 422),
        ("/api/v1/orders/0", 422),
        ("/api/v1/orders/999999", 404),
        ("/api/v1/no-such-thing", 404),
    ],
)
def test_errors_are_problem_details(
    client: Any, world: World, issue_key: Any, url: str, status: int
) -> None:
    response = client.get(url, **bearer(issue_key(world.sussex.force, "orders:read")))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]


def test_a_revoked_or_wrong_key_is_401(client: Any, world: World, issue_key: Any) -> None:
    token = issue_key(world.sussex.force, "orders:read")
    wrong = token[:-4] + "abcd"
    assert client.get("/api/v1/orders", **bearer(wrong)).status_code == 401
    assert client.get("/api/v1/orders", HTTP_AUTHORIZATION=token).status_code == 401


def test_every_call_is_audited_against_its_key(client: Any, world: World, issue_key: Any) -> None:
    token = issue_key(world.sussex.force, "orders:read")
    before = AuditEvent.objects.filter(verb="api.call").count()
    client.get("/api/v1/orders", **bearer(token))
    client.get(f"/api/v1/orders/{world.sussex.order.pk}", **bearer(token))
    client.get(f"/api/v1/orders/{world.surrey.order.pk}", **bearer(token))
    client.get("/api/v1/alerts", **bearer(token))
    events = list(AuditEvent.objects.filter(verb="api.call").order_by("id"))[before:]
    prefix = token.split("_")[1]
    assert [e.actor_username for e in events] == [f"api-key-{prefix}"] * 4
    assert [e.new_values["status"] for e in events] == [200, 200, 404, 403]
    assert [e.category for e in events] == ["consultation", "consultation", "security", "security"]
    assert events[1].object_type == "orders.Order"
    assert events[1].object_id == str(world.sussex.order.pk)
    assert events[0].organisation_id == world.sussex.force.pk


@override_settings(DESIST_API_RATE=(3, 60))
def test_each_key_has_its_own_rate_limit(client: Any, world: World, issue_key: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    first = issue_key(world.sussex.force, "orders:read")
    second = issue_key(world.sussex.force, "orders:read")
    codes = [client.get("/api/v1/orders", **bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/orders", **bearer(first))
    assert limited["Content-Type"] == "application/problem+json"
    assert limited["Retry-After"] == "60"
    assert client.get("/api/v1/orders", **bearer(second)).status_code == 200


def test_the_openapi_document_and_docs_are_served(client: Any, db: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/v1/orders", "/api/v1/alerts/{alert_id}/acknowledge"} <= set(schema["paths"])
    errors = schema["paths"]["/api/v1/orders"]["get"]["responses"]
    assert any("application/problem+json" in r.get("content", {}) for r in errors.values())
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()
