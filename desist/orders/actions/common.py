"""Steps shared by the order commands: date and text checks, the versioned write of the order
row, and renaming a delegated command's errors to the caller's form fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from desist.audit.pipeline import Errors
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.orders import law
from desist.orders.derived import fmt
from desist.orders.models import Order, Term
from desist.orders.workflow import TransitionError

if TYPE_CHECKING:
    from desist.accounts.models import User

ALL = NON_FIELD_ERRORS


def today() -> dt.date:
    return timezone.localdate()


def roles(actor: User) -> frozenset[str]:
    return frozenset(getattr(actor, "role_codes", frozenset()))


def check_date(
    errors: Errors,
    field: str,
    value: dt.date | None,
    *,
    what: str,
    required: bool = True,
) -> bool:
    """Required and not in the future. `what` names the date: 'the date of the hearing'.
    Returns True if there is a usable date to compare further."""
    if value is None:
        if required:
            errors.add(field, f"Enter {what}")
        return False
    if value > today():
        errors.add(field, f"{what[0].upper()}{what[1:]} must be today or in the past")
        return False
    return True


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def one_line(value: str | None) -> str:
    return " ".join(clean_text(value).split())


def check_court(errors: Errors, court: str, *, required_message: str | None) -> None:
    if not court and required_message:
        errors.add("court", required_message)
    elif len(court) > 200:
        errors.add("court", "The name of the court must be 200 characters or fewer")


def check_full_term(
    errors: Errors,
    field: str,
    *,
    made_on: dt.date | None,
    ends_on: dt.date | None,
    until_further_order: bool,
) -> None:
    """A full order ends on a date at least 2 years after it was made, or lasts until a
    further order: one or the other."""
    if until_further_order and ends_on is not None:
        errors.add(
            field, "Enter the date the order ends, or select 'until a further order', not both"
        )
    elif not until_further_order and ends_on is None:
        errors.add(field, "Enter the date the order ends, or select 'until a further order'")
    elif (
        ends_on is not None
        and made_on is not None
        and not law.fixed_period_long_enough(made_on, ends_on)
    ):
        errors.add(
            field,
            "A full order must last at least 2 years: the end date must be on or after "
            f"{fmt(law.minimum_fixed_period_end(made_on))}",
        )


def save_order(order: Order | Term, *, version: int, changes: Mapping[str, Any]) -> None:
    """Write `changes` to the order (or a term) if it is still at `version` (bumping it);
    otherwise StaleRecordError and the instance is left as it was."""
    before = {name: getattr(order, name) for name in changes}
    for name, value in changes.items():
        setattr(order, name, value)
    try:
        save_versioned(order, expected_version=version, fields=list(changes))
    except StaleRecordError:
        for name, value in before.items():
            setattr(order, name, value)
        raise


def rename(exc: ValidationError, names: Mapping[str, str]) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {ALL: exc.messages}
    return {names.get(k, k): v for k, v in exc.message_dict.items()}


def renamed(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """The same errors under the field names of the calling command's form."""
    fields = rename(exc, names)
    if isinstance(exc, TransitionError):
        return TransitionError(fields)
    return ValidationError(fields)
