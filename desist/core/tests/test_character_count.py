"""Text areas with a length limit (issue 20): no maxlength attribute, which makes a browser cut
pasted text without a word, but the GOV.UK character count and a server-side message."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    reason = forms.CharField(label="Reason", max_length=10, widget=forms.Textarea)
    notes = forms.CharField(
        label="Notes (optional)", max_length=10, required=False, widget=forms.Textarea
    )
    question = forms.CharField(
        label="Why was it moved?", max_length=10, required=False, widget=forms.Textarea
    )
    kept = forms.CharField(
        label="Kept",
        max_length=10,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "The kept text must be 10 characters or fewer"},
    )


def test_a_limited_text_area_renders_as_a_character_count_without_maxlength() -> None:
    html = render_to_string("includes/field.html", {"field": _Form()["reason"]})
    assert " maxlength=" not in html
    assert 'class="govuk-character-count" data-module="govuk-character-count"' in html
    assert 'data-maxlength="10"' in html
    assert "govuk-js-character-count" in html
    assert 'id="id_reason-info"' in html and "You can enter up to 10 characters" in html
    assert 'aria-describedby="id_reason-info"' in html


def test_text_over_the_limit_is_refused_with_the_label_in_the_message() -> None:
    form = _Form({"reason": "x" * 11, "notes": "y" * 11, "question": "z" * 11, "kept": "k" * 11})
    assert not form.is_valid()
    assert form.errors["reason"] == ["Reason must be 10 characters or fewer"]
    assert form.errors["notes"] == ["Notes must be 10 characters or fewer"]
    assert form.errors["question"] == ["Your answer must be 10 characters or fewer"]
    assert form.errors["kept"] == ["The kept text must be 10 characters or fewer"]
