"""Forms for tasks: they parse what was typed; `tasks.services` decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.forms import date_field
from desist.tasks import services


class TaskForm(forms.Form):
    title = forms.CharField(
        label="What needs doing",
        max_length=200,
        error_messages={
            "required": services.TITLE_REQUIRED,
            "max_length": services.TITLE_TOO_LONG,
        },
    )
    due_on = date_field(
        "Due date", what="the date the task is due", help_text="For example, 27 3 2027."
    )
    assignee = forms.TypedChoiceField(
        label="Who is it for",
        coerce=int,
        empty_value=None,
        error_messages={
            "required": services.ASSIGNEE_REQUIRED,
            "invalid_choice": services.ASSIGNEE_ELSEWHERE,
        },
    )

    def __init__(self, *args: Any, officers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Select an officer"), *officers]  # type: ignore[attr-defined]


class _Versioned(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Reload the page and try again",
            "invalid": "Reload the page and try again",
        },
    )


class CompleteForm(_Versioned):
    pass


class CancelForm(_Versioned):
    reason = forms.CharField(
        label="Why is the task cancelled",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": services.REASON_REQUIRED},
    )
