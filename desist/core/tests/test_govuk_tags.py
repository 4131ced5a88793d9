"""The one widget dispatch (includes/form_field.html via govuk's widget_kind)."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string

from desist.core.forms import date_field
from desist.core.templatetags.govuk import widget_kind


class _Everything(forms.Form):
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    one = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    flag = forms.BooleanField(required=False)
    day = date_field("Day", what="the day")
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField()


def test_checkbox_select_multiple_is_checkboxes_although_it_subclasses_radio_select() -> None:
    assert issubclass(forms.CheckboxSelectMultiple, forms.RadioSelect)
    form = _Everything()
    kinds = {name: widget_kind(form[name]) for name in form.fields}
    assert kinds == {
        "many": "checkboxes",
        "one": "radios",
        "flag": "checkbox",
        "day": "date",
        "when": "datetime",
        "version": "hidden",
        "text": "input",
    }


def test_form_field_renders_each_kind_as_its_govuk_component() -> None:
    form = _Everything(data={"many": ["a"]})
    form.is_valid()
    html = {
        name: render_to_string("includes/form_field.html", {"field": form[name]})
        for name in form.fields
    }
    assert html["many"].count('type="checkbox"') == 2 and "govuk-checkboxes" in html["many"]
    assert 'value="a" checked' in html["many"]
    assert html["one"].count('type="radio"') == 2 and "govuk-radios" in html["one"]
    assert 'aria-describedby="id_one-error"' in html["one"]
    assert "<legend" in html["many"] and "<legend" in html["one"]
    assert 'type="checkbox"' in html["flag"] and "<fieldset" not in html["flag"]
    assert "govuk-date-input" in html["day"] and "govuk-input--width-20" in html["when"]
    assert 'type="hidden"' in html["version"] and "govuk-form-group" not in html["version"]
    assert 'class="govuk-input govuk-input--error"' in html["text"]
