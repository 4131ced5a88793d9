"""`check --deploy` errors for sign-in settings a deployment must not run with (issue 12).

Each is an error, not a warning: two-factor off, a lockout that never locks, or a session that
outlives a working day must fail the deployment's check.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

MAX_LOCKOUT_ATTEMPTS = 20  # per username from one address
MAX_SOURCE_ATTEMPTS = 200  # per address, whatever the usernames
MAX_SESSION_HOURS = 12  # a long shift
MAX_IDLE_MINUTES = 60


@register(Tags.security, deploy=True)
def check_two_factor(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DESIST_REQUIRE_2FA:
        return []
    return [
        Error(
            "DESIST_REQUIRE_2FA is off: anyone with a password could read case data.",
            hint="Unset DESIST_REQUIRE_2FA (it defaults to on outside demo and test).",
            id="desist.accounts.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_lockout(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if not getattr(settings, "AXES_ENABLED", True):
        errors.append(
            Error("AXES_ENABLED is off: sign-in is not throttled.", id="desist.accounts.E002")
        )
    limits = (
        ("DESIST_LOCKOUT_ATTEMPTS", settings.AXES_FAILURE_LIMIT, MAX_LOCKOUT_ATTEMPTS),
        (
            "DESIST_LOCKOUT_SOURCE_ATTEMPTS",
            settings.DESIST_LOCKOUT_SOURCE_ATTEMPTS,
            MAX_SOURCE_ATTEMPTS,
        ),
    )
    for name, value, most in limits:
        if not isinstance(value, int) or not 1 <= value <= most:
            errors.append(
                Error(
                    f"{name} is {value}: passwords could be guessed for too long before a lockout.",
                    hint=f"Use a number from 1 to {most}.",
                    id="desist.accounts.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_session_lifetime(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if not 1 <= settings.DESIST_SESSION_MAX_HOURS <= MAX_SESSION_HOURS:
        errors.append(
            Error(
                f"DESIST_SESSION_MAX_HOURS is {settings.DESIST_SESSION_MAX_HOURS}: a session "
                "must end within a working day.",
                hint=f"Use a number from 1 to {MAX_SESSION_HOURS}.",
                id="desist.accounts.E004",
            )
        )
    if not 1 <= settings.DESIST_IDLE_TIMEOUT_MINUTES <= MAX_IDLE_MINUTES:
        errors.append(
            Error(
                f"DESIST_IDLE_TIMEOUT_MINUTES is {settings.DESIST_IDLE_TIMEOUT_MINUTES}: an "
                "unattended screen stays signed in too long.",
                hint=f"Use a number from 1 to {MAX_IDLE_MINUTES}.",
                id="desist.accounts.E005",
            )
        )
    return errors
