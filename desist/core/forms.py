"""Form helpers every app uses: service errors onto fields, and the GOV.UK date input. Forms
parse what was typed; services decide what is allowed, and their messages land here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from desist.core.dates import CASEWORK, DateBounds, check_not_future, plausible_date

# ISO from the date picker; day-first as typed in the UK, never the US month-first.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"]


def add_service_errors(form: forms.BaseForm, exc: ValidationError | Any) -> None:
    """Put a service's ValidationError (or an error carrying an `errors` dict, such as
    RedactionBlocked) on the form, field by field; anything else on the form as a whole."""
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else None
    if items is None and hasattr(exc, "errors") and isinstance(exc.errors, dict):
        items = exc.errors.items()
    if items is None:
        for message in getattr(exc, "messages", [str(exc)]):
            form.add_error(None, message)
        return
    for name, messages in items:
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)


def not_future(message: str) -> Any:
    def validator(value: Any) -> None:
        check_not_future(value, message)

    return validator


class FirstError:
    """Run validators in turn and stop at the first error: a date in 2099 is told once that it
    is in the future, not also that it is beyond the plausible range. `validators` stays
    readable, so the walk of every form can see the date bounds inside."""

    def __init__(self, *validators: Any) -> None:
        self.validators = validators

    def __call__(self, value: Any) -> None:
        for check in self.validators:
            check(value)


def date_field(
    label: str,
    *,
    what: str,
    required: bool = True,
    help_text: str = "",
    future_message: str = "",
    bounds: DateBounds = CASEWORK,
) -> forms.DateField:
    """A date input. `what` completes GOV.UK messages: 'Enter the date of the hearing'.
    With `future_message`, a date after today is refused with that message."""
    plausible = plausible_date(what, bounds)
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        validators=[FirstError(not_future(future_message), plausible)]
        if future_message
        else [plausible],
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": f"Enter {what}", "invalid": f"Enter {what} as a real date"},
    )
