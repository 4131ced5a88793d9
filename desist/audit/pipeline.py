"""The one write pipeline every command runs through (docs/architecture.md, "Commands").

A command is a keyword-only function `<entity>_<verb>(*, actor, ...)` in an app's `actions/`
package. Decorated with `@command(perm, on="order")` it:

1. requires `perm` of the actor, on the keyword argument named by `on` when given (object
   rules apply), before any validation, so an outsider learns nothing from error messages;
2. runs the body in one transaction, so validation errors raised inside it (GOV.UK messages,
   collected with `Errors`), the write, its `audit_record` and the events it publishes commit
   or roll back together.

It lives on the audit floor because a command is not complete without its audit event; it
imports only policy and Django, so every domain app may use it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from desist import policy

P = ParamSpec("P")
T = TypeVar("T")

# Checks run between the permission and the transaction; a mapping returned replaces those
# keyword arguments (cleaned values).
Check = Callable[..., Mapping[str, Any] | None]

# What the permission is checked on: the name of a keyword argument, or a function of the
# keyword arguments (for a command whose record is reached through another, e.g. a breach's
# order).
Target = str | Callable[[Mapping[str, Any]], Any] | None


class Errors(dict[str, list[str]]):
    """Field errors collected during validation, raised together as one ValidationError."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _target(on: Target, kwargs: Mapping[str, Any]) -> Any:
    if on is None:
        return None
    if isinstance(on, str):
        return kwargs[on]
    return on(kwargs)


def command(
    perm: policy.Perm, *, on: Target = None, check: Check | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Require `perm` (on `on`), then run the command in one transaction.

    `check`, when given, runs after the permission and before the transaction: validation that
    must precede the redaction guard, and the guard itself, which audits a refusal in its own
    durable transaction and so cannot run inside the command's.
    """

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            if args:
                raise TypeError(f"{fn.__name__} takes keyword arguments only")
            actor: Any = kwargs["actor"]  # P.kwargs values are `object` to mypy
            policy.require(actor, perm, _target(on, kwargs))
            if check is not None:
                kwargs.update(check(**kwargs) or {})
            with transaction.atomic():
                return fn(*args, **kwargs)

        run.permission = perm  # type: ignore[attr-defined]
        return run

    return decorate
