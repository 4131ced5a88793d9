"""Text areas with a length limit (issue 20): a browser's maxlength attribute cuts pasted text
without a word, so a limited text area carries none. It is shown as the GOV.UK character count
(`includes/field.html`, from `limit_of`) and an over-long answer is refused on the server with
"{Label} must be N characters or fewer".

Set once, for every form, when each `CharField` is made (`install`, from the core app's
`ready`): a rule of every text area, not of each form. A form's own max_length message wins.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

_OPTIONAL = " (optional)"
# A text area given no limit gets this one: an unbounded answer (20,000 characters pasted into
# a consent note) is never what was meant, and every page showing it pays for it.
DEFAULT_TEXT_LIMIT = 10_000


def length_message(label: Any, limit: int) -> str:
    text = str(label or "").strip()
    if text.endswith(_OPTIONAL):
        text = text[: -len(_OPTIONAL)]
    if not text or text.endswith("?"):
        text = "Your answer"  # a question does not read as the subject of a sentence
    return f"{text} must be {limit} characters or fewer"


def limit_of(field: forms.Field) -> int | None:
    """The limit of a text area counted by the GOV.UK character count, else None."""
    if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
        return int(field.max_length) if field.max_length else None
    return None


def _fit(field: forms.CharField, explicit: dict[str, Any]) -> None:
    if isinstance(field.widget, forms.Textarea) and not field.max_length:
        field.max_length = DEFAULT_TEXT_LIMIT
        field.validators.append(MaxLengthValidator(DEFAULT_TEXT_LIMIT))
    if limit_of(field) is None:
        return
    field.widget.attrs.pop("maxlength", None)
    if "max_length" not in explicit:
        assert field.max_length is not None
        field.error_messages["max_length"] = length_message(field.label, int(field.max_length))


_installed = False


def install() -> None:
    """Wrap `CharField.__init__` once so every limited text area is fitted as it is made."""
    global _installed
    if _installed:
        return
    original = forms.CharField.__init__

    def init(self: forms.CharField, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _fit(self, kwargs.get("error_messages") or {})

    forms.CharField.__init__ = init  # type: ignore[method-assign]
    _installed = True
