"""`desist seed` and `desist demo` refuse to run in production (issue 12, Medium 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from desist.accounts.models import User


@pytest.mark.parametrize("command", ["seed", "demo"])
def test_refused_in_production(db: Any, command: str) -> None:
    with (
        override_settings(DESIST_ENV="production"),
        pytest.raises(CommandError, match="only when DESIST_ENV is demo, dev or test"),
    ):
        call_command(command, "--no-serve") if command == "demo" else call_command(command)
    assert not User.objects.exists()
