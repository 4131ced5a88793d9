"""Forms for the programme. They carry values; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms

from desist.core.dates import long_date, plausible_date
from desist.core.forms import date_field
from desist.programme import suitability
from desist.programme.models import (
    FIDELITY_ITEMS,
    MODULES,
    Attendance,
    DisclosureUrgency,
    EngagementRating,
    Phase,
    SpendCategory,
    Timepoint,
)
from desist.programme.ratings import ADHERENCE, COMPETENCE, Scale
from desist.risk.services import answer_field

YES_NO = [("yes", "Yes"), ("no", "No")]


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _text(
    label: str, what: str = "", *, required: bool = True, rows: int = 5, help_text: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {what or label.lower()}"},
    )


def _radios(
    label: str, choices: list[tuple[str, str]], what: str, help_text: str = ""
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": f"Select {what}", "invalid_choice": f"Select {what}"},
    )


class ProgrammeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label="Name of the programme",
        max_length=200,
        error_messages={"required": "Enter the name of the programme"},
    )
    provider = forms.TypedChoiceField(
        label="Intervention provider",
        coerce=int,
        error_messages={"required": "Select the intervention provider"},
    )
    forces = forms.TypedMultipleChoiceField(
        label="Police forces served",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the police forces the programme serves"},
    )
    capacity = forms.IntegerField(
        label="Number of places",
        min_value=1,
        error_messages={
            "required": "Enter the number of places, 1 or more",
            "min_value": "Enter the number of places, 1 or more",
            "invalid": "Enter the number of places as a whole number",
        },
    )
    funding = forms.DecimalField(
        label="Funding (pounds)",
        min_value=0,
        decimal_places=2,
        error_messages={
            "required": "Enter the funding in pounds, 0 or more",
            "invalid": "Enter the funding as a number, like 98000",
        },
    )
    funding_source = forms.CharField(
        label="Source of funding (optional)", max_length=200, required=False
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=52,
        error_messages={
            "required": "Enter the number of sessions, between 1 and 52",
            "min_value": "Enter the number of sessions, between 1 and 52",
            "max_value": "Enter the number of sessions, between 1 and 52",
            "invalid": "Enter the number of sessions as a whole number",
        },
    )
    modules = forms.MultipleChoiceField(
        label="Modules taught",
        choices=MODULES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the modules the programme teaches"},
    )
    caseload_limit = forms.IntegerField(
        label="Most open referrals per practitioner",
        min_value=1,
        error_messages={
            "required": "Enter the most referrals one practitioner may hold, 1 or more",
            "min_value": "Enter the most referrals one practitioner may hold, 1 or more",
            "invalid": "Enter a whole number",
        },
    )
    review_every = forms.IntegerField(
        label="Clinical supervisors review one session in",
        min_value=1,
        help_text="1 means every session is reviewed; 3 means one session in three.",
        error_messages={
            "required": "Enter how often sessions are reviewed: 1 for every session",
            "min_value": "Enter how often sessions are reviewed: 1 for every session",
            "invalid": "Enter a whole number",
        },
    )

    completion_sessions = forms.IntegerField(
        label="Sessions a person must attend to complete",
        min_value=1,
        help_text="Attended on time or late. Fewer, and the intervention cannot be recorded as completed.",
        error_messages={
            "required": "Enter the sessions a person must attend to complete",
            "min_value": "Enter the sessions a person must attend to complete, 1 or more",
            "invalid": "Enter a whole number",
        },
    )
    completion_module = forms.ChoiceField(
        label="Module that must be among them",
        required=False,
        choices=[("", "None")] + MODULES,
        help_text="For example the maintenance module, taught at the end.",
    )
    partial_sessions = forms.IntegerField(
        label="Sessions attended for a partial completion",
        min_value=0,
        help_text="An intervention that ends with at least this many, but not completed, is "
        "partially completed; with fewer it ended early. 0 for no partial completion.",
        error_messages={
            "required": "Enter the sessions attended for a partial completion (0 for none)",
            "min_value": "Enter the sessions attended for a partial completion (0 for none)",
            "invalid": "Enter a whole number",
        },
    )

    def __init__(self, *args: Any, providers: list[Any], forces: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self, "provider", [("", "Select a provider")] + [(o.pk, o.name) for o in providers]
        )
        _set_choices(self, "forces", [(o.pk, o.name) for o in forces])


class SessionPlanForm(forms.Form):
    """One module and phase per session."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        sessions: int,
        modules: list[str],
        plan: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(MODULES)
        by_number = {int(r["session"]): r for r in plan}
        for n in range(1, sessions + 1):
            row = by_number.get(n, {})
            self.fields[f"phase_{n}"] = forms.ChoiceField(
                label=f"Session {n}: phase",
                choices=Phase.choices,
                initial=row.get("phase"),
                error_messages={"required": f"Select the phase of session {n}"},
            )
            self.fields[f"module_{n}"] = forms.ChoiceField(
                label=f"Session {n}: module",
                choices=[(m, labels[m]) for m in modules if m in labels],
                initial=row.get("module"),
                error_messages={"required": f"Select the module of session {n}"},
            )
        self.sessions = sessions

    def plan(self) -> list[dict[str, Any]]:
        return [
            {
                "session": n,
                "phase": self.cleaned_data[f"phase_{n}"],
                "module": self.cleaned_data[f"module_{n}"],
            }
            for n in range(1, self.sessions + 1)
        ]


