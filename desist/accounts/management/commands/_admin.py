"""Shared by the administration commands: who is acting, and validation errors as text."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from desist.accounts.models import User


def acting_as(username: str) -> User:
    """Every change made from the command line is made as a named, active account."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active account called {username} (--as)")
    return user


def command_error(exc: ValidationError) -> CommandError:
    if hasattr(exc, "error_dict"):
        lines = [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
    else:
        lines = list(exc.messages)
    return CommandError("\n".join(lines))


def add_actor_arguments(parser: Any) -> None:
    parser.add_argument("--as", dest="actor", required=True, help="your username (audited)")
    parser.add_argument("--reason", required=True, help="why (recorded in the audit log)")
