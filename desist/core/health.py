"""Readiness checks that higher apps register (ADR 0018): `/readyz` answers 503 and the system
administrator's home page shows a red banner while any of them reports a problem. `jobs`
registers "the alerts pass has not succeeded for 3 minutes" (ADR 0025)."""

from __future__ import annotations

from collections.abc import Callable

# Each check returns None when all is well, or one sentence for an administrator (never
# personal data: /readyz does not show it, the admin home does).
Check = Callable[[], str | None]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def problems() -> list[str]:
    """What is wrong now; a check that itself fails counts as a problem."""
    found = []
    for name, check in _checks.items():
        try:
            problem = check()
        except Exception:  # the database is down, say: not ready either
            problem = f"The {name} check could not run"
        if problem:
            found.append(problem)
    return found
