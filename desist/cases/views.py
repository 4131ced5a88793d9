"""Views for cases: thin; they call selectors (reads, access) and services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.models import Category
from desist.audit.services import audit_consultation, audit_record
from desist.cases import ownership, selectors, services
from desist.cases.forms import (
    FOUR_CHOICES,
    FOUR_HINTS,
    AssignForm,
    CaseEditForm,
    CaseForm,
    CloseForm,
    IncidentForm,
    ReopenForm,
)
from desist.cases.models import Case
from desist.core.forms import add_service_errors
from desist.core.reach import Reach, narrow, reach_context, reach_from
from desist.documents import selectors as document_selectors
from desist.people import selectors as people_selectors
from desist.policy import Perm
from desist.tasks import selectors as task_selectors

PAGE_SIZE = 50


@login_required
@require_GET
def case_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.CASE_VIEW)
    reach = reach_from(request.GET.get("view"), Reach.FORCE)
    cases = narrow(selectors.case_list_for(actor=request.user), request.user, reach)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        verb="case.list",
        object_type="cases.Case",
        new={"page": page.number, "view": reach.value},
    )
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "query": f"view={reach.value}"} | reach_context(request.GET, reach),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.CASE_EDIT)
    subject = people_selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["indicators"])
        try:
            case = services.case_create(
                actor=request.user,
                subject=subject,
                crime_reference=data["crime_reference"],
                relationship=data["relationship"],
                opened_on=data["opened_on"],
                summary=data["summary"],
                fixated="fixated" in chosen,
                obsessive="obsessive" in chosen,
                unwanted="unwanted" in chosen,
                repeated="repeated" in chosen,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.crime_reference} has been recorded")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_case")
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "subject": subject, "four": _four(form)},
    )


def _four(form: Any) -> list[dict[str, Any]]:
    chosen = set(form["indicators"].value() or [])
    return [
        {"value": v, "label": label, "hint": FOUR_HINTS[v], "checked": v in chosen}
        for v, label in FOUR_CHOICES
    ]


def _editable(request: AuthedRequest, case_id: int) -> Case:
    policy.require_perm(request.user, Perm.CASE_EDIT)
    case = selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASE_EDIT, case)
    return case


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _editable(request, case_id)
    form = CaseEditForm(
        request.POST or None,
        initial={
            "version": case.version,
            "crime_reference": case.crime_reference,
            "relationship": case.relationship,
            "indicators": [n for n in services.FOUR_INDICATORS if getattr(case, n)],
            "summary": case.summary,
            "opened_on": case.opened_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["indicators"])
        try:
            services.case_update(
                actor=request.user,
                case=case,
                version=data["version"],
                crime_reference=data["crime_reference"],
                relationship=data["relationship"],
                opened_on=data["opened_on"],
                summary=data["summary"],
                **{n: n in chosen for n in services.FOUR_INDICATORS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.crime_reference} has been updated")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_edit")
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "subject": case.subject, "four": _four(form), "case": case},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _editable(request, case_id)
    form = CloseForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_close(
                actor=request.user,
                case=case,
                version=data["version"],
                closed_on=data["closed_on"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.crime_reference} has been closed")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_close")
    return render(request, "cases/close_form.html", {"form": form, "case": case})


@login_required
@require_http_methods(["GET", "POST"])
def case_reopen(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = _editable(request, case_id)
    form = ReopenForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reopen(
                actor=request.user, case=case, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.crime_reference} has been reopened")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_reopen")
    return render(request, "cases/reopen_form.html", {"form": form, "case": case})


@login_required
@require_http_methods(["GET", "POST"])
def case_assign(request: AuthedRequest, case_id: int) -> HttpResponse:
    """A supervisor puts an officer and team in charge of the case (issue 19)."""
    policy.require_perm(request.user, Perm.CASEWORK_ASSIGN)
    case = selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASEWORK_ASSIGN, case)
    form = AssignForm(
        request.POST or None,
        initial={
            "version": case.version,
            "officer": case.officer_in_charge_id or "",
            "team": case.team,
        },
        **ownership.choices_for(case.force_id),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assigned = ownership.case_assign(
                actor=request.user,
                case=case,
                version=data["version"],
                officer_id=data["officer"],
                team=data["team"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            officer = assigned.officer_in_charge
            name = officer.display_name() if officer else "No one"
            messages.success(request, f"{name} is now in charge of case {case.crime_reference}")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_assign")
    return render(request, "cases/assign_form.html", {"form": form, "case": case})


@login_required
@require_GET
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.CASE_VIEW)
    page = selectors.case_page_for(actor=request.user, case_id=case_id)
    # s.62 consultation: the case, and which victims' identities were shown (ids only).
    audit_record(
        actor=request.user,
        category=Category.CONSULTATION,
        verb="case.view",
        obj=page.case,
        new=({"victims_shown": [v.pk for v in page.victims]} if page.victims else {}) | page.shown
        or None,
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "page": page,
            "case": page.case,
            "can_edit": policy.can(request.user, Perm.CASE_EDIT, page.case),
            "can_assign": policy.can(request.user, Perm.CASEWORK_ASSIGN, page.case),
            "can_add_victim": policy.has_perm(request.user, Perm.VICTIM_EDIT),
            "documents": document_selectors.panel_for(actor=request.user, record=page.case),
            "tasks_panel": task_selectors.panel_for(actor=request.user, record=page.case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_add(request: AuthedRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.CASE_EDIT)
    case = selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASE_EDIT, case)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The incident has been added to the timeline")
            return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_incident")
    return render(request, "cases/incident_form.html", {"form": form, "case": case})
