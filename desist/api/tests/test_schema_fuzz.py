"""Schemathesis against the live OpenAPI document (issue 17's done-when): every operation is
called, through Django's whole WSGI stack, with generated valid and invalid input by a key that
holds every scope of its force; no answer may be a 5xx, and every answer must match the
document (status code, media type, body schema). Runs on SQLite and on PostgreSQL like the rest
of the suite. Examples are few per operation, so it takes seconds, not minutes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from desist.api.tests.conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


MAX_EXAMPLES = 20  # per operation, across valid, invalid and real-record input


@pytest.fixture
def api_token(world: World, issue_key: Any) -> str:
    return str(
        issue_key(
            world.sussex.force,
            "orders:read",
            "victims:read",
            "referrals:read",
            "alerts:read",
            "alerts:ack",
        )
    )


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's own WSGI handler. Like Django's test client, it must not close the test's
    database connection at the end of each request (on PostgreSQL that ends the test's
    transaction; SQLite's in-memory database ignores the close)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_openapi_document(
    api_token: str, world: World, wsgi_app: WSGIHandler
) -> None:
    # Loaded live, through the same WSGI stack the cases are sent to. (Schemathesis's lazy
    # pytest fixture does not run on pytest 9, so each operation's strategy is driven here.)
    live = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in live.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /api/v1/orders",
        "GET /api/v1/orders/{order_id}",
        "GET /api/v1/alerts",
        "GET /api/v1/alerts/{alert_id}",
        "POST /api/v1/alerts/{alert_id}/acknowledge",
        "GET /api/v1/referrals",
        "GET /api/v1/referrals/{referral_id}",
    }
    headers = {"Authorization": f"Bearer {api_token}"}
    # Random ids mostly miss, so each record operation is also tried on records that exist.
    real = {
        "order_id": world.sussex.order.pk,
        "alert_id": world.sussex.alert.pk,
        "referral_id": world.sussex.referral.pk,
    }
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if names:
            ids = {name: real[name] for name in names}
            strategies.append(operation.as_strategy(path_parameters=ids))

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