class PutForwardForm(forms.Form):
    programme = forms.TypedChoiceField(
        label="Programme",
        coerce=int,
        error_messages={
            "required": "Select a programme that serves your force",
            "invalid_choice": "Select a programme that serves your force",
        },
    )
    order = forms.TypedChoiceField(
        label="Stalking Protection Order",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="The order and its terms are shared with the provider by reference.",
    )
    risk_assessment = forms.TypedChoiceField(
        label="Risk assessment",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="The provider sees the score and level of the assessment you choose.",
    )
    risk_summary = _text(
        "Risk summary for the provider",
        "a risk summary",
        required=False,
        help_text="What the provider needs to know about risk. Do not include any victim's name, address or contact details.",
    )
    put_forward_on = date_field("Date put forward", what="the date the subject was put forward")

    def __init__(
        self,
        *args: Any,
        programmes: list[Any],
        orders: list[Any],
        assessments: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self, "programme", [(p.pk, f"{p.name} ({p.provider.name})") for p in programmes]
        )
        _set_choices(
            self,
            "order",
            [("", "None")] + [(o.pk, f"{o.reference} ({o.get_status_display()})") for o in orders],
        )
        _set_choices(
            self,
            "risk_assessment",
            [("", "None")]
            + [
                (
                    a.pk,
                    f"{a.instrument.name}, {long_date(a.assessed_on)}"
                    + (f" ({a.risk_level})" if a.risk_level else ""),
                )
                for a in assessments
            ],
        )


def _caseload_label(user: Any, limit: int | None) -> str:
    """ "Name (3 open of 8)", and a warning once the programme's caseload limit is reached."""
    name = user.get_full_name() or user.username
    if limit is None:
        return f"{name} ({user.caseload} open)"
    warning = ": at the limit" if user.caseload >= limit else ""
    return f"{name} ({user.caseload} open of {limit}{warning})"


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_on = date_field("Date of the change", what="the date of the change")

    def __init__(
        self,
        *args: Any,
        target: str,
        reasons: list[tuple[str, str]],
        practitioners: list[Any] | None = None,
        limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if target == "allocated":
            self.fields["practitioner"] = forms.TypedChoiceField(
                label="Practitioner",
                coerce=int,
                choices=[("", "Select a practitioner")]
                + [(u.pk, _caseload_label(u, limit)) for u in practitioners or []],
                error_messages={
                    "required": "Select the practitioner",
                    "invalid_choice": "Select the practitioner",
                },
            )
        if reasons:
            self.fields["reason_code"] = _radios("Reason", reasons, "the reason for this change")
            self.fields["reason"] = _text(
                "More detail (required if you chose another reason)",
                "the reason for this change",
                required=False,
                rows=3,
            )
        if target == "consented":
            self.fields["sharing_explained"] = _text(
                "What was the person told about information sharing?",
                "what the person was told about how information is shared",
                help_text="For example: attendance and engagement are shared with the police; a risk to anyone is shared with the police and victim services; clinical notes are not shared.",
            )
            self.fields["attendance_required_by_order"] = _radios(
                "Is attending the programme a requirement of the person's SPO?",
                YES_NO,
                "whether attending is a requirement of the order",
            )


class AssessForm(forms.Form):
    """The suitability assessment: each criterion answered (with a note where needed), the
    outcome, the reason from the outcome's own list, and a review date for 'not ready yet'.
    The command checks that the outcome follows from the answers."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_on = date_field("Date of the assessment", what="the date of the assessment")

    def __init__(self, *args: Any, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in suitability.CRITERIA:
            self.fields[f"c_{c.code}"] = forms.ChoiceField(
                label=c.question,
                help_text=c.hint,
                choices=suitability.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Select whether {c.what}",
                    "invalid_choice": f"Select whether {c.what}",
                },
            )
            self.fields[f"c_{c.code}_note"] = _text(
                "Note (needed if not known yet)", required=False, rows=2
            )
        self.fields["outcome"] = _radios(
            "Outcome of the suitability assessment",
            outcomes,
            "the outcome of the suitability assessment",
            help_text="Suitable only if every answer is Yes. If every place is taken, a "
            "suitable person joins the waiting list.",
        )
        for outcome, label in (
            (suitability.NOT_READY, "If not ready yet: the main reason"),
            (suitability.NOT_SUITABLE, "If not suitable: the main reason"),
        ):
            if outcome not in dict(outcomes):
                continue
            self.fields[f"{outcome}_reason"] = forms.ChoiceField(
                label=label,
                required=False,
                widget=forms.RadioSelect,
                choices=suitability.REASONS_BY_OUTCOME[outcome],
                error_messages={"invalid_choice": "Select the main reason"},
            )
            if outcome == suitability.NOT_READY:
                self.fields["review_on"] = date_field(
                    "If not ready yet: date to review whether the person is ready",
                    what="the date to review whether the person is ready",
                    required=False,
                    help_text="The referral stays on your list and comes back to you on this "
                    "date. For example, in three months.",
                )
        self.fields["reason"] = _text(
            "More detail (required if you chose another reason)", required=False, rows=3
        )

    def answers(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            c.code: {
                "answer": data.get(f"c_{c.code}", ""),
                "note": data.get(f"c_{c.code}_note", ""),
            }
            for c in suitability.CRITERIA
        }

    def reason_code(self) -> str:
        """The reason given under the chosen outcome; one ticked under another is ignored."""
        return self.cleaned_data.get(f"{self.cleaned_data.get('outcome')}_reason") or ""

    def service_field(self, name: str) -> str:
        """Where a command's error belongs on this form."""
        if name == "reason_code":
            return f"{self.cleaned_data.get('outcome')}_reason"
        return name


class ScheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Date and time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[plausible_date("the date of the session")],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Enter the date and time of the session",
            "invalid": "Enter the date and time of the session as a real date and time",
        },
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        initial=60,
        error_messages={
            "required": "Enter the length of the session, between 15 and 240 minutes",
            "invalid": "Enter the length as a whole number of minutes",
        },
    )
    remote = _radios(
        "Where will the session be held?",
        [("no", "In person"), ("yes", "Remote (video or phone)")],
        "whether the session is in person or remote",
    )
    place = forms.CharField(label="Place (for a session in person)", required=False, max_length=200)


