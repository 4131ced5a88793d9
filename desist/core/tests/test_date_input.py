"""The GOV.UK date input (issue 19): three boxes in a fieldset, GOV.UK's messages for each way a
date can be wrong, what was typed shown again, and one ISO string still accepted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.template.loader import render_to_string

from desist.core.forms import DateParts, GovukDateField, GovukDateInput, date_field
from desist.core.templatetags.govuk import error_anchor


class _HearingForm(forms.Form):
    heard_on = date_field("Date of the hearing", what="the date of the hearing")
    note = forms.CharField(required=False)


class _OptionalForm(forms.Form):
    due_on = date_field("Due date (optional)", what="the due date", required=False)


def _boxes(day: str, month: str, year: str, name: str = "heard_on") -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def _errors(data: dict[str, str], form_class: type[forms.Form] = _HearingForm) -> list[str]:
    form = form_class(data=data)
    assert not form.is_valid()
    return list(next(iter(form.errors.values())))


def test_three_boxes_make_a_date() -> None:
    form = _HearingForm(data=_boxes("5", "12", "2026"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["heard_on"] == dt.date(2026, 12, 5)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        (("05", "03", "2026"), dt.date(2026, 3, 5)),  # leading zeros
        ((" 5 ", " 3", "2026 "), dt.date(2026, 3, 5)),  # stray spaces
        (("5", "March", "2026"), dt.date(2026, 3, 5)),  # GOV.UK: accept month names
        (("5", "mar", "2026"), dt.date(2026, 3, 5)),
    ],
)
def test_what_people_type_is_understood(typed: tuple[str, str, str], value: dt.date) -> None:
    form = _HearingForm(data=_boxes(*typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["heard_on"] == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("", "", ""), "Enter the date of the hearing"),
        (("", "12", "2026"), "The date of the hearing must include a day"),
        (("5", "", "2026"), "The date of the hearing must include a month"),
        (("5", "12", ""), "The date of the hearing must include a year"),
        (("", "", "2026"), "The date of the hearing must include a day and month"),
        (("", "12", ""), "The date of the hearing must include a day and year"),
        (("5", "", ""), "The date of the hearing must include a month and year"),
        (("31", "2", "2026"), "The date of the hearing must be a real date"),
        (("5", "13", "2026"), "The date of the hearing must be a real date"),
        (("five", "12", "2026"), "The date of the hearing must be a real date"),
        (("5", "12", "26"), "The date of the hearing must include a year with 4 numbers"),
        (("5", "12", "20266"), "The date of the hearing must include a year with 4 numbers"),
    ],
)
def test_each_way_a_date_is_wrong_has_its_govuk_message(
    typed: tuple[str, str, str], message: str
) -> None:
    assert _errors(_boxes(*typed)) == [message]


def test_an_optional_date_left_blank_is_no_date_but_half_filled_is_refused() -> None:
    form = _OptionalForm(data=_boxes("", "", "", name="due_on"))
    assert form.is_valid() and form.cleaned_data["due_on"] is None
    assert _errors(_boxes("1", "", "", name="due_on"), _OptionalForm) == [
        "The due date must include a month and year"
    ]


def test_the_plausible_range_still_applies() -> None:
    assert _errors(_boxes("1", "1", "1989")) == [
        "The date of the hearing must be after 1 January 1990"
    ]


@pytest.mark.parametrize("text", ["2026-12-05", "05/12/2026", "5/12/2026"])
def test_one_string_is_still_read_when_no_box_is_posted(text: str) -> None:
    """Server-side tests, links and a check page's hidden copy post `<name>` as one string."""
    form = _HearingForm(data={"heard_on": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["heard_on"] == dt.date(2026, 12, 5)


def test_one_string_that_is_no_date_is_not_a_real_date() -> None:
    assert _errors({"heard_on": "2026-02-31"}) == ["The date of the hearing must be a real date"]
    assert _errors({"heard_on": ""}) == ["Enter the date of the hearing"]


def test_the_boxes_win_over_a_stray_string() -> None:
    form = _HearingForm(data={"heard_on": "2020-01-01", **_boxes("5", "12", "2026")})
    assert form.is_valid() and form.cleaned_data["heard_on"] == dt.date(2026, 12, 5)


def _box_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="id_heard_on-(day|month|year)"[^>]*value="([^"]*)"', html))


def test_a_refused_date_is_shown_again_exactly_as_typed() -> None:
    form = _HearingForm(data=_boxes("31", "02", "2026 "))
    assert not form.is_valid()
    html = render_to_string("includes/field.html", {"field": form["heard_on"]})
    assert _box_values(html) == {"day": "31", "month": "02", "year": "2026 "}
    form = _HearingForm(data=_boxes("", "feb", "26"))
    form.is_valid()
    html = render_to_string("includes/field.html", {"field": form["heard_on"]})
    assert _box_values(html) == {"day": "", "month": "feb", "year": "26"}


