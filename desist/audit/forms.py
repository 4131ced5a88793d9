from __future__ import annotations

from django import forms

from desist.audit.labels import record_type_choices
from desist.audit.models import Category
from desist.core.dates import plausible_date
from desist.core.forms import GovukDateField


class AuditFilterForm(forms.Form):
    username = forms.CharField(label="Username", required=False, max_length=150)
    organisation = forms.TypedChoiceField(
        label="Organisation", required=False, coerce=int, empty_value=None
    )
    object_type = forms.ChoiceField(label="Record type", required=False)
    object_id = forms.CharField(label="Record ID", required=False, max_length=64)
    category = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *Category.choices]
    )
    date_from = GovukDateField(
        what="the start date",
        label="From",
        required=False,
        validators=[plausible_date("the start date")],
    )
    date_to = GovukDateField(
        what="the end date",
        label="To",
        required=False,
        validators=[plausible_date("the end date")],
    )

    def __init__(
        self,
        *args: object,
        object_types: list[str],
        organisations: list[tuple[int, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if organisations:
            self.fields["organisation"].choices = [("", "Any organisation"), *organisations]  # type: ignore[attr-defined]
        else:
            del self.fields["organisation"]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", "Any type"),
            *record_type_choices(object_types),
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:  # type: ignore[operator]
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data
