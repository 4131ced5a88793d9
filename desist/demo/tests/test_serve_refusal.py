"""`desist serve` (Django's development server) refuses to start in production (security test
finding 2): issue 15 brings the production server; until then docs/deployment.md says how."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings


def test_serve_refused_in_production(db: Any) -> None:
    before = threading.active_count()
    with (
        override_settings(DESIST_ENV="production"),
        pytest.raises(CommandError, match="will not start with DESIST_ENV=production") as refused,
    ):
        call_command("serve", port="0")
    assert "docs/deployment.md" in str(refused.value)
    assert threading.active_count() == before  # no alert loop, no server thread
