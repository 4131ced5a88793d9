"""What happens to a leaver's work (issue 19): apps above accounts register a handler in their
AppConfig.ready(); `services.user_disable` runs each inside its own transaction, so the work
moves with the account's closing or not at all (ADR 0018: registration, not an upward import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desist.accounts.models import User

# (actor, leaver, reason) -> None; writes its own audit rows.
LeaverHandler = Callable[["User | None", "User", str], None]

_handlers: list[LeaverHandler] = []


def register(handler: LeaverHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def hand_over(actor: User | None, leaver: User, reason: str) -> None:
    for handler in _handlers:
        handler(actor, leaver, reason)