class BookForm(ScheduleForm):
    """Booking one session: which open slot of the plan it fills (a cancelled or missed slot
    re-booked keeps its place in the plan, not the lowest open number)."""

    number = _radios("Which session of the plan is this?", [], "which session this is")

    def __init__(self, *args: Any, slots: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["number"]
        assert isinstance(field, forms.ChoiceField)
        field.required = False  # unanswered: the lowest open slot; none open: the service says so
        field.choices = [
            (str(n), f"Session {n}: {label}" if label else f"Session {n}") for n, label in slots
        ]


class SeriesForm(forms.Form):
    """A weekly series (issue 20): the first session's date and time; the rest follow weekly."""

    first_day = date_field(
        "Date of the first session",
        what="the date of the first session",
        help_text="The other open sessions of the plan follow on the same day each week.",
    )
    at = forms.TimeField(
        label="Time of the sessions",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Enter the time of the sessions",
            "invalid": "Enter the time of the sessions as a real time, like 14:30",
        },
    )
    duration_minutes = forms.IntegerField(
        label="Length of each session (minutes)",
        initial=60,
        error_messages={
            "required": "Enter the length of each session, between 15 and 240 minutes",
            "invalid": "Enter the length as a whole number of minutes",
        },
    )
    remote = _radios(
        "Where will the sessions be held?",
        [("no", "In person"), ("yes", "Remote (video or phone)")],
        "whether the sessions are in person or remote",
    )
    place = forms.CharField(label="Place (for sessions in person)", required=False, max_length=200)


class RescheduleForm(ScheduleForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _text("Why is the session being moved?", "why the session is being moved", rows=3)


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _text("Why is the session cancelled?", "why the session is cancelled", rows=3)


class AttendanceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    attendance = _radios(
        "Did the person attend?", list(Attendance.choices), "whether the person attended"
    )
    absence_acceptable = forms.ChoiceField(
        label="If they did not attend, was the absence acceptable?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        help_text="Two unacceptable absences in a row mark the person at risk of disengaging, and the police are told.",
    )
    absence_reason = _text(
        "Reason for the absence", "the reason for the absence", required=False, rows=3
    )


class DeliveryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    module_delivered = forms.ChoiceField(
        label="Module delivered",
        choices=MODULES,
        error_messages={"required": "Select the module delivered"},
    )
    content = _text(
        "Content delivered",
        "the content delivered",
        help_text="What was covered. Put clinical observations in the clinical notes.",
    )
    fidelity = forms.MultipleChoiceField(
        label="Fidelity checklist",
        choices=FIDELITY_ITEMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    engagement = _radios(
        "How did the person engage?", list(EngagementRating.choices), "how the person engaged"
    )


class NoteForm(forms.Form):
    # Unsent text kept in the browser over an idle sign-out ({% draft_opt_in %}).
    draft_fields = ("text",)
    text = _text(
        "Clinical notes",
        "the clinical notes",
        rows=10,
        help_text="Only provider staff can read these. Saving adds a new revision; earlier revisions are kept.",
    )
    # The revision this text was written over (0: none yet); a save over any other is refused.
    base_revision = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "Reload the page and try again",
            "invalid": "Reload the page and try again",
            "min_value": "Reload the page and try again",
        },
    )


