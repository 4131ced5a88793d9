"""Views for the programme: thin; they call selectors (reads, access) and actions (writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core import figures
from desist.core.concurrency import StaleRecordError
from desist.core.dates import long_date, long_datetime
from desist.core.forms import add_service_errors
from desist.core.roles import RoleCode
from desist.core.stale import show_stale
from desist.core.workflow import page_view
from desist.documents import selectors as document_selectors
from desist.home.queues import queues_for
from desist.orders import lookups as order_lookups
from desist.people import selectors as people_selectors
from desist.policy import Perm
from desist.programme import actions, completion, queues, selectors, suitability, workflow
from desist.programme import calendar as cal
from desist.programme.forms import (
    AssessForm,
    AttendanceForm,
    BookForm,
    CancelForm,
    ConcernForm,
    DeliveryForm,
    EndReportForm,
    ExpenditureForm,
    MeasureForm,
    NoteForm,
    ProgrammeForm,
    PutForwardForm,
    RescheduleForm,
    ReviewForm,
    SeriesForm,
    SessionPlanForm,
    SupervisionForm,
    TransitionForm,
    WithdrawExpenditureForm,
)
from desist.programme.models import (
    FIDELITY_ITEMS,
    MODULE_LABELS,
    MODULES,
    ReferralStatus,
)
from desist.programme.ratings import SCALES
from desist.risk import selectors as risk_selectors
from desist.risk.loader import definition_of
from desist.risk.trend import build_charts
from desist.sharing import selectors as sharing_selectors
from desist.sharing.redaction import RedactionBlocked

S = ReferralStatus
SERVICE_ERRORS = (ValidationError, RedactionBlocked)


def _form_page(request: AuthedRequest, form: forms.Form, **context: Any) -> HttpResponse:
    context.setdefault("submit", "Save")
    return render(request, "programme/form.html", {"form": form, **context})


def _stale(
    form: forms.Form, record: Any, saved: Callable[[Any], dict[str, Any]] | None = None
) -> None:
    """Re-show the refused form at the record's current version (`core.stale`)."""
    if record is None:
        form.add_error(None, StaleRecordError.message)
    else:
        show_stale(form, record, saved)


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


# --- programme settings ---------------------------------------------------------------------


@login_required
@require_GET
def programme_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.PROGRAMME_SETTINGS)
    programmes = list(selectors.programme_list_for(actor=request.user))
    rows = [{"programme": p, "places": selectors.places_for(p)} for p in programmes]
    return render(request, "programme/programme_list.html", {"rows": rows})


def _programme_initial(programme: Any) -> dict[str, Any]:
    return {
        "version": programme.version,
        "name": programme.name,
        "provider": programme.provider_id,
        "forces": [f.pk for f in programme.forces.all()],
        "capacity": programme.capacity,
        "funding": programme.funding,
        "funding_source": programme.funding_source,
        "sessions": programme.sessions,
        "modules": programme.modules,
        "caseload_limit": programme.caseload_limit,
        "review_every": programme.review_every,
        "completion_sessions": programme.completion_sessions,
        "completion_module": programme.completion_module,
        "partial_sessions": programme.partial_sessions,
    }


def _programme_form(request: AuthedRequest, programme: Any = None) -> HttpResponse:
    providers, forces = selectors.organisations_for_settings(actor=request.user)
    initial: dict[str, Any] = {
        "capacity": 30,
        "sessions": 12,
        "caseload_limit": 8,
        "review_every": 1,
        "modules": [c for c, _ in MODULES],
        "funding": 0,
        "completion_sessions": 10,
        "completion_module": "maintenance",
        "partial_sessions": 6,
    }
    if programme is not None:
        initial = _programme_initial(programme)
        providers = providers or [programme.provider]
    form = ProgrammeForm(request.POST or None, initial=initial, providers=providers, forces=forces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_id = {o.pk: o for o in providers + forces}
        try:
            saved = actions.programme_save(
                actor=request.user,
                programme=programme,
                version=data.get("version"),
                name=data["name"],
                provider=by_id.get(data["provider"]),
                forces=[by_id[f] for f in data["forces"] if f in by_id],
                capacity=data["capacity"],
                funding=data["funding"],
                funding_source=data["funding_source"],
                sessions=data["sessions"],
                modules=data["modules"],
                session_plan=programme.session_plan
                if programme is not None and programme.sessions == data["sessions"]
                else None,
                caseload_limit=data["caseload_limit"],
                review_every=data["review_every"],
                completion_sessions=data["completion_sessions"],
                completion_module=data["completion_module"],
                partial_sessions=data["partial_sessions"],
            )
        except StaleRecordError:
            _stale(form, programme, _programme_initial)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Programme settings saved. The change applies to people who start from now on.",
            )
            return redirect("programme:settings_detail", saved.pk)
    return _form_page(
        request,
        form,
        title="Change programme settings" if programme else "Set up a programme",
        caption="Intervention programme",
        back_url=reverse("programme:settings"),
        back_label="Back to programmes",
        submit="Save settings",
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.PROGRAMME_SETTINGS)
    return _programme_form(request)


