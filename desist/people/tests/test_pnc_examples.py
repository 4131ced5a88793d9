"""Every PNC number the subject form offers as an example passes the form's own validation
(issue 19: the hint's example used to fail its check letter)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from desist.people.forms import SubjectForm
from desist.people.models import validate_pnc

EXAMPLE = re.compile(r"\d{2,4}/\d{1,7}[A-Z]")


def _messages() -> list[str]:
    field = SubjectForm.base_fields["pnc_number"]
    try:
        validate_pnc("not a pnc")
    except ValidationError as exc:
        format_message = exc.messages[0]
    return [str(field.help_text), str(field.error_messages["max_length"]), format_message]


@pytest.mark.parametrize("text", _messages())
def test_the_examples_given_are_valid(text: str) -> None:
    examples = EXAMPLE.findall(text)
    assert examples, text
    for example in examples:
        validate_pnc(example)
        assert SubjectForm.base_fields["pnc_number"].clean(example) == example
