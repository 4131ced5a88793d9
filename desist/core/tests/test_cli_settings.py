"""A mistake in the environment is one plain sentence and exit code 2, not a traceback
(issue 15 tester finding: an operator met Django's and gunicorn's stack traces)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CASES = [
    ({"DESIST_ENV": "prod"}, "DESIST_ENV must be demo, dev, test or production, not 'prod'"),
    ({"DESIST_TRUSTED_PROXIES": "10.0.0.1,gateway"}, "'gateway' is not an IP address"),
    (
        {"DESIST_EMAIL_USE_TLS": "1", "DESIST_EMAIL_USE_SSL": "1"},
        "Set DESIST_EMAIL_USE_TLS or DESIST_EMAIL_USE_SSL, not both",
    ),
    ({"DESIST_EMAIL_TIMEOUT": "ten"}, "DESIST_EMAIL_TIMEOUT must be a whole number, not 'ten'"),
    ({"DATABASE_URL": "postgress://desist@db/desist"}, "DATABASE_URL is not a database address"),
]


@pytest.mark.parametrize(("environment", "sentence"), CASES)
def test_a_bad_setting_is_named_without_a_traceback(
    environment: dict[str, str], sentence: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESIST_", "DATABASE_URL"))}
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "desist.cli", "check"],
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("desist: the settings are not valid:")
    assert sentence in done.stderr