@login_required
@require_GET
def programme_detail(request: AuthedRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_get_for(actor=request.user, programme_id=programme_id)
    plan = [
        {
            **r,
            "module_label": MODULE_LABELS.get(str(r["module"]), r["module"]),
            "phase_label": str(r["phase"]).capitalize(),
        }
        for r in programme.session_plan
    ]
    return render(
        request,
        "programme/programme_detail.html",
        {
            "programme": programme,
            "places": selectors.places_for(programme),
            "plan": plan,
            "module_labels": [MODULE_LABELS.get(m, m) for m in programme.modules],
            "versions": list(programme.versions.select_related("created_by")[:10]),
            "completion": completion.programme_rule(programme),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthedRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_get_for(actor=request.user, programme_id=programme_id)
    return _programme_form(request, programme)


@login_required
@require_http_methods(["GET", "POST"])
def programme_plan(request: AuthedRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_get_for(actor=request.user, programme_id=programme_id)
    form = SessionPlanForm(
        request.POST or None,
        initial={"version": programme.version},
        sessions=programme.sessions,
        modules=list(programme.modules),
        plan=list(programme.session_plan),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.programme_save(
                actor=request.user,
                programme=programme,
                version=form.cleaned_data["version"],
                name=programme.name,
                provider=programme.provider,
                forces=list(programme.forces.all()),
                capacity=programme.capacity,
                funding=programme.funding,
                funding_source=programme.funding_source,
                sessions=programme.sessions,
                modules=programme.modules,
                session_plan=form.plan(),
                caseload_limit=programme.caseload_limit,
                review_every=programme.review_every,
            )
        except StaleRecordError:
            _stale(form, programme)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session plan saved")
            return redirect("programme:settings_detail", programme.pk)
    return _form_page(
        request,
        form,
        title="Session plan",
        caption=programme.name,
        intro="Choose the phase and the module of each session.",
        back_url=reverse("programme:settings_detail", args=[programme.pk]),
        back_label="Back to the programme",
        submit="Save session plan",
    )


# --- spending -------------------------------------------------------------------------------


@login_required
@require_GET
def spending(request: AuthedRequest, programme_id: int) -> HttpResponse:
    programme, totals, lines = selectors.spending_page_for(
        actor=request.user, programme_id=programme_id
    )
    return render(
        request,
        "programme/spending.html",
        {"programme": programme, "totals": totals, "lines": list(lines)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def spending_record(request: AuthedRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_get_for(actor=request.user, programme_id=programme_id)
    form = ExpenditureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.expenditure_record(
                actor=request.user,
                programme=programme,
                spent_on=d["spent_on"],
                category=d["category"],
                amount=d["amount"],
                description=d["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Spending recorded")
            return redirect("programme:spending", programme.pk)
    return _form_page(
        request,
        form,
        title="Record spending",
        caption=programme.name,
        back_url=reverse("programme:spending", args=[programme.pk]),
        back_label="Back to spending",
        submit="Record spending",
    )


@login_required
@require_http_methods(["GET", "POST"])
def spending_withdraw(request: AuthedRequest, expenditure_id: int) -> HttpResponse:
    line = selectors.expenditure_get_for(actor=request.user, expenditure_id=expenditure_id)
    back = reverse("programme:spending", args=[line.programme_id])
    if line.withdrawn_at is not None:
        return _form_page(
            request,
            WithdrawExpenditureForm(),
            title="Withdraw a line of spending",
            caption=line.programme.name,
            refused="This line has already been withdrawn.",
            back_url=back,
            back_label="Back to spending",
        )
    form = WithdrawExpenditureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.expenditure_withdraw(
                actor=request.user, line=line, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Line withdrawn. It no longer counts towards spending.")
            return redirect(back)
    return _form_page(
        request,
        form,
        title="Withdraw a line of spending",
        caption=line.programme.name,
        intro="The line is kept, marked as withdrawn, and no longer counts towards spending.",
        summary=[
            ("Date spent", date_format(line.spent_on, "j F Y")),
            ("Spent on", line.get_category_display()),
            ("Amount", figures.money(line.amount)),
            ("Description", line.description),
        ],
        back_url=back,
        back_label="Back to spending",
        submit="Withdraw line",
    )


# --- the workflow ---------------------------------------------------------------------------


workflow_diagram = page_view(
    workflow.WORKFLOW,
    "programme/workflow.html",
    lambda user: policy.require_perm(user, Perm.REFERRAL_VIEW),
)


# --- referrals ------------------------------------------------------------------------------


@login_required
@require_GET
def referral_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.REFERRAL_VIEW)
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    referrals = list(selectors.referral_list_for(actor=request.user, status=status)[:200])
    audit_consultation(
        actor=request.user,
        verb="referral.list",
        object_type="programme.Referral",
        new={"status": status, "shown": len(referrals)},
    )
    return render(
        request,
        "programme/referral_list.html",
        {
            "referrals": referrals,
            "status": status,
            "statuses": S.choices,
            "tags": selectors.ENGAGEMENT_TAGS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def put_forward(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.REFERRAL_PUT_FORWARD)
    subject = people_selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    policy.require(request.user, Perm.REFERRAL_PUT_FORWARD, subject)
    programmes = list(selectors.programmes_for_force(force_id=subject.force_id))
    orders = list(order_lookups.orders_for_subject(actor=request.user, subject=subject))
    assessments = list(
        risk_selectors.assessment_list_for(actor=request.user, subject=subject).select_related(
            "instrument"
        )[:20]
    )
    initial = {
        "put_forward_on": timezone.localdate(),
        "order": orders[0].pk if orders else None,
        "risk_assessment": assessments[0].pk if assessments else None,
        "programme": programmes[0].pk if len(programmes) == 1 else None,
    }
    form = PutForwardForm(
        request.POST or None,
        initial=initial,
        programmes=programmes,
        orders=orders,
        assessments=assessments,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.referral_put_forward(
                actor=request.user,
                subject=subject,
                programme=next((p for p in programmes if p.pk == data["programme"]), None),
                order=next((o for o in orders if o.pk == data["order"]), None),
                risk_assessment=next(
                    (a for a in assessments if a.pk == data["risk_assessment"]), None
                ),
                risk_summary=data["risk_summary"],
                put_forward_on=data["put_forward_on"],
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{subject.full_name} has been put forward for the programme ({referral.reference})",
            )
            return redirect("programme:referral", referral.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_referral")
    return _form_page(
        request,
        form,
        title="Put forward for the intervention programme",
        caption=subject.full_name,
        intro="The provider will see the subject's name, date of birth and PNC number, the order's terms (with protected people shown only as references) and the risk assessment you choose. They never see any victim's identity.",
        back_url=reverse("people:detail", args=[subject.pk]),
        back_label="Back to the subject",
        submit="Put forward",
        empty_text="No programme serves your force yet." if not programmes else "",
    )


@login_required
@require_GET
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    page = selectors.referral_page_for(actor=request.user, referral_id=referral_id)
    audit_consultation(actor=request.user, obj=page.referral, verb="referral.view")
    charts = []
    if page.measures:
        charts = build_charts(page.measures)
    can = {
        "schedule": page.is_provider
        and policy.can(request.user, Perm.SESSION_MANAGE, page.referral),
        "measure": page.is_provider
        and policy.can(request.user, Perm.MEASURE_RECORD, page.referral),
        "end_report": page.is_provider
        and policy.can(request.user, Perm.END_REPORT_WRITE, page.referral),
        "assess": page.is_provider
        and page.referral.status in workflow.ASSESSABLE
        and policy.can(request.user, Perm.REFERRAL_ASSESS, page.referral),
    }
    # The assessment's changes are made on its own form, never as a bare status change.
    actions = [
        t
        for t in page.actions
        if (page.referral.status, t.target) not in workflow.ASSESSMENT_CHANGES
    ]
    return render(
        request,
        "programme/referral_detail.html",
        {
            "page": page,
            "r": page.referral,
            "actions": actions,
            "can": can,
            "charts": charts,
            "tags": selectors.ENGAGEMENT_TAGS,
            "documents": document_selectors.panel_for(actor=request.user, record=page.referral),
            "sessions_planned": (
                page.referral.programme_version.settings.get("sessions")
                if page.referral.programme_version
                else page.referral.programme.sessions
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_change(request: AuthedRequest, referral_id: int, target: str) -> HttpResponse:
    referral = selectors.referral_get_for(actor=request.user, referral_id=referral_id)
    if target not in S.values:
        raise Http404
    transition = workflow.transition_for(referral.status, target)
    practitioners = (
        selectors.practitioner_choices(referral=referral) if target == S.ALLOCATED else None
    )
    form = TransitionForm(
        request.POST or None,
        initial={"version": referral.version, "effective_on": timezone.localdate()},
        target=target,
        reasons=workflow.REASONS.get(target, [])
        if transition is None or transition.reason_required
        else [],
        practitioners=practitioners,
        limit=referral.programme.caseload_limit,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.referral_transition(
                actor=request.user,
                referral=referral,
                version=data["version"],
                target=target,
                reason_code=data.get("reason_code", ""),
                reason=data.get("reason", ""),
                effective_on=data["effective_on"],
                practitioner=next(
                    (u for u in practitioners or [] if u.pk == data.get("practitioner")), None
                ),
                sharing_explained=data.get("sharing_explained", ""),
                attendance_required_by_order=_yes_no(data.get("attendance_required_by_order")),
            )
        except StaleRecordError:
            _stale(form, referral)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Referral {referral.reference}: {workflow.status_label(target)}"
            )
            return redirect("programme:referral", referral.pk)
    refused = ""
    if request.method == "GET":
        # Say at once, clearly, if this change is not allowed (the service refuses it anyway).
        try:
            workflow.check_transition(
                role_codes=getattr(request.user, "role_codes", ()),
                source=referral.status,
                target=target,
                reason_code=(workflow.REASONS.get(target) or [("", "")])[0][0],
            )
        except ValidationError as exc:
            refused = exc.messages[0]
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_change")
    return _form_page(
        request,
        form,
        refused=refused,
        title=transition.label if transition else f"Change to '{workflow.status_label(target)}'",
        caption=f"Referral {referral.reference}: {referral.subject.full_name}",
        back_url=reverse("programme:referral", args=[referral.pk]),
        back_label="Back to the referral",
        submit="Confirm",
        summary=[
            ("Current status", referral.get_status_display()),
            ("New status", workflow.status_label(target)),
        ],
    )


def _assess_outcomes(referral: Any) -> list[tuple[str, str]]:
    """The outcomes a (re)assessment may record: someone on the waiting list keeps their
    place or is found not suitable (the table has no way back to 'not ready yet')."""
    if referral.status == S.WAITING:
        return [
            (suitability.SUITABLE, "Suitable: stays on the waiting list in the same place"),
            (suitability.NOT_SUITABLE, "Not suitable"),
        ]
    return list(suitability.OUTCOMES)


def _assess_message(referral: Any, source: str) -> str:
    if referral.status == S.WAITING and source == S.WAITING:
        return "Reassessment recorded. The person is still suitable and keeps their place on the waiting list"
    if referral.status == S.WAITING:
        return "Suitable. Every place is taken, so the person has joined the waiting list"
    if referral.status == S.NOT_READY:
        return f"Not ready yet. The referral comes back to you for review on {long_date(referral.review_on)}"
    return f"Suitability assessment recorded: {workflow.status_label(referral.status)}"


@login_required
@require_http_methods(["GET", "POST"])
def referral_assess(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for(
        actor=request.user, referral_id=referral_id, perm=Perm.REFERRAL_ASSESS
    )
    form = AssessForm(
        request.POST or None,
        initial={"version": referral.version, "effective_on": timezone.localdate()},
        outcomes=_assess_outcomes(referral),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = referral.status
        try:
            actions.referral_assess(
                actor=request.user,
                referral=referral,
                version=data["version"],
                outcome=data["outcome"],
                answers=form.answers(),
                reason_code=form.reason_code(),
                reason=data.get("reason", ""),
                effective_on=data["effective_on"],
                review_on=data.get("review_on"),
            )
        except StaleRecordError:
            _stale(form, referral)
        except SERVICE_ERRORS as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                exc = ValidationError(
                    {form.service_field(k): v for k, v in exc.message_dict.items()}
                )
            add_service_errors(form, exc)
        else:
            messages.success(request, _assess_message(referral, source))
            return redirect("programme:referral", referral.pk)
    refused = ""
    if referral.status not in workflow.ASSESSABLE:
        refused = (
            "A suitability assessment is recorded only for a referral allocated to a "
            f"practitioner, not ready yet, or on the waiting list. This referral is "
            f"'{referral.get_status_display()}'."
        )
    places = selectors.places_for(referral.programme)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_assessment")
    summary = [
        ("Current status", referral.get_status_display()),
        ("Places", f"{places.held} of {places.capacity} taken, {places.waiting} waiting"),
    ]
    if referral.review_on:
        summary.append(("Review date", long_date(referral.review_on)))
    return _form_page(
        request,
        form,
        refused=refused,
        title="Suitability reassessment"
        if referral.status in (S.NOT_READY, S.WAITING)
        else "Suitability assessment",
        caption=f"Referral {referral.reference}: {referral.subject.full_name}",
        intro="Answer each question, then record the outcome that follows from the answers.",
        back_url=reverse("programme:referral", args=[referral.pk]),
        back_label="Back to the referral",
        submit="Record assessment",
        summary=summary,
    )


# --- sessions -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_schedule(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for(
        actor=request.user, referral_id=referral_id, perm=Perm.SESSION_MANAGE
    )
    plan, free = actions.plan_slots(referral), actions.open_slots(referral)
    slots = [(n, MODULE_LABELS.get(plan[n].get("module", ""), "")) for n in free]
    form = BookForm(
        request.POST or None,
        slots=slots,
        initial={"duration_minutes": 60, "remote": "no", "number": str(free[0]) if free else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = actions.session_schedule(
                actor=request.user,
                referral=referral,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                remote=_yes_no(data["remote"]),
                place=data["place"],
                number=int(data["number"]) if data.get("number") else None,
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Session {session.number} booked")
            return redirect("programme:referral", referral.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_session")
    return _form_page(
        request,
        form,
        title="Book a session",
        caption=f"Referral {referral.reference}: {referral.subject.full_name}",
        back_url=reverse("programme:referral", args=[referral.pk]),
        back_label="Back to the referral",
        submit="Book session",
    )


def _series_request(data: dict[str, Any]) -> actions.SeriesRequest:
    return actions.SeriesRequest(
        first_day=data.get("first_day"),
        at=data.get("at"),
        duration_minutes=data.get("duration_minutes"),
        remote=_yes_no(data.get("remote")),
        place=data.get("place") or "",
    )


def _series_booked_message(booked: list[Any], left: list[Any]) -> str:
    text = f"{len(booked)} session{'s' if len(booked) != 1 else ''} booked"
    if left:
        numbers = ", ".join(str(row.number) for row in left)
        text += f". Not booked, because of a clash: session {numbers}. Book each on another day"
    return text


@login_required
@require_http_methods(["GET", "POST"])
def session_series(request: AuthedRequest, referral_id: int) -> HttpResponse:
    """Book the open slots weekly (issue 20): the form, then a preview with each row's
    clashes, then the booking of the clear rows."""
    referral = selectors.referral_get_for(
        actor=request.user, referral_id=referral_id, perm=Perm.SESSION_MANAGE
    )
    form = SeriesForm(request.POST or None, initial={"duration_minutes": 60, "remote": "no"})
    step = request.POST.get("step", "preview")
    rows: list[Any] = []
    if request.method == "POST" and step != "change" and form.is_valid():
        series = _series_request(form.cleaned_data)
        try:
            if step == "confirm":
                booked, left = actions.session_series_book(
                    actor=request.user, referral=referral, request=series
                )
            else:
                rows = actions.session_series_preview(
                    actor=request.user, referral=referral, request=series
                )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
            rows = []
        else:
            if step == "confirm":
                messages.success(request, _series_booked_message(booked, left))
                return redirect("programme:referral", referral.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_session")
    return render(
        request,
        "programme/series.html",
        {
            "form": form,
            "r": referral,
            "rows": rows,
            "clear": sum(1 for row in rows if row.clear),
            "open_slots": len(actions.open_slots(referral)),
        },
    )


@login_required
@require_GET
def session_detail(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_for(actor=request.user, session_id=session_id)
    notes = (
        selectors.clinical_notes_for(actor=request.user, session=session)
        if policy.can(request.user, Perm.CLINICAL_NOTES, session.referral)
        else []
    )
    audit_consultation(actor=request.user, obj=session, verb="programme.session_view")
    fidelity = [label for code, label in FIDELITY_ITEMS if code in (session.fidelity or [])]
    return render(
        request,
        "programme/session_detail.html",
        {
            "s": session,
            "r": session.referral,
            "notes": notes,
            "fidelity": fidelity,
            "module_delivered": MODULE_LABELS.get(session.module_delivered, ""),
            # Only a session that took place can be rated: never offer a missed one.
            "can_review": policy.can(request.user, Perm.SESSION_REVIEW, session.referral)
            and not session.reviewed_at
            and completion.took_place(session)
            and not policy.reviews_own_session(request.user, session),
            "overdue": selectors.attendance_overdue(session),
            # Never offer notes on a session cancelled or moved: the service refuses them.
            "notes_allowed": not completion.notes_refused(session),
            "disclosures": selectors.session_disclosures_shown(actor=request.user, session=session),
        },
    )


def _session_form(
    request: AuthedRequest,
    session_id: int,
    form_class: type[forms.Form],
    *,
    title: str,
    submit: str,
    call: Callable[[Any, dict[str, Any]], Any],
    success: str,
    initial: Callable[[Any], dict[str, Any]] | None = None,
    perm: Perm = Perm.SESSION_MANAGE,
    intro: str = "",
    refused: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """`refused`: why the command would refuse this session now; a GET says so instead of
    offering a form (a POST is refused by the command itself)."""
    session = selectors.session_get_for(actor=request.user, session_id=session_id, perm=perm)
    start = {"version": session.version, **(initial(session) if initial else {})}
    form = form_class(request.POST or None, initial=start)
    if request.method == "POST" and form.is_valid():
        try:
            call(session, form.cleaned_data)
        except StaleRecordError:
            _stale(form, session, initial)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("programme:session", session.pk)
    when = timezone.localtime(session.starts_at)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=session, verb="programme.session_view_for_form")
    return _form_page(
        request,
        form,
        refused=refused(session) if refused and request.method == "GET" else "",
        title=title,
        submit=submit,
        intro=intro,
        caption=f"Session {session.number}, {long_datetime(when)}: {session.referral.subject.full_name}",
        back_url=reverse("programme:session", args=[session.pk]),
        back_label="Back to the session",
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthedRequest, session_id: int) -> HttpResponse:
    def call(session: Any, d: dict[str, Any]) -> Any:
        return actions.session_record_attendance(
            actor=request.user,
            session=session,
            version=d["version"],
            attendance=d["attendance"],
            absence_acceptable=_yes_no(d.get("absence_acceptable")),
            absence_reason=d.get("absence_reason", ""),
        )

    return _session_form(
        request,
        session_id,
        AttendanceForm,
        title="Record attendance",
        submit="Save attendance",
        call=call,
        success="Attendance recorded",
        refused=actions.session_closed,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_delivery(request: AuthedRequest, session_id: int) -> HttpResponse:
    def call(session: Any, d: dict[str, Any]) -> Any:
        return actions.session_record_delivery(
            actor=request.user,
            session=session,
            version=d["version"],
            module_delivered=d["module_delivered"],
            content=d["content"],
            fidelity=d["fidelity"],
            engagement=d["engagement"],
        )

    def initial(s: Any) -> dict[str, Any]:
        return {
            "module_delivered": s.module_delivered or s.module,
            "content": s.content,
            "fidelity": s.fidelity,
            "engagement": s.engagement,
        }

    return _session_form(
        request,
        session_id,
        DeliveryForm,
        title="What was delivered",
        submit="Save",
        call=call,
        success="Session content recorded",
        initial=initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_notes(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_for(
        actor=request.user, session_id=session_id, perm=Perm.CLINICAL_NOTES
    )
    notes = selectors.clinical_notes_for(actor=request.user, session=session)
    latest = notes[0] if notes else None
    form = NoteForm(
        request.POST or None,
        initial={"text": latest.text if latest else "", "base_revision": _revision(latest)},
    )
    summary: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.clinical_note_save(
                actor=request.user,
                session=session,
                text=form.cleaned_data["text"],
                base_revision=form.cleaned_data["base_revision"],
            )
        except StaleRecordError:
            form.add_error(None, StaleRecordError.message)
            # Keep the writer's text in the box; show what was saved meanwhile and move the base
            # to it, so saving again is a deliberate choice to replace it.
            latest = selectors.clinical_notes_for(actor=request.user, session=session)[0]
            data = request.POST.copy()
            data["base_revision"] = str(latest.revision)
            form.data = data
            summary = _note_summary(latest)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Clinical notes saved")
            return redirect("programme:session", session.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=session, verb="programme.notes_view_for_edit")
    return _form_page(
        request,
        form,
        refused=completion.notes_refused(session) if request.method == "GET" else "",
        title="Clinical notes",
        submit="Save notes",
        caption=f"Session {session.number}: {session.referral.subject.full_name}",
        summary=summary,
        back_url=reverse("programme:session", args=[session.pk]),
        back_label="Back to the session",
    )


def _revision(note: Any) -> int:
    return note.revision if note else 0


def _note_summary(note: Any) -> list[tuple[str, str]]:
    when = dateformat.format(timezone.localtime(note.written_at), "j F Y, H:i")
    return [
        (
            "Saved meanwhile",
            f"Revision {note.revision}, by {note.written_by.display_name()} on {when}",
        ),
        ("Their text", note.text),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def session_concern(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_for(actor=request.user, session_id=session_id)
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = actions.risk_disclosure_record(
                actor=request.user, session=session, **form.cleaned_data
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            # The truth about who was told, from the alerts just made (sharing composes it).
            receipt = sharing_selectors.alert_receipt_for(actor=request.user, source=record)
            notice = selectors.concern_withheld_from_provider(record=record)
            withheld = f" {selectors.CONCERN_WITHHELD_NOTICE}" if notice else ""
            messages.success(request, f"Concern recorded. {receipt}{withheld}")
            return redirect("programme:session", session.pk)
    if request.method == "GET":
        audit_consultation(
            actor=request.user, obj=session, verb="programme.session_view_for_concern"
        )
    return _form_page(
        request,
        form,
        title="Record a concern",
        submit="Record concern",
        caption=f"Session {session.number}: {session.referral.subject.full_name}",
        intro="A concern is a risk disclosure: it is passed to the police and victim actions.",
        back_url=reverse("programme:session", args=[session.pk]),
        back_label="Back to the session",
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_reschedule(request: AuthedRequest, session_id: int) -> HttpResponse:
    def call(session: Any, d: dict[str, Any]) -> Any:
        new = actions.session_reschedule(
            actor=request.user,
            session=session,
            version=d["version"],
            starts_at=d["starts_at"],
            duration_minutes=d["duration_minutes"],
            remote=_yes_no(d["remote"]),
            place=d["place"],
            reason=d["reason"],
        )
        request.session["programme_last_session"] = new.pk
        return new

    def initial(s: Any) -> dict[str, Any]:
        return {
            "duration_minutes": s.duration_minutes,
            "remote": "yes" if s.remote else "no",
            "place": s.place,
        }

    return _session_form(
        request,
        session_id,
        RescheduleForm,
        title="Move the session",
        submit="Move session",
        call=call,
        success="Session moved. The old booking is kept as rescheduled.",
        refused=actions.session_closed,
        initial=initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: AuthedRequest, session_id: int) -> HttpResponse:
    def call(session: Any, d: dict[str, Any]) -> Any:
        return actions.session_cancel(
            actor=request.user, session=session, version=d["version"], reason=d["reason"]
        )

    return _session_form(
        request,
        session_id,
        CancelForm,
        title="Cancel the session",
        submit="Cancel session",
        call=call,
        success="Session cancelled",
        refused=actions.session_closed,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_review(request: AuthedRequest, session_id: int) -> HttpResponse:
    def call(session: Any, d: dict[str, Any]) -> Any:
        return actions.session_review(
            actor=request.user,
            session=session,
            version=d["version"],
            comment=d["comment"],
            adherence=d["adherence"],
            competence=d["competence"],
        )

    return _session_form(
        request,
        session_id,
        ReviewForm,
        title="Review and sign off",
        submit="Sign off",
        call=call,
        success="Session signed off",
        perm=Perm.SESSION_REVIEW,
        refused=lambda s: actions.review_refused(request.user, s),
    )


# --- measures and the end report ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def measure_record(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for(
        actor=request.user, referral_id=referral_id, perm=Perm.MEASURE_RECORD
    )
    instruments = list(selectors.measure_instruments())
    chosen = request.GET.get("instrument") or request.POST.get("instrument")
    instrument = next(
        (i for i in instruments if str(i.pk) == str(chosen)),
        instruments[0] if instruments else None,
    )
    if instrument is None:
        raise Http404
    form = MeasureForm(
        request.POST or None,
        definition=definition_of(instrument),
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.measure_record(
                actor=request.user,
                referral=referral,
                instrument=instrument,
                timepoint=form.cleaned_data["timepoint"],
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{instrument.name} recorded")
            return redirect("programme:referral", referral.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_measure")
    return render(
        request,
        "programme/measure_form.html",
        {"form": form, "r": referral, "instrument": instrument, "instruments": instruments},
    )


def _end_report_initial(report: Any) -> dict[str, Any]:
    fields = ("practitioner_assessment", "warning_signs", "skills_to_use", "contacts")
    return {f: getattr(report, f) for f in (*fields, "police_summary", "version")}


@login_required
@require_http_methods(["GET", "POST"])
def end_report(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for(
        actor=request.user, referral_id=referral_id, perm=Perm.END_REPORT_WRITE
    )
    page = selectors.referral_page_for(actor=request.user, referral_id=referral_id)
    existing = page.end_report
    initial = _end_report_initial(existing) if existing is not None else {}
    form = EndReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.end_report_save(
                actor=request.user,
                referral=referral,
                version=d.get("version"),
                practitioner_assessment=d["practitioner_assessment"],
                warning_signs=d["warning_signs"],
                skills_to_use=d["skills_to_use"],
                contacts=d["contacts"],
                police_summary=d["police_summary"],
            )
        except StaleRecordError:
            _stale(
                form,
                selectors.referral_page_for(actor=request.user, referral_id=referral_id).end_report,
                _end_report_initial,
            )
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "End-of-intervention report saved")
            return redirect("programme:referral", referral.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=referral, verb="referral.view_for_end_report")
    return _form_page(
        request,
        form,
        title="End-of-intervention report",
        submit="Save report",
        caption=f"Referral {referral.reference}: {referral.subject.full_name}",
        summary=[
            ("Sessions attended", str(page.attended)),
            ("Modules completed", ", ".join(page.modules_completed) or "No modules completed"),
            ("Measures recorded", str(len(page.measures))),
        ],
        back_url=reverse("programme:referral", args=[referral.pk]),
        back_label="Back to the referral",
    )


# --- queues as pages ------------------------------------------------------------------------


@login_required
@require_GET
def engagement(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.ENGAGEMENT_VIEW)
    rows = list(selectors.engagement_rows_for(actor=request.user)[:500])
    audit_consultation(
        actor=request.user,
        verb="programme.engagement_list",
        object_type="programme.Referral",
        new={"shown": len(rows)},
    )
    return render(
        request, "programme/engagement.html", {"referrals": rows, "tags": selectors.ENGAGEMENT_TAGS}
    )


@login_required
@require_GET
def work(request: AuthedRequest) -> HttpResponse:
    """Your caseload: in full, each of the practitioner's home lists that the home page cuts
    short (its "See all" comes here), in the home page's order."""
    policy.require_perm(request.user, Perm.SESSION_MANAGE)
    specs = [s for s in queues_for(RoleCode.PRACTITIONER) if s.key in queues.FULL_LISTS]
    titles = {spec.key: spec.title for spec in specs}
    results = {spec.key: queues.FULL_LISTS[spec.key](request.user, limit=None) for spec in specs}
    lists = [
        {"anchor": queues.anchor(key), "title": titles[key], "result": result}
        for key, result in results.items()
    ]
    audit_consultation(
        actor=request.user,
        verb="programme.work",
        object_type="programme.Referral",
        new={key: result.count for key, result in results.items()},
    )
    return render(request, "programme/work.html", {"lists": lists})


@login_required
@require_GET
def waiting_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.REFERRAL_MANAGE)
    rows = list(selectors.waiting_list_for(actor=request.user))
    not_ready = list(selectors.not_ready_for(actor=request.user))
    unallocated = list(selectors.unallocated_for(actor=request.user))
    audit_consultation(
        actor=request.user,
        verb="programme.waiting_list",
        object_type="programme.Referral",
        new={"waiting": len(rows), "not_ready": len(not_ready), "unallocated": len(unallocated)},
    )
    return render(
        request,
        "programme/waiting_list.html",
        {
            "waiting": rows,
            "not_ready": not_ready,
            "unallocated": unallocated,
            "today": timezone.localdate(),
        },
    )


REVIEWS_PAGE_SIZE = 50


@login_required
@require_GET
def supervision(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SESSION_MANAGE)
    practitioners = (
        selectors.provider_practitioners(actor=request.user)
        if policy.has_perm(request.user, Perm.SESSION_REVIEW)
        else []
    )
    due = selectors.reviews_due_for(actor=request.user).select_related(
        "referral__subject", "practitioner"
    )
    # Paged, not cut short: every review due is reachable (tester finding, issue 20).
    reviews = Paginator(due, REVIEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    limit = selectors.caseload_limit_for(actor=request.user)
    trends = selectors.rating_trends_for(
        actor=request.user, practitioner_ids=[p.pk for p in practitioners]
    )
    rows = [
        {
            "person": p,
            "at_limit": limit is not None and p.caseload >= limit,
            "ratings": [
                (t.summary(scale.code), t.direction(scale.code)) if t else ("Not rated yet", "")
                for scale in SCALES
            ],
        }
        for p in practitioners
        for t in [trends.get(p.pk)]
    ]
    audit_consultation(
        actor=request.user,
        verb="programme.supervision_view",
        object_type="programme.Session",
        new={"reviews_due": reviews.paginator.count, "page": reviews.number},
    )
    return render(
        request,
        "programme/supervision.html",
        {"rows": rows, "limit": limit, "reviews": reviews, "scales": SCALES},
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_log(request: AuthedRequest, user_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.SESSION_MANAGE)
    practitioner, entries = selectors.supervision_log_for(
        actor=request.user, practitioner_id=user_id
    )
    can_add = policy.has_perm(request.user, Perm.SESSION_REVIEW)
    form = (
        SupervisionForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
        if can_add
        else None
    )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                actions.supervision_entry_add(
                    actor=request.user, practitioner=practitioner, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Supervision recorded")
                return redirect("programme:supervision_log", practitioner.pk)
    if request.method == "GET":
        audit_consultation(
            actor=request.user, obj=practitioner, verb="programme.supervision_log_view"
        )
    return render(
        request,
        "programme/supervision_log.html",
        {"practitioner": practitioner, "entries": entries, "form": form},
    )


# --- calendar -------------------------------------------------------------------------------


@login_required
@require_GET
def calendar_week(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SESSION_MANAGE)
    day, week_error = cal.requested_day(request.GET.get("week", ""))
    week = cal.week_of(day)
    sessions = list(
        selectors.sessions_between(actor=request.user, start=week.start_at, end=week.end_at)
    )
    audit_consultation(
        actor=request.user,
        verb="programme.calendar_view",
        object_type="programme.Session",
        new={"week": week.start_at.date(), "sessions": len(sessions)},
    )
    return render(
        request,
        "programme/calendar.html",
        {"week": week, "days": cal.days_with_sessions(week, sessions), "week_error": week_error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SESSION_MANAGE)
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.calendar_token_revoke(actor=request.user)
            messages.success(
                request, "Calendar address turned off. Calendar apps using it will stop updating."
            )
            return redirect("programme:calendar_feed")
        token = actions.calendar_token_create(actor=request.user)
        feed_url = request.build_absolute_uri(reverse("programme:calendar_ics", args=[token]))
    return render(
        request,
        "programme/calendar_feed.html",
        {"feed_url": feed_url, "active": selectors.calendar_token_active(actor=request.user)},
    )


@require_GET
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed calendar apps fetch. Public by design (a secret address): an unknown or
    revoked address gets an empty calendar, so nothing about accounts is revealed."""
    user = selectors.calendar_user_for_token(token_hash=actions.token_hash(token))
    sessions: list[Any] = []
    if user is not None and policy.has_perm(user, Perm.SESSION_MANAGE):
        now = timezone.now()
        sessions = list(
            selectors.sessions_between(
                actor=user, start=now - dt.timedelta(days=60), end=now + dt.timedelta(days=180)
            )
        )
    if user is not None:
        # A calendar app fetching the feed consults its owner's sessions (s.62).
        audit_consultation(
            actor=user,
            verb="programme.calendar_feed_fetch",
            object_type="programme.Session",
            new={"sessions": len(sessions)},
        )
    body = cal.ics(sessions, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
