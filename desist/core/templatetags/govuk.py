"""Render Django form widgets with GOV.UK Frontend classes and ARIA wiring."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from desist.core.character_count import limit_of
from desist.core.forms import DateParts, GovukDateInput
from desist.core.tags import queue_tag_class

register = template.Library()


@register.filter(name="queue_tag_class")
def queue_tag_class_filter(text: str) -> str:
    """A work-queue tag's colour by its meaning (core.tags)."""
    return queue_tag_class(text)


_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.Textarea, "govuk-textarea"),
    (forms.Select, "govuk-select"),
    (forms.FileInput, "govuk-file-upload"),
    (forms.widgets.Input, "govuk-input"),
]


@register.simple_tag
def govuk_widget(field: forms.BoundField, extra_class: str = "") -> SafeString:
    widget = field.field.widget
    base = next((css for cls, css in _CLASSES if isinstance(widget, cls)), "")
    classes = [base] if base else []
    if field.errors and base:
        classes.append(f"{base}--error")
    if extra_class:
        classes.append(extra_class)
    described = []
    if field.help_text or field.field.widget.attrs.get("data-hint"):
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    if limit_of(field.field):  # the GOV.UK character count's message (includes/field.html)
        classes.append("govuk-js-character-count")
        described.append(f"{field.auto_id}-info")
    attrs: dict[str, Any] = {"class": " ".join(classes)}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


# Order matters: CheckboxSelectMultiple subclasses RadioSelect, so it must be tested first or
# every "select all that apply" renders as radios and keeps one answer (issue 11).
_KINDS: list[tuple[type[forms.Widget], str]] = [
    (forms.HiddenInput, "hidden"),
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.DateTimeInput, "datetime"),
    (GovukDateInput, "date"),
]


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    """Which GOV.UK component includes/form_field.html renders the field as."""
    widget = field.field.widget
    return next((kind for cls, kind in _KINDS if isinstance(widget, cls)), "input")


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id an error summary links to: a date input's Day box, as GOV.UK Frontend focuses it
    (the date input's own id is on a div, which cannot take focus)."""
    if isinstance(field.field.widget, GovukDateInput):
        # The first box in error (GOV.UK: a missing month links to the Month box).
        wrong = _wrong_boxes(field) or {"day"}
        first = next(part for part in ("day", "month", "year") if part in wrong)
        return f"{field.auto_id}-{first}"
    return str(field.auto_id)


@register.filter
def character_limit(field: forms.BoundField) -> int | None:
    """The limit a text area's GOV.UK character count shows, else None."""
    return limit_of(field.field)


@register.filter
def first_field_id(form: forms.BaseForm) -> str:
    for field in form:
        return error_anchor(field)
    return ""


@register.simple_tag
def govuk_date_boxes(field: forms.BoundField) -> SafeString:
    """A date input's three boxes. With an error, GOV.UK marks the boxes that are wrong on their
    own (a missing month, a 2-digit year), or all three when it is the date as a whole."""
    widget = field.field.widget
    assert isinstance(widget, GovukDateInput)
    return widget.boxes(field.html_name, field.value(), {"id": field.auto_id}, _wrong_boxes(field))


def _wrong_boxes(field: forms.BoundField) -> set[str]:
    """The boxes of a date input marked in error: those wrong on their own, else all three."""
    if not field.errors:
        return set()
    value = field.value()
    wrong = value.wrong() if isinstance(value, DateParts) else set()
    return wrong if wrong else {"day", "month", "year"}


@register.filter
def date_hint(field: forms.BoundField) -> str:
    """A date input's hint: the field's own, then the example, unless it gives one already."""
    example = str(getattr(field.field.widget, "example", ""))
    own = str(field.help_text or "")
    if "for example" in own.lower():
        return own
    return f"{own} {example}".strip()


@register.simple_tag
def draft_opt_in(form: forms.BaseForm) -> str:
    """The attribute that lets session.js keep an unsent draft of a note form in the browser.

    Only the free-text note fields a form class names in ``draft_fields`` (an allow-list), so a
    victim's name, address or contact details never reach the browser's storage."""
    names = tuple(getattr(form, "draft_fields", ()))
    for name in names:
        if not isinstance(form.fields[name].widget, forms.Textarea):
            raise TypeError(f"{type(form).__name__}.{name}: only note text areas keep drafts")
    return format_html(' data-desist-draft="{}"', " ".join(names)) if names else ""
