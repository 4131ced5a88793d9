"""Views for risk: thin; they call selectors (reads, access) and services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core.reach import SUBJECT_OWNERS, Reach, narrow, reach_context, reach_from
from desist.risk import display, engine, selectors, services
from desist.risk.forms import ActiveForm, AssessmentForm, InstrumentChoiceForm, InstrumentUploadForm
from desist.risk.loader import MAX_FILE_BYTES, definition_of
from desist.risk.models import AssessmentContext
from desist.risk.queues import level_text
from desist.risk.trend import build_charts

P = policy.Perm
PAGE_SIZE = 50


# --- instruments (system administrators) -----------------------------------------------------


@login_required
@require_GET
def instrument_list(request: AuthedRequest) -> HttpResponse:
    instruments = list(selectors.instrument_list_for(actor=request.user))
    return render(request, "risk/instrument_list.html", {"instruments": instruments})


@login_required
@require_http_methods(["GET", "POST"])
def instrument_load(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.INSTRUMENT_MANAGE)
    user: Any = request.user
    if request.method == "POST":
        form = InstrumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                instrument, outcome = services.instrument_load_file(
                    actor=user,
                    organisation=user.organisation,
                    name=upload.name or "",
                    content=upload.read(MAX_FILE_BYTES + 1),
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("definition", exc.messages):
                    form.add_error("file", message)
            else:
                text = {
                    "created": "has been loaded",
                    "replaced": "has been replaced with the new file",
                    "unchanged": "was already loaded; nothing has changed",
                }[outcome]
                messages.success(request, f"{instrument} {text}")
                return redirect("risk:instrument", instrument_id=instrument.pk)
    else:
        form = InstrumentUploadForm()
    return render(request, "risk/instrument_load.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def instrument_detail(request: AuthedRequest, instrument_id: int) -> HttpResponse:
    instrument = selectors.instrument_get_for(actor=request.user, instrument_id=instrument_id)
    user: Any = request.user
    can_change = instrument.owner_id is not None and instrument.owner_id == user.organisation_id
    if request.method == "POST":
        form = ActiveForm(request.POST)
        if can_change and form.is_valid():
            services.instrument_set_active(
                actor=user, instrument=instrument, is_active=form.cleaned_data["is_active"]
            )
            messages.success(
                request,
                f"{instrument} is available for new assessments"
                if form.cleaned_data["is_active"]
                else f"{instrument} has been withdrawn from new assessments",
            )
        return redirect("risk:instrument", instrument_id=instrument.pk)
    d = definition_of(instrument)
    return render(
        request,
        "risk/instrument_detail.html",
        {
            "instrument": instrument,
            "d": d,
            "rows": display.answer_rows(d, {}),
            "score_range": d.score_range,
            "bands": [
                {
                    "label": display.level_label(d, b.level),
                    "min": engine.format_score(b.min),
                }
                for b in d.bands
            ],
            "can_change": can_change,
        },
    )


# --- subjects and assessments (police) ------------------------------------------------------


@login_required
@require_GET
def reviews(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.RISK_VIEW)
    today = timezone.localdate()
    reach = reach_from(request.GET.get("view"), Reach.FORCE)
    due = selectors.risk_reviews_due_for(actor=request.user, on=today)
    page = Paginator(narrow(due, request.user, reach, via=SUBJECT_OWNERS), PAGE_SIZE)
    found = page.get_page(request.GET.get("page"))
    rows = [
        {
            "subject": r.subject,
            "review_date": r.review_date,
            "overdue": r.review_date < today,
            "level": level_text(r.risk_level),
            "instrument": r.instrument_name,
        }
        for r in map(selectors.review_due_row, found)
    ]
    audit_consultation(
        actor=request.user,
        verb="risk.reviews_view",
        object_type="people.Subject",
        new={"page": found.number, "view": reach.value},
    )
    return render(
        request,
        "risk/reviews.html",
        {"page": found, "rows": rows, "today": today} | reach_context(request.GET, reach),
    )


@login_required
@require_GET
def subject_history(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    assessments = list(selectors.assessment_list_for(actor=request.user, subject=subject))
    rows = []
    for a in assessments:
        d = definition_of(a.instrument)
        rows.append(
            {
                "a": a,
                "level_text": display.level_label(d, a.risk_level),
                "level_class": display.level_tag_class(d, a.risk_level),
                "score_text": display.score_text(d, a.score),
            }
        )
    audit_consultation(actor=request.user, obj=subject, verb="risk.history_view")
    return render(
        request,
        "risk/subject.html",
        {
            "subject": subject,
            "rows": rows,
            "charts": build_charts(assessments),
            "can_assess": policy.can(request.user, P.RISK_ASSESS, subject),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess_choose(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = selectors.subject_get_for(
        actor=request.user, subject_id=subject_id, perm=P.RISK_ASSESS
    )
    instruments = list(selectors.instrument_list_available(actor=request.user))
    form = InstrumentChoiceForm(
        request.POST if request.method == "POST" else None, instruments=instruments
    )
    if request.method == "POST" and form.is_valid():
        return redirect(
            "risk:assess_form", subject_id=subject.pk, instrument_id=form.cleaned_data["instrument"]
        )
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="risk.assess_view")
    choices = [
        {
            "instrument": i,
            "d": definition_of(i),
            "checked": str(form["instrument"].value()) == str(i.pk),
        }
        for i in instruments
    ]
    return render(
        request,
        "risk/assess_choose.html",
        {"subject": subject, "form": form, "choices": choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess_form(request: AuthedRequest, subject_id: int, instrument_id: int) -> HttpResponse:
    subject = selectors.subject_get_for(
        actor=request.user, subject_id=subject_id, perm=P.RISK_ASSESS
    )
    instrument = selectors.instrument_available_get(actor=request.user, instrument_id=instrument_id)
    d = definition_of(instrument)
    context: dict[str, Any] = {"subject": subject, "instrument": instrument, "d": d}
    if request.method == "GET":
        form = AssessmentForm(initial={"assessed_on": timezone.localdate()}, definition=d)
        audit_consultation(actor=request.user, obj=subject, verb="risk.assess_view")
        return render(request, "risk/assess_form.html", {**context, "form": form})

    form = AssessmentForm(request.POST, definition=d)
    action = request.POST.get("action", "check")
    if action == "change":
        return render(request, "risk/assess_form.html", {**context, "form": form})
    form_ok = form.is_valid()
    data = form.cleaned_data
    kwargs: dict[str, Any] = {
        "actor": request.user,
        "subject": subject,
        "instrument": instrument,
        "answers": form.answers(),
        "assessed_on": data.get("assessed_on"),
        "context": data.get("context") or "",
        "rationale": data.get("rationale") or "",
        "review_date": data.get("review_date"),
    }
    try:
        # With format errors on the form, still check the answers so every problem shows.
        if form_ok and action == "confirm":
            assessment = services.assessment_record(**kwargs)
        else:
            draft = services.assessment_check(**kwargs)
    except ValidationError as exc:
        for key, found in exc.message_dict.items():
            target = key if key in form.fields else None
            if target is not None and target in form.errors:
                continue  # the form already says what is wrong with this field
            for message in found:
                form.add_error(target, message)
    else:
        if form_ok and action == "confirm":
            messages.success(request, "The assessment has been recorded")
            return redirect("risk:assessment", assessment_id=assessment.pk)
        if form_ok:
            return render(
                request,
                "risk/assess_check.html",
                {
                    **context,
                    "form": form,
                    "draft": draft,
                    "context_label": AssessmentContext(draft.context).label,
                    "rows": display.answer_rows(
                        d, draft.answers, draft.outcome.item_scores, skip=_judgement_items(d)
                    ),
                    "score_text": display.score_text(d, draft.outcome.score),
                    "level_class": display.level_tag_class(d, draft.outcome.level),
                },
            )
    return render(request, "risk/assess_form.html", {**context, "form": form})


def _judgement_items(d: Any) -> tuple[str, ...]:
    j = d.judgement
    return tuple(x for x in (j.rationale_item, j.review_date_item) if x) if j else ()


@login_required
@require_GET
def assessment_detail(request: AuthedRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id)
    d = definition_of(assessment.instrument)
    audit_consultation(actor=request.user, obj=assessment, verb="risk.assessment_view")
    return render(
        request,
        "risk/assessment.html",
        {
            "a": assessment,
            "subject": assessment.subject,
            "d": d,
            "rows": display.answer_rows(
                d,
                assessment.answers,
                display.item_scores_for(d, assessment.answers),
                skip=_judgement_items(d),
            ),
            "score_text": display.score_text(d, assessment.score),
            "level_text": display.level_label(d, assessment.risk_level),
            "level_class": display.level_tag_class(d, assessment.risk_level),
        },
    )
