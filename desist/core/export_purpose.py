"""A purpose is asked before any bulk export (issue 18, ADR 0027).

One mechanism for every CSV and XLSX download: the view is decorated with `purpose_asked`.
A GET shows a short form, "Why are you exporting this?", whose answers suit the user's roles
(plus "Other", with a reason); it posts back to the same address, query string and all, so the
filters of the list the user came from are the filters of the file. Only a valid answer runs
the view, which receives it as `purpose=` and records it in the export's audit row through
`safecsv.export_facts`. A download cannot be had without answering.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse

from desist.core.dates import long_date
from desist.core.roles import RoleCode as R

# The form carries this attribute, so crawls and tests can tell the question from a page.
FORM_MARKER = "data-desist-export-purpose"
REASON_MAX = 200


class Purpose(models.TextChoices):
    CASEWORK = "casework", "Managing cases, orders or referrals"
    COURT = "court", "Preparing for court or other legal proceedings"
    REPORTING = "reporting", "Management or performance reporting"
    EVALUATION = "evaluation", "The independent evaluation of the programme"
    OVERSIGHT = "oversight", "Oversight or audit of how records are used"
    ACCESS_REVIEW = "access_review", "Reviewing who has access to Desist"
    INFORMATION_REQUEST = "information_request", "Answering a subject access or other request"
    OTHER = "other", "Other"


# What each role exports for; a user with several roles is offered them all. "Other" always.
ROLE_PURPOSES: dict[R, tuple[Purpose, ...]] = {
    R.POLICE_OFFICER: (Purpose.CASEWORK, Purpose.COURT, Purpose.INFORMATION_REQUEST),
    R.POLICE_SUPERVISOR: (
        Purpose.CASEWORK,
        Purpose.COURT,
        Purpose.REPORTING,
        Purpose.INFORMATION_REQUEST,
    ),
    R.PRACTITIONER: (Purpose.CASEWORK,),
    R.CLINICAL_SUPERVISOR: (Purpose.CASEWORK, Purpose.REPORTING),
    R.VICTIM_ADVOCATE: (Purpose.CASEWORK,),
    R.ADVOCACY_MANAGER: (Purpose.CASEWORK, Purpose.REPORTING),
    R.OVERSEER: (Purpose.EVALUATION, Purpose.OVERSIGHT, Purpose.INFORMATION_REQUEST),
    R.PROGRAMME_MANAGER: (Purpose.REPORTING, Purpose.EVALUATION),
    R.SYSTEM_ADMIN: (Purpose.ACCESS_REVIEW, Purpose.OVERSIGHT, Purpose.INFORMATION_REQUEST),
    R.ORGANISATION_ADMIN: (Purpose.ACCESS_REVIEW, Purpose.INFORMATION_REQUEST),
}


def purposes_for(role_codes: Iterable[str]) -> list[Purpose]:
    """The purposes offered to a user with these roles, in the order of `Purpose`."""
    offered = {p for code in role_codes if code in R.values for p in ROLE_PURPOSES[R(code)]}
    return [p for p in Purpose if p in offered or p is Purpose.OTHER]


@dataclass(frozen=True)
class ExportPurpose:
    """The answer, as the audit row records it: the purpose's code and, for Other, the reason."""

    code: str
    reason: str = ""

    def facts(self) -> dict[str, str]:
        return {"purpose": self.code, "purpose_reason": self.reason}


