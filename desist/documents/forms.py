from __future__ import annotations

from typing import Any

from django import forms

from desist.documents import content
from desist.documents.models import DocumentKind
from desist.documents.services import TITLE_MAX


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of document is it?",
        choices=DocumentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of document this is"},
    )
    title = forms.CharField(
        label="Description",
        max_length=TITLE_MAX,
        help_text="For example, ‘Sealed order from the magistrates’ court’. "
        "Only your organisation sees this description.",
        error_messages={
            "required": "Enter a description of the document",
            "max_length": f"The description must be {TITLE_MAX} characters or fewer",
        },
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={"required": content.MISSING_MESSAGE, "empty": content.EMPTY_MESSAGE},
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A PDF, PNG or JPEG, smaller than {content.max_megabytes()}MB. "
            "What the file contains is checked, not its name."
        )

    def clean_file(self) -> content.Inspected:
        inspected, message = content.inspect(self.cleaned_data.get("file"))
        if inspected is None:
            raise forms.ValidationError(message)
        return inspected


class ProviderSafeForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I have checked every page of this document and it shows no victim’s name, "
        "address, contact details or anything else that could identify or locate them",
        required=False,
    )
    # The document's version when the form was shown: a stale form is refused (ADR 0032).
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Reload the page and try again",
            "invalid": "Reload the page and try again",
        },
    )
