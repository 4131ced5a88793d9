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


def test_a_text_area_given_no_limit_gets_the_default_one() -> None:
    from desist.core.character_count import DEFAULT_TEXT_LIMIT

    class Unbounded(forms.Form):
        said = forms.CharField(label="What was said", widget=forms.Textarea)

    assert Unbounded({"said": "x" * DEFAULT_TEXT_LIMIT}).is_valid()
    form = Unbounded({"said": "x" * (DEFAULT_TEXT_LIMIT + 1)})
    assert not form.is_valid()
    assert form.errors["said"] == [
        f"What was said must be {DEFAULT_TEXT_LIMIT} characters or fewer"
    ]
    html = render_to_string("includes/field.html", {"field": Unbounded()["said"]})
    assert f'data-maxlength="{DEFAULT_TEXT_LIMIT}"' in html


def test_every_text_area_in_the_app_has_a_limit() -> None:
    """The consent note took 20,000 characters (issue 20 tester): no text area is unbounded."""
    import importlib
    import inspect
    import pkgutil

    import desist

    unbounded = []
    for info in pkgutil.walk_packages(desist.__path__, "desist."):
        if not info.name.endswith(".forms"):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                for field_name, field in cls.base_fields.items():
                    if isinstance(field.widget, forms.Textarea) and not field.max_length:
                        unbounded.append(f"{info.name}.{name}.{field_name}")
    assert unbounded == []