class ExportPurposeForm(forms.Form):
    export_purpose = forms.ChoiceField(
        label="Why are you exporting this?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why you are exporting this",
            "invalid_choice": "Select why you are exporting this",
        },
    )
    export_reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you chose Other. Do not include anyone's personal details.",
        error_messages={"max_length": f"The reason must be {REASON_MAX} characters or fewer"},
    )

    def __init__(self, *args: Any, role_codes: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["export_purpose"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.value, p.label) for p in purposes_for(role_codes)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = (data.get("export_reason") or "").strip()
        # A reason refused as too long is not a missing one: one message, the length.
        if (
            data.get("export_purpose") == Purpose.OTHER
            and not reason
            and "export_reason" not in self.errors
        ):
            self.add_error("export_reason", "Enter the reason")
        data["export_reason"] = reason if data.get("export_purpose") == Purpose.OTHER else ""
        return data

    def purpose(self) -> ExportPurpose:
        return ExportPurpose(
            self.cleaned_data["export_purpose"], self.cleaned_data["export_reason"]
        )


def purpose_from(*, code: str, reason: str, role_codes: Iterable[str]) -> ExportPurpose:
    """The same rules for the command line: ValueError carries the first message."""
    form = ExportPurposeForm(
        {"export_purpose": code, "export_reason": reason}, role_codes=role_codes
    )
    if not form.is_valid():
        raise ValueError(next(iter(form.errors.values()))[0])
    return form.purpose()


Guard = Callable[..., Any]
# The filters of a download in words, {"Status": "Active"}, from the request and view arguments.
Describe = Callable[..., Mapping[str, str]]

# Query parameters that shape the page on screen, never the rows of the file.
NOT_FILTERS = frozenset({"page", "sort"})


def _value_words(field: forms.Field, value: Any) -> str:
    """A chosen value as its label says it: the choice's label, a date in words."""
    if isinstance(field, forms.ChoiceField):
        choices: Iterable[tuple[Any, Any]] = field.choices  # type: ignore[assignment]
        labels = {str(k): str(v) for k, v in choices if not isinstance(v, list | tuple)}
        return labels.get(str(value), str(value))
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


def form_filters(form: forms.Form) -> dict[str, str]:
    """A filter form's chosen values in words, {field label: value label}: what the purpose
    page shows and the export's audit row records. Empty values and paging or sorting are
    left out; an invalid form filters nothing, so it describes nothing."""
    if not (form.is_bound and form.is_valid()):
        return {}
    found: dict[str, str] = {}
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in NOT_FILTERS or value in (None, "", [], ()):
            continue
        found[str(field.label or name.replace("_", " ").capitalize())] = _value_words(field, value)
    return found


def _no_filters(request: HttpRequest, *args: Any, **kwargs: Any) -> Mapping[str, str]:
    return {}


def purpose_asked(
    what: str, *, guard: Guard, back: str, filters: Describe = _no_filters
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Ask the purpose before the decorated export runs.

    `what` names the download on the form ("the SPO register as CSV"); `guard(request,
    **kwargs)` is the view's own access check, run first so that a user who may not export
    sees 403 or 404, never the question; `back` is the URL name of the page the download is
    offered on (given the view's arguments; the filters return with the query string);
    `filters(request, **kwargs)` says the download's filters in words, as the view records
    them in the audit row (`form_filters`), never the raw query string."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "POST"):
                return HttpResponseNotAllowed(["GET", "POST"])
            guard(request, *args, **kwargs)
            roles: frozenset[str] = getattr(request.user, "role_codes", frozenset())
            form = ExportPurposeForm(
                request.POST if request.method == "POST" else None, role_codes=roles
            )
            if form.is_bound and form.is_valid():
                return view(request, *args, purpose=form.purpose(), **kwargs)
            query = request.GET.urlencode()
            return render(
                request,
                "pages/export_purpose.html",
                {
                    "form": form,
                    "what": what,
                    "filters": list(filters(request, *args, **kwargs).items()),
                    "back": reverse(back, kwargs=kwargs or None) + (f"?{query}" if query else ""),
                    "marker": FORM_MARKER,
                },
            )

        wrapper.asks_export_purpose = True  # type: ignore[attr-defined]
        return wrapper

    return decorate


def asks_purpose(view: Any) -> bool:
    """Whether a view (as the URL resolver holds it) asks the purpose first."""
    while view is not None:
        if getattr(view, "asks_export_purpose", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
