"""Probes reach Desist by address: /healthz, /readyz and /metrics answer whatever the Host
(they reveal nothing; /metrics keeps its own guard), and every other path keeps the host check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings


@override_settings(
    ALLOWED_HOSTS=["desist.example.org"], DESIST_BASE_URL="https://desist.example.org"
)
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "attacker.example", "bad host"])
def test_probes_answer_a_foreign_host_and_other_paths_refuse_it(
    client: Any, db: Any, host: str
) -> None:
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200
    assert client.get("/readyz", HTTP_HOST=host).status_code in (200, 503)
    assert client.get("/metrics", HTTP_HOST=host).status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST=host).status_code == 400
    assert client.get("/healthz/x", HTTP_HOST=host).status_code == 400
    assert client.post("/healthz", HTTP_HOST=host).status_code == 400