def test_a_stored_date_fills_the_boxes_without_leading_zeros() -> None:
    form = _HearingForm(initial={"heard_on": dt.date(2026, 3, 7)})
    html = render_to_string("includes/field.html", {"field": form["heard_on"]})
    assert _box_values(html) == {"day": "7", "month": "3", "year": "2026"}


def test_it_renders_as_the_govuk_date_input() -> None:
    form = _HearingForm(data=_boxes("31", "2", "2026"))
    form.is_valid()
    html = render_to_string("includes/form_field.html", {"field": form["heard_on"]})
    assert '<fieldset class="govuk-fieldset" role="group"' in html
    assert 'aria-describedby="id_heard_on-hint id_heard_on-error"' in html
    assert '<legend class="govuk-fieldset__legend">Date of the hearing</legend>' in html
    assert "For example, 27 3 2026" in html
    assert '<div class="govuk-date-input" id="id_heard_on">' in html
    assert html.count('class="govuk-date-input__item"') == 3
    assert html.count('inputmode="numeric"') == 3 and 'type="date"' not in html
    assert html.count("govuk-input--width-2") == 2 and html.count("govuk-input--width-4") == 1
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'for="id_heard_on-{part}">{label}</label>' in html
        assert f'name="heard_on-{part}"' in html
    # The date as a whole is wrong: all three boxes are marked.
    assert html.count("govuk-input--error") == 3


def test_only_the_wrong_boxes_are_marked() -> None:
    form = _HearingForm(data=_boxes("5", "", "26"))
    form.is_valid()
    html = render_to_string("includes/field.html", {"field": form["heard_on"]})
    marked = re.findall(r'class="([^"]*)" id="id_heard_on-(\w+)"', html)
    assert {part for css, part in marked if "govuk-input--error" in css} == {"month", "year"}


def test_the_error_summary_links_to_the_day_box() -> None:
    form = _HearingForm(data=_boxes("31", "2", "2026"))
    form.is_valid()
    html = render_to_string("includes/error_summary.html", {"form": form})
    assert '<a href="#id_heard_on-day">The date of the hearing must be a real date</a>' in html
    assert error_anchor(form["note"]) == "id_note"
    assert form["heard_on"].id_for_label == "id_heard_on-day"


def test_a_date_of_birth_has_a_plausible_example() -> None:
    from desist.people.forms import SubjectForm

    html = render_to_string("includes/field.html", {"field": SubjectForm()["date_of_birth"]})
    assert "For example, 27 3 1985" in html


def test_a_hidden_copy_posts_back_as_iso() -> None:
    assert str(DateParts("5", "12", "2026")) == "2026-12-05"
    assert str(DateParts("31", "2", "2026")) == "31/2/2026"  # refused again, not lost
    form = _HearingForm(data=_boxes("5", "12", "2026"))
    form.is_valid()
    again = _HearingForm(data={"heard_on": str(form["heard_on"].value())})
    assert again.is_valid() and again.cleaned_data["heard_on"] == dt.date(2026, 12, 5)


def test_the_widget_reads_nothing_when_nothing_was_posted() -> None:
    widget = GovukDateInput()
    assert widget.value_omitted_from_data({}, {}, "heard_on")
    assert not widget.value_omitted_from_data({"heard_on-year": ""}, {}, "heard_on")
    assert not widget.value_omitted_from_data({"heard_on": "2026-01-01"}, {}, "heard_on")
    field = GovukDateField(what="the day")
    assert not field.has_changed(dt.date(2026, 1, 2), DateParts("2", "1", "2026"))
    assert field.has_changed(dt.date(2026, 1, 2), DateParts("3", "1", "2026"))


@pytest.mark.parametrize(
    ("typed", "box"),
    [(("5", "", ""), "month"), (("5", "12", "26"), "year"), (("", "12", "2026"), "day")],
)
def test_the_error_summary_links_to_the_first_box_in_error(
    typed: tuple[str, str, str], box: str
) -> None:
    """Tester finding: with only a day typed, the summary linked to the Day box, which was right."""
    form = _HearingForm(data=_boxes(*typed))
    form.is_valid()
    assert error_anchor(form["heard_on"]) == f"id_heard_on-{box}"


def test_a_hint_that_gives_its_own_example_is_not_given_a_second() -> None:
    class _Due(forms.Form):
        due_on = date_field("Due", what="the due date", help_text="For example, 27 3 2027.")

    html = render_to_string("includes/field.html", {"field": _Due()["due_on"]})
    assert html.count("For example") == 1
    html = render_to_string("includes/field.html", {"field": _HearingForm()["heard_on"]})
    assert "For example, 27 3 2026" in html