class ConcernForm(forms.Form):
    disclosed = _text(
        "What was disclosed?",
        "what was disclosed",
        help_text="Describe the risk. Do not include any victim's name, address or contact details.",
    )
    urgency = _radios("How urgent is it?", list(DisclosureUrgency.choices), "how urgent this is")


def _rating(scale: Scale) -> forms.TypedChoiceField:
    """A 0 to 3 rating; the template shows each anchor's meaning under its label."""
    field = forms.TypedChoiceField(
        label=scale.question,
        choices=[(a.value, f"{a.value}: {a.label}") for a in scale.anchors],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Select {scale.what}",
            "invalid_choice": f"Select {scale.what}",
        },
    )
    field.anchors = {str(a.value): a.meaning for a in scale.anchors}  # type: ignore[attr-defined]
    return field


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    adherence = _rating(ADHERENCE)
    competence = _rating(COMPETENCE)
    comment = _text("Your comment", "your comment on the session", rows=4)


class SupervisionForm(forms.Form):
    # Unsent text kept in the browser over an idle sign-out ({% draft_opt_in %}).
    draft_fields = ("comment",)
    occurred_on = date_field("Date of the supervision", what="the date of the supervision")
    comment = _text("Notes of the supervision", "a note of the supervision", rows=4)


class MeasureForm(forms.Form):
    """Common fields plus one field per item, named as the risk assessment form names them."""

    timepoint = _radios(
        "When was the measure given?", list(Timepoint.choices), "when the measure was given"
    )
    assessed_on = date_field("Date given", what="the date the measure was given")

    def __init__(self, *args: Any, definition: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition.items:
            self.fields[answer_field(item.id)] = forms.CharField(label=item.text, required=False)

    def answers(self) -> dict[str, str]:
        return {i.id: self.data.get(answer_field(i.id)) or "" for i in self.definition.items}

    def item_rows(self) -> list[dict[str, Any]]:
        rows, section = [], ""
        for item in self.definition.items:
            heading = item.section if item.section and item.section != section else ""
            section = item.section or section
            rows.append({"item": item, "field": self[answer_field(item.id)], "heading": heading})
        return rows


class EndReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    practitioner_assessment = _text(
        "Your assessment of the person's progress",
        "your assessment of the person's progress",
        rows=6,
    )
    warning_signs = _text(
        "Warning signs",
        "the warning signs",
        help_text="Signs that the person may return to stalking.",
    )
    skills_to_use = _text(
        "Skills to use",
        "the skills to use",
        help_text="Which skills the person will use when they notice a warning sign.",
    )
    contacts = _text(
        "Who to contact",
        "who to contact",
        rows=3,
        help_text="Services and roles, not private individuals.",
    )
    police_summary = _text(
        "Summary for the police (optional)",
        required=False,
        rows=4,
        help_text="The police see this summary, the attendance and modules completed, the warning signs and who to contact. They never see your assessment above or the clinical notes.",
    )


class ExpenditureForm(forms.Form):
    spent_on = date_field(
        "Date spent",
        what="the date the money was spent",
        help_text="For example, the invoice date or the last day of a payroll month.",
    )
    category = _radios(
        "What was the money spent on?", list(SpendCategory.choices), "what the money was spent on"
    )
    amount = forms.DecimalField(
        label="Amount in pounds",
        help_text="For example, 1250.50",
        error_messages={
            "required": "Enter the amount in pounds",
            "invalid": "Enter the amount in pounds and pence, like 1250.50",
        },
    )
    description = forms.CharField(
        label="Description",
        max_length=200,
        help_text="For example, the invoice number and supplier. Do not include anyone's name.",
        error_messages={
            "required": "Enter what the money was spent on",
            "max_length": "The description must be 200 characters or fewer",
        },
    )


class WithdrawExpenditureForm(forms.Form):
    reason = _text("Why is this line being withdrawn?", "why this line is being withdrawn", rows=3)
