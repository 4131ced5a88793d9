"""Views for people: thin; they call selectors (reads, access) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.models import Category
from desist.audit.services import audit_consultation, audit_record
from desist.core.concurrency import StaleRecordError
from desist.core.forms import add_service_errors
from desist.core.reach import SUBJECT_OWNERS, Reach, narrow, reach_context, reach_from
from desist.core.stale import show_stale
from desist.people import selectors, services
from desist.people.forms import (
    AddressForm,
    AliasForm,
    InterventionDecisionForm,
    SearchForm,
    SubjectEditForm,
    SubjectForm,
)
from desist.people.models import Subject
from desist.policy import Perm

PAGE_SIZE = 50


def _query_without_page(request: AuthedRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def subject_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SUBJECT_VIEW)
    not_considered = request.GET.get("queue") == "not_considered"
    subjects = selectors.subject_table_for(actor=request.user, not_considered=not_considered)
    reach = reach_from(request.GET.get("view"), Reach.FORCE)
    subjects = narrow(subjects, request.user, reach, via=SUBJECT_OWNERS)
    page = Paginator(subjects, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        verb="subject.list",
        object_type="people.Subject",
        new={"page": page.number, "not_considered": not_considered, "view": reach.value},
    )
    return render(
        request,
        "people/subject_list.html",
        {
            "page": page,
            "not_considered": not_considered,
            "query": _query_without_page(request),
            "can_create": policy.has_perm(request.user, Perm.SUBJECT_EDIT),
            **reach_context(request.GET, reach),
        },
    )


@login_required
@require_GET
def subject_search(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SUBJECT_VIEW)
    form = SearchForm(request.GET if request.GET else None)
    page = None
    if form.is_bound and form.is_valid():
        search = selectors.SubjectSearch(
            text=form.cleaned_data["q"] or "", date_of_birth=form.cleaned_data["date_of_birth"]
        )
        results = selectors.subject_search_for(actor=request.user, search=search)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        with transaction.atomic():
            # s.62 consultation: who searched, when, and for what. The terms can be a name, so
            # they go in the values, which only this force's auditors see.
            audit_record(
                actor=request.user,
                category=Category.CONSULTATION,
                verb="subject.search",
                object_type="people.Subject",
                justification=search.describe_kind(),
                new={
                    "search": search.describe(),
                    "results": page.paginator.count,
                    "page": page.number,
                },
            )
    return render(
        request,
        "people/subject_search.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subject_create(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SUBJECT_EDIT)
    form = SubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subject = services.subject_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{subject.full_name} has been added")
            return redirect("people:detail", subject_id=subject.pk)
    return render(request, "people/subject_form.html", {"form": form, "subject": None})


@login_required
@require_GET
def subject_detail(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.SUBJECT_VIEW)
    page = selectors.subject_page_for(actor=request.user, subject_id=subject_id)
    audit_consultation(actor=request.user, obj=page.subject, verb="subject.view")
    can_decide = policy.can(request.user, Perm.INTERVENTION_DECIDE, page.subject)
    return render(
        request,
        "people/subject_detail.html",
        {
            "page": page,
            "subject": page.subject,
            "can_edit": policy.can(request.user, Perm.SUBJECT_EDIT, page.subject),
            "can_decide": can_decide,
            "decision_form": InterventionDecisionForm() if can_decide else None,
        },
    )


def _editable_subject(request: AuthedRequest, subject_id: int) -> Subject:
    policy.require_perm(request.user, Perm.SUBJECT_EDIT)
    subject = selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    policy.require(request.user, Perm.SUBJECT_EDIT, subject)
    return subject


@login_required
@require_http_methods(["GET", "POST"])
def subject_edit(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = _editable_subject(request, subject_id)
    initial = {f: getattr(subject, f) for f in services.SUBJECT_FIELDS}
    form = SubjectEditForm(request.POST or None, initial={**initial, "version": subject.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.subject_update(actor=request.user, subject=subject, version=version, **data)
        except StaleRecordError:
            show_stale(form, subject, lambda s: {f: getattr(s, f) for f in services.SUBJECT_FIELDS})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{subject.full_name}'s details have been updated")
            return redirect("people:detail", subject_id=subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_edit")
    return render(request, "people/subject_form.html", {"form": form, "subject": subject})


@login_required
@require_http_methods(["GET", "POST"])
def alias_add(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = _editable_subject(request, subject_id)
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_alias_add(
                actor=request.user, subject=subject, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The other name has been added")
            return redirect("people:detail", subject_id=subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_alias")
    return render(request, "people/alias_form.html", {"form": form, "subject": subject})


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request: AuthedRequest, subject_id: int) -> HttpResponse:
    subject = _editable_subject(request, subject_id)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_address_add(actor=request.user, subject=subject, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The address has been added")
            return redirect("people:detail", subject_id=subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_address")
    return render(request, "people/address_form.html", {"form": form, "subject": subject})


@login_required
@require_http_methods(["GET", "POST"])
def intervention_decision(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.INTERVENTION_DECIDE)
    subject = selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    policy.require(request.user, Perm.INTERVENTION_DECIDE, subject)
    form = InterventionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_decision_record(
                actor=request.user, subject=subject, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The decision about the intervention has been recorded")
            return redirect("people:detail", subject_id=subject.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_intervention")
    return render(request, "people/intervention_form.html", {"form": form, "subject": subject})
