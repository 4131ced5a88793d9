"""`check --deploy` fails with two-factor off, a lockout that never locks, or a long session."""

from __future__ import annotations

import pytest
from django.core.checks import Error, run_checks
from django.test import override_settings

GOOD = {
    "DESIST_REQUIRE_2FA": True,
    "AXES_FAILURE_LIMIT": 5,
    "DESIST_LOCKOUT_SOURCE_ATTEMPTS": 20,
    "DESIST_SESSION_MAX_HOURS": 10,
    "DESIST_IDLE_TIMEOUT_MINUTES": 30,
}


def _errors(**overrides: object) -> dict[str, str]:
    with override_settings(**{**GOOD, **overrides}):
        issues = run_checks(include_deployment_checks=True)
    return {
        i.id: i.msg
        for i in issues
        if isinstance(i, Error) and (i.id or "").startswith("desist.accounts")
    }


def test_good_settings_pass() -> None:
    assert _errors() == {}


@pytest.mark.parametrize(
    ("overrides", "error_id", "words"),
    [
        ({"DESIST_REQUIRE_2FA": False}, "desist.accounts.E001", "DESIST_REQUIRE_2FA is off"),
        ({"AXES_ENABLED": False}, "desist.accounts.E002", "not throttled"),
        (
            {"AXES_FAILURE_LIMIT": 100_000},
            "desist.accounts.E003",
            "DESIST_LOCKOUT_ATTEMPTS is 100000",
        ),
        ({"AXES_FAILURE_LIMIT": 21}, "desist.accounts.E003", "DESIST_LOCKOUT_ATTEMPTS is 21"),
        (
            {"DESIST_LOCKOUT_SOURCE_ATTEMPTS": 10_000},
            "desist.accounts.E003",
            "DESIST_LOCKOUT_SOURCE_ATTEMPTS is 10000",
        ),
        ({"DESIST_SESSION_MAX_HOURS": 10_000}, "desist.accounts.E004", "within a working day"),
        ({"DESIST_IDLE_TIMEOUT_MINUTES": 0}, "desist.accounts.E005", "unattended screen"),
    ],
)
def test_each_bad_setting_is_an_error(
    overrides: dict[str, object], error_id: str, words: str
) -> None:
    errors = _errors(**overrides)
    assert error_id in errors, errors
    assert words in errors[error_id]


def test_twenty_attempts_is_still_allowed() -> None:
    assert _errors(AXES_FAILURE_LIMIT=20) == {}
