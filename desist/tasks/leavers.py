"""Registers the hand-over of a leaver's open tasks with accounts (issue 19)."""

from __future__ import annotations

from desist.accounts import leavers
from desist.accounts.models import User
from desist.tasks.services import hand_over_tasks


def _hand_over(actor: User | None, leaver: User, reason: str) -> None:
    hand_over_tasks(actor, leaver, reason)


leavers.register(_hand_over)
