from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from desist import policy
from desist.accounts import selectors as account_selectors
from desist.accounts.http import AuthedRequest
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_consultation, audit_record
from desist.core import marking, safecsv
from desist.core.concurrency import StaleRecordError
from desist.core.export_purpose import ExportPurpose, purpose_asked
from desist.evaluation import dashboards, extract, reporting, selectors, services
from desist.evaluation.forms import (
    EvaluationParamsForm,
    FindingEditForm,
    FindingForm,
    OffenceEditForm,
    OffenceForm,
)
from desist.evaluation.frames import build_frames
from desist.evaluation.models import EvaluationRun
from desist.policy import Perm


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# --- police: outcomes ----------------------------------------------------------------------


@login_required
def outcomes(request: AuthedRequest, subject_id: int) -> HttpResponse:
    page = selectors.outcomes_page_for(actor=request.user, subject_id=subject_id)
    audit_consultation(actor=request.user, obj=page.subject, verb="outcome.view")
    return render(request, "evaluation/outcomes.html", {"page": page, "subject": page.subject})


def _offence_kwargs(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "offence_date": d.get("offence_date"),
        "outcome": d.get("outcome") or "",
        "proven_date": d.get("proven_date"),
        "stalking_related": bool(d.get("stalking_related")),
        "crime_reference": d.get("crime_reference") or "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def offence_add(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = selectors.outcome_subject_get_for(actor=request.user, subject_id=subject_id)
    form = OffenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offence_record(
                actor=request.user, subject=subject, **_offence_kwargs(form.cleaned_data)
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Offence recorded")
            return redirect("evaluation:outcomes", subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="outcome.view_for_offence")
    return render(
        request,
        "evaluation/offence_form.html",
        {"form": form, "subject": subject, "editing": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offence_edit(request: AuthedRequest, subject_id: int, offence_id: int) -> HttpResponse:
    subject = selectors.outcome_subject_get_for(actor=request.user, subject_id=subject_id)
    offence = selectors.offence_get_for(actor=request.user, subject=subject, offence_id=offence_id)
    initial = {
        "offence_date": offence.offence_date,
        "outcome": offence.outcome,
        "proven_date": offence.proven_date,
        "stalking_related": offence.stalking_related,
        "crime_reference": offence.crime_reference,
        "version": offence.version,
    }
    form = OffenceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.offence_update(
                actor=request.user,
                offence=offence,
                version=form.cleaned_data["version"],
                **_offence_kwargs(form.cleaned_data),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Offence updated")
            return redirect("evaluation:outcomes", subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="outcome.view_for_offence")
    return render(
        request,
        "evaluation/offence_form.html",
        {"form": form, "subject": subject, "offence": offence, "editing": True},
    )


# --- evaluation report ---------------------------------------------------------------------


def _aggregate_only(actor: User) -> bool:
    """Programme managers (no extract permission) see aggregates with small numbers
    suppressed."""
    return not policy.has_perm(actor, Perm.EXTRACT_DOWNLOAD)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.EVALUATION_VIEW)
    form = EvaluationParamsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = services.evaluation_run_create(actor=request.user, params=form.params())
        reporting.start_run(run, expected_people=reporting.expected_people(actor=request.user))
        return redirect("evaluation:run", run.pk)
    runs = list(selectors.evaluation_run_list_for(actor=request.user)[:10])
    return render(
        request,
        "evaluation/report_start.html",
        {"form": form, "runs": runs, "can_extract": not _aggregate_only(request.user)},
    )


def _run_context(request: AuthedRequest, run: EvaluationRun) -> dict[str, Any]:
    aggregate = _aggregate_only(request.user)
    model = (
        reporting.report_view_model(run.result or {}, aggregate=aggregate) if run.result else None
    )
    return {"run": run, "report": model, "aggregate": aggregate}


@login_required
def run_detail(request: AuthedRequest, run_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.EVALUATION_VIEW)
    run = selectors.evaluation_run_get_for(actor=request.user, run_id=run_id)
    return render(request, "evaluation/run_detail.html", _run_context(request, run))


@login_required
def run_progress(request: AuthedRequest, run_id: int) -> HttpResponse:
    """The htmx-polled progress panel. When the run has finished, tell htmx to reload."""
    policy.require_perm(request.user, Perm.EVALUATION_VIEW)
    run = selectors.evaluation_run_get_for(actor=request.user, run_id=run_id)
    response = render(request, "evaluation/includes/progress.html", {"run": run})
    if run.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _finished_run(request: AuthedRequest, run_id: int) -> EvaluationRun:
    policy.require_perm(request.user, Perm.EVALUATION_VIEW)
    run = selectors.evaluation_run_get_for(actor=request.user, run_id=run_id)
    if not run.result:
        from django.http import Http404

        raise Http404("The report is not ready")
    return run


def _report_lines(request: AuthedRequest, run: EvaluationRun) -> list[list[Any]]:
    """The report's tables cell by cell: the CSV's rows, and the count both downloads record."""
    model = reporting.report_view_model(run.result or {}, aggregate=_aggregate_only(request.user))
    lines = []
    for s in model["sections"]:
        tables = [
            t for b in reporting.blocks(s) for t in [c["table"] for c in b["charts"]] + b["tables"]
        ]
        for t in tables:
            for i, row in enumerate(t["rows"], start=1):
                for col, value in zip(t["columns"], row, strict=False):
                    lines.append([s["title"], t["caption"], col, i, value])
    return lines


def _report_export_record(
    request: AuthedRequest, run: EvaluationRun, *, fmt: str, rows: int, purpose: ExportPurpose
) -> None:
    # Like every export, a disclosure: what was taken, in which format, how many rows, and why.
    audit_record(
        actor=request.user,
        category=Category.DISCLOSURE,
        verb="evaluation.report_export",
        obj=run,
        justification="Evaluation report export",
        recipients=[request.user.get_username()],
        new=safecsv.export_facts(file_format=fmt, rows=rows, purpose=purpose),
    )


@login_required
@purpose_asked("the report's tables as CSV", guard=_finished_run, back="evaluation:run")
def run_csv(request: AuthedRequest, run_id: int, purpose: ExportPurpose) -> HttpResponse:
    run = _finished_run(request, run_id)
    lines = _report_lines(request, run)
    _report_export_record(request, run, fmt="csv", rows=len(lines), purpose=purpose)
    buf = io.StringIO()
    writer = safecsv.writer(buf)
    writer.writerow(["section", "table", "column", "row", "value"])
    writer.writerows(lines)
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = marking.attachment(f"desist-evaluation-{run.pk}", "csv")
    return response


@login_required
@purpose_asked("the report as PDF", guard=_finished_run, back="evaluation:run")
def run_pdf(request: AuthedRequest, run_id: int, purpose: ExportPurpose) -> HttpResponse:
    """The same report's tables as the CSV, laid out: asked and recorded the same way."""
    run = _finished_run(request, run_id)
    _report_export_record(
        request, run, fmt="pdf", rows=len(_report_lines(request, run)), purpose=purpose
    )
    context = _run_context(request, run)
    context["generated_at"] = timezone.localtime()
    html = render_to_string("evaluation/report_pdf.html", context, request=request)
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = marking.attachment(f"desist-evaluation-{run.pk}", "pdf")
    return response


# --- pseudonymised extract -----------------------------------------------------------------


@login_required
def extract_page(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.EXTRACT_DOWNLOAD)
    return render(
        request,
        "evaluation/extract.html",
        {"dictionary": extract.dictionary_rows()},
    )


@login_required
def extract_dictionary(request: AuthedRequest) -> HttpResponse:
    """The data dictionary of the extracts: column definitions only, no data."""
    policy.require_perm(request.user, Perm.EXTRACT_DOWNLOAD)
    body = extract.to_csv(extract.dictionary_rows(), extract.DICTIONARY_FIELDS)
    return _csv_response(body, "evaluation-data-dictionary")


def _csv_response(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = marking.attachment(f"desist-{name}-{stamp}", "csv")
    return response


def _may_extract(request: AuthedRequest) -> None:
    policy.require_perm(request.user, Perm.EXTRACT_DOWNLOAD)


@login_required
@purpose_asked("the extract, one row per person", guard=_may_extract, back="evaluation:extract")
def extract_people(request: AuthedRequest, purpose: ExportPurpose) -> HttpResponse:
    _may_extract(request)
    frames = build_frames(actor=request.user, perm=Perm.EXTRACT_DOWNLOAD)
    rows = extract.person_rows(frames)
    extract.extract_record_disclosure(
        actor=request.user,
        kind="people",
        rows=len(rows),
        data_end_date=frames.data_end_date,
        purpose=purpose,
    )
    return _csv_response(extract.to_csv(rows, extract.PERSON_COLUMNS), "evaluation-extract")


@login_required
@purpose_asked("the aggregate tables", guard=_may_extract, back="evaluation:extract")
def extract_aggregates(request: AuthedRequest, purpose: ExportPurpose) -> HttpResponse:
    _may_extract(request)
    frames = build_frames(actor=request.user, perm=Perm.EXTRACT_DOWNLOAD)
    rows = extract.aggregate_rows(frames)
    extract.extract_record_disclosure(
        actor=request.user,
        kind="aggregates",
        rows=len(rows),
        data_end_date=frames.data_end_date,
        purpose=purpose,
    )
    return _csv_response(
        extract.to_csv(rows, ["table", "group", "measure", "value"]), "evaluation-aggregates"
    )


# --- oversight dashboard -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def oversight(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.OVERSIGHT_DASHBOARD)
    if request.method == "POST":
        # "Recalculate now": the anomalies from the audit log as it is this moment.
        dashboards.access_anomalies_for_page(actor=request.user, recompute=True)
        return redirect("evaluation:oversight")
    anomalies = dashboards.access_anomalies_for_page(actor=request.user)
    outside, nights = anomalies.outside, anomalies.nights
    # Named staff and what they viewed, from the audit log: a consultation (s.62).
    audit_consultation(actor=request.user, verb="oversight.view", object_type="audit.AuditEvent")
    return render(
        request,
        "evaluation/oversight.html",
        {
            "outside": outside[:20],
            "outside_total": len(outside),
            "nights": nights[:20],
            "anomalies_at": anomalies.computed_at,
            "threshold": dashboards.bulk_view_threshold(),
            "window_days": dashboards.ANOMALY_WINDOW_DAYS,
            "break_glass": dashboards.break_glass_awaiting_review(actor=request.user),
            "emails_failing": dashboards.emails_failing(actor=request.user),
            # Issue 16: accounts overdue for their access review, counted per organisation.
            "unreviewed": account_selectors.unreviewed_accounts_by_organisation(
                organisation_ids=policy.partnership_organisation_ids(request.user)
            ),
            "review_days": account_selectors.REVIEW_DAYS,
            "discards": dashboards.self_referral_discards(actor=request.user),
            "supervision": dashboards.supervision_coverage(actor=request.user),
            "alerts": dashboards.alert_timeliness(actor=request.user, aggregate=False),
            "findings": list(selectors.finding_list_for(actor=request.user)[:50]),
            "audit_url": reverse("audit:list"),
        },
    )


def _finding_kwargs(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": d.get("title") or "",
        "area": d.get("area") or "",
        "detail": d.get("detail") or "",
        "follow_up": d.get("follow_up") or "",
        "follow_up_due": d.get("follow_up_due"),
        "status": d.get("status") or "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def finding_add(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.OVERSIGHT_DASHBOARD)
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_record(actor=request.user, **_finding_kwargs(form.cleaned_data))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Finding recorded")
            return redirect("evaluation:oversight")
    return render(request, "evaluation/finding_form.html", {"form": form, "editing": False})


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: AuthedRequest, finding_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.OVERSIGHT_DASHBOARD)
    finding = selectors.finding_get_for(actor=request.user, finding_id=finding_id)
    initial = {**_finding_kwargs(finding.__dict__), "version": finding.version}
    form = FindingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(
                actor=request.user,
                finding=finding,
                version=form.cleaned_data["version"],
                **_finding_kwargs(form.cleaned_data),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Finding updated")
            return redirect("evaluation:oversight")
    return render(
        request, "evaluation/finding_form.html", {"form": form, "finding": finding, "editing": True}
    )


# --- programme manager dashboard -------------------------------------------------------------


@login_required
def programme_dashboard(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.PROGRAMME_DASHBOARD)
    board = dashboards.programme_dashboard(actor=request.user)
    return render(request, "evaluation/programme_dashboard.html", {"board": board})
