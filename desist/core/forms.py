"""Form helpers every app uses: service errors onto fields, and the GOV.UK date input. Forms
parse what was typed; services decide what is allowed, and their messages land here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from desist.core.dates import CASEWORK, LIFETIME, DateBounds, check_not_future, plausible_date

# A date posted as one string (tests, links, a check page's hidden copy): ISO, or day-first as
# typed in the UK, never the US month-first.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"]
DATE_PARTS = ("day", "month", "year")
# GOV.UK asks services to accept month names as well as numbers ('mar', 'March').
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {
    name: number
    for number, month in enumerate(_MONTH_NAMES.split(), start=1)
    for name in (month, month[:3])
}


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


@dataclass(frozen=True)
class DateParts:
    """The three boxes of a date input exactly as typed, so a refused date is shown again as the
    person wrote it."""

    day: str = ""
    month: str = ""
    year: str = ""

    def __iter__(self) -> Any:
        return iter((self.day, self.month, self.year))

    def missing(self) -> list[str]:
        return [name for name, text in zip(DATE_PARTS, self, strict=True) if not text.strip()]

    def numbers(self) -> tuple[int, int, int] | None:
        """Day, month and year as numbers, or None when a box holds something else."""
        day, month, year = (text.strip() for text in self)
        month_number = _MONTHS.get(month.lower()) or (int(month) if month.isdigit() else None)
        if not (day.isdigit() and year.isdigit()) or month_number is None:
            return None
        return int(day), month_number, int(year)

    def as_date(self) -> dt.date | None:
        found = self.numbers()
        if found is None or len(self.year.strip()) != 4:
            return None
        try:
            return dt.date(found[2], found[1], found[0])
        except ValueError:
            return None

    def wrong(self) -> set[str]:
        """The boxes that cannot be right on their own (empty, '13' as a month, a 2-digit year)."""
        day, month, year = (text.strip() for text in self)
        bad = set(self.missing())
        if not (day.isdigit() and 1 <= int(day) <= 31):
            bad.add("day")
        if not (_MONTHS.get(month.lower()) or (month.isdigit() and 1 <= int(month) <= 12)):
            bad.add("month")
        if not (year.isdigit() and len(year) == 4):
            bad.add("year")
        return bad

    def __str__(self) -> str:
        """ISO when it is a date, so a hidden copy posts back through the one-string fallback."""
        found = self.as_date()
        if found is not None:
            return found.isoformat()
        return "/".join(self) if any(text.strip() for text in self) else ""


def _parts_of(value: Any) -> DateParts:
    if isinstance(value, DateParts):
        return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return DateParts(str(value.day), str(value.month), str(value.year))
    if isinstance(value, str) and value.strip():
        found = _parse_string(value)
        return _parts_of(found) if found else DateParts()
    return DateParts()


def _parse_string(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


class GovukDateInput(forms.Widget):
    """The GOV.UK date input: Day, Month and Year boxes named `<name>-day` and so on, with ids
    `<id>-day`. With none of the three posted it reads `<name>` as one string (ISO or
    day/month/year), so links, hidden copies and server-side tests still work.
    includes/date_input.html wraps the boxes in the fieldset, legend, hint and error."""

    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None, example: str = "27 3 2026") -> None:
        super().__init__(attrs)
        self.example = f"For example, {example}"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        keys = [f"{name}-{part}" for part in DATE_PARTS]
        if any(key in data for key in keys):
            return DateParts(*(str(data.get(key) or "") for key in keys))
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}-{part}" in data for part in DATE_PARTS)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}-day" if id_ else id_

    def boxes(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None,
        wrong: frozenset[str] | set[str] = frozenset(),
    ) -> SafeString:
        attrs = {**self.attrs, **(attrs or {})}
        id_ = attrs.get("id") or f"id_{name}"
        items = []
        for part, text in zip(DATE_PARTS, _parts_of(value), strict=True):
            width = "govuk-input--width-4" if part == "year" else "govuk-input--width-2"
            error = " govuk-input--error" if part in wrong else ""
            items.append(
                (
                    f"{id_}-{part}",
                    capfirst(part),
                    f"govuk-input govuk-date-input__input {width}{error}",
                    f"{id_}-{part}",
                    f"{name}-{part}",
                    text,
                )
            )
        inner = format_html_join(
            "\n",
            '<div class="govuk-date-input__item"><div class="govuk-form-group">'
            '<label class="govuk-label govuk-date-input__label" for="{}">{}</label>'
            '<input class="{}" id="{}" name="{}" type="text" inputmode="numeric" value="{}">'
            "</div></div>",
            items,
        )
        return format_html('<div class="govuk-date-input" id="{}">{}</div>', id_, inner)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        return self.boxes(name, value, attrs)


class GovukDateField(forms.DateField):
    """A date asked for with the GOV.UK date input, with GOV.UK's messages. `what` completes
    them: 'Enter the date of the hearing', 'The date of the hearing must include a month',
    'The date of the hearing must be a real date'. A 2-digit year is not a real date (GOV.UK
    asks for 4 numbers; '26' could be 1926 or 2026)."""

    widget = GovukDateInput

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what
        name = capfirst(what)
        messages = {
            "required": f"Enter {what}",
            "invalid": f"{name} must be a real date",
            "incomplete": name + " must include {missing}",
            "year": f"{name} must include a year with 4 numbers",
        }
        messages.update(kwargs.pop("error_messages", None) or {})
        kwargs.pop("input_formats", None)
        super().__init__(error_messages=messages, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, DateParts):
            found = _parse_string(str(value))
            if found is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            return found
        return self._from_parts(value)

    def _from_parts(self, parts: DateParts) -> dt.date | None:
        missing = parts.missing()
        if len(missing) == len(DATE_PARTS):
            return None
        if missing:
            words = "a " + " and ".join(missing) if len(missing) == 2 else f"a {missing[0]}"
            raise ValidationError(
                self.error_messages["incomplete"].format(missing=words), code="incomplete"
            )
        if parts.numbers() is not None and len(parts.year.strip()) != 4:
            raise ValidationError(self.error_messages["year"], code="year")
        found = parts.as_date()
        if found is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return found

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial)
        except ValidationError:
            return True


def date_field(
    label: str,
    *,
    what: str,
    required: bool = True,
    help_text: str = "",
    future_message: str = "",
    bounds: DateBounds = CASEWORK,
) -> forms.DateField:
    """A GOV.UK date input. `what` completes GOV.UK messages: 'Enter the date of the hearing'.
    With `future_message`, a date after today is refused with that message."""
    plausible = plausible_date(what, bounds)
    return GovukDateField(
        what=what,
        # A date of birth's example is a plausible one.
        widget=GovukDateInput(example="27 3 1985" if bounds == LIFETIME else "27 3 2026"),
        label=label,
        required=required,
        help_text=help_text,
        validators=[FirstError(not_future(future_message), plausible)]
        if future_message
        else [plausible],
    )
