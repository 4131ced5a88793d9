"""Views for orders: thin; they call selectors (reads, access) and services (writes)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.accounts.models import User
from desist.audit.services import audit_consultation
from desist.cases import ownership
from desist.cases import selectors as case_selectors
from desist.cases.forms import AssignForm
from desist.core import marking, safecsv
from desist.core.concurrency import StaleRecordError
from desist.core.export_purpose import ExportPurpose, form_filters, purpose_asked
from desist.core.forms import add_service_errors
from desist.core.reach import Reach, reach_context, reach_from
from desist.core.stale import show_stale
from desist.core.workflow import page_view
from desist.documents import selectors as document_selectors
from desist.orders import actions, availability, exports, law, selectors, victims_code, workflow
from desist.orders.actions.breaches import outcome_seen
from desist.orders.actions.circulation import first_made_on
from desist.orders.actions.corrections import correctable_fields
from desist.orders.derived import fmt as long_day
from desist.orders.forms import (
    REGISTER_SORTS,
    AcknowledgedForm,
    ApplyForm,
    BreachForm,
    BreachOutcomeForm,
    ChangeNotificationForm,
    CirculationForm,
    ConfirmForm,
    DateCorrectForm,
    EditForm,
    EventForm,
    FilterForm,
    FullForm,
    HearingForm,
    InterimForm,
    ReceivedForm,
    RefuseForm,
    ServeForm,
    TermCorrectForm,
    TermEndForm,
    TermForm,
    TermVaryForm,
    VictimUpdateForm,
    WithdrawForm,
)
from desist.orders.models import (
    LIVE_STATUSES,
    NotificationExemption,
    Order,
    OrderDateCorrection,
    OrderEvent,
    OrderStatus,
    Term,
)
from desist.people import selectors as people_selectors
from desist.policy import Perm
from desist.tasks import selectors as task_selectors

PAGE_SIZE = 50


def _query_without_page(request: AuthedRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- register -----------------------------------------------------------------------------------


def _register_filters(request: AuthedRequest) -> tuple[FilterForm, dict[str, str]]:
    """The register's filter as the list page and its downloads both read it: a status and a
    home-page queue, each dropped when not a known value."""
    form = FilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    queue = request.GET.get("queue", "")
    if queue not in selectors.QUEUE_FILTERS:
        queue = ""
    # The whole force unless "mine" or "my team" was asked for (issue 19).
    view = reach_from(request.GET.get("view"), Reach.FORCE)
    return form, {
        "status": status,
        "queue": queue,
        "view": "" if view == Reach.FORCE else view.value,
    }


@login_required
@require_GET
def order_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.ORDER_VIEW)
    form, filters = _register_filters(request)
    status, queue = filters["status"], filters["queue"]
    reach = reach_from(filters["view"], Reach.FORCE)
    orders = selectors.register_for(actor=request.user, status=status, queue=queue, reach=reach)
    sort = form.cleaned_data.get("sort", "") if form.is_bound and form.is_valid() else ""
    orders = orders.order_by(*REGISTER_SORTS[sort][1])
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        verb="order.list",
        object_type="orders.Order",
        new={"page": page.number, "status": status, "queue": queue, "view": reach.value},
    )
    return render(
        request,
        "orders/order_list.html",
        {
            "form": form,
            "page": page,
            "queue": queue,
            "queue_label": selectors.QUEUE_LABELS.get(queue, ""),
            "query": _query_without_page(request),
            # The downloads hold the rows on screen: the same filter, never the page number.
            "export_query": urlencode({k: v for k, v in filters.items() if v}),
            "can_export": policy.has_perm(request.user, Perm.ORDER_EXPORT),
            **reach_context(request.GET, reach),
        },
    )


workflow_diagram = page_view(
    workflow.WORKFLOW,
    "orders/workflow.html",
    lambda user: policy.require_perm(user, Perm.ORDER_VIEW),
)


def _may_export(request: AuthedRequest) -> None:
    policy.require_perm(request.user, Perm.ORDER_EXPORT)


def _filters_in_words(request: AuthedRequest) -> dict[str, str]:
    """The register download's filters as the purpose page and the audit row say them."""
    form, filters = _register_filters(request)
    words = {k: v for k, v in form_filters(form).items() if k == "Status"}
    if filters["queue"]:
        words["Showing"] = selectors.QUEUE_LABELS[filters["queue"]].capitalize()
    if filters["view"]:
        words["View"] = Reach(filters["view"]).label
    return words


def _export_response(request: AuthedRequest, fmt: str, purpose: ExportPurpose) -> HttpResponse:
    _may_export(request)
    _, filters = _register_filters(request)
    header, rows = exports.register_rows_for(actor=request.user, **filters)
    actions.order_register_export_record(
        actor=request.user,
        file_format=fmt,
        rows=len(rows),
        filters=_filters_in_words(request),
        purpose=purpose,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = safecsv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.xlsx_bytes(header, rows),
            content_type=safecsv.XLSX_CONTENT_TYPE,
        )
    response["Content-Disposition"] = marking.attachment(f"desist-spo-register-{stamp}", fmt)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@purpose_asked(
    "the SPO register as CSV", guard=_may_export, back="orders:list", filters=_filters_in_words
)
def export_csv(request: AuthedRequest, purpose: ExportPurpose) -> HttpResponse:
    return _export_response(request, "csv", purpose)


@login_required
@purpose_asked(
    "the SPO register as a spreadsheet",
    guard=_may_export,
    back="orders:list",
    filters=_filters_in_words,
)
def export_xlsx(request: AuthedRequest, purpose: ExportPurpose) -> HttpResponse:
    return _export_response(request, "xlsx", purpose)


# --- apply, view, edit ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def order_apply(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ORDER_EDIT)
    subject = people_selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    actor = request.user
    cases = list(case_selectors.case_list_for(actor=actor).filter(subject=subject))
    forces = selectors.police_force_choices()
    form = ApplyForm(
        request.POST or None,
        initial={"applying_force": actor.organisation_id, "sex_offender_notification": "no"},
        force_choices=forces,
        case_choices=[(c.pk, c.crime_reference) for c in cases],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = actions.order_apply(
                actor=actor,
                subject=subject,
                application_date=data["application_date"],
                court=data["court"],
                case=next((c for c in cases if str(c.pk) == data["case"]), None),
                applying_force=selectors.police_force_get(int(data["applying_force"])),
                reference=data["reference"],
                sex_offender_notification=data["sex_offender_notification"] == "yes",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The application {order.reference} has been recorded")
            return redirect("orders:detail", order_id=order.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_order")
    return render(
        request,
        "orders/action_form.html",
        {
            "form": form,
            "title": "Record an application for a Stalking Protection Order",
            "caption": subject.full_name,
            "submit": "Record application",
            "back_url": reverse("people:detail", args=[subject.pk]),
            "back_label": f"Back to {subject.full_name}",
        },
    )


def _actions(actor: User, order: Order) -> list[tuple[str, str]]:
    """The actions the order page offers: exactly those whose command would accept the order
    (one rule, `orders.availability`)."""
    return [
        (a.label, reverse(f"orders:{a.url_name}", args=[order.pk, *a.url_args]))
        for a in availability.offered(actor, order)
    ]


@login_required
@require_GET
def order_detail(request: AuthedRequest, order_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ORDER_VIEW)
    page = selectors.order_page_for(actor=request.user, order_id=order_id)
    audit_consultation(actor=request.user, obj=page.order, verb="order.view")
    for shown in page.interventions:  # s.62: the provider's summary was consulted too
        if shown.has_report:
            audit_consultation(
                actor=request.user, obj=shown.record, verb="referral.view_end_summary"
            )
    can_edit = policy.can(request.user, Perm.ORDER_EDIT, page.order)
    return render(
        request,
        "orders/order_detail.html",
        {
            "page": page,
            "order": page.order,
            "can_edit": can_edit,
            "can_assign": policy.can(request.user, Perm.CASEWORK_ASSIGN, page.order),
            "can_correct": policy.can(request.user, Perm.ORDER_CORRECT, page.order),
            "terms_open": page.order.status in LIVE_STATUSES,
            "actions": _actions(request.user, page.order) if can_edit else [],
            "documents": document_selectors.panel_for(actor=request.user, record=page.order),
            "tasks_panel": task_selectors.panel_for(actor=request.user, record=page.order),
            "victim_updates": selectors.victim_updates_for(actor=request.user, order=page.order),
        },
    )


def _editable(request: AuthedRequest, order_id: int) -> Order:
    policy.require_perm(request.user, Perm.ORDER_EDIT)
    order = selectors.order_get_for(actor=request.user, order_id=order_id)
    policy.require(request.user, Perm.ORDER_EDIT, order)
    return order


def _action(
    request: AuthedRequest,
    order: Order,
    form: forms.Form,
    call: Callable[[dict[str, Any]], object],
    *,
    title: str,
    submit: str,
    success: str,
    intro: str = "",
    warning: str = "",
    summary: list[tuple[str, str]] | None = None,
    versioned: Any = None,
    saved: Callable[[Any], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Run a service from a valid POST and go back to the order; otherwise show the form with
    the service's messages on its fields. `versioned` is the record the form's hidden version
    belongs to (the order unless said), re-read when the save is refused as stale."""
    if request.method == "POST" and form.is_valid():
        try:
            call(dict(form.cleaned_data))
        except StaleRecordError:
            show_stale(form, versioned or order, saved)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("orders:detail", order_id=order.pk)
    if request.method == "GET":
        # The form is headed with the order and its subject: a consultation (s.62).
        audit_consultation(
            actor=request.user, obj=order, verb="order.view_for_form", new={"form": title}
        )
    return render(
        request,
        "orders/action_form.html",
        {
            "form": form,
            "order": order,
            "title": title,
            "caption": f"{order.reference}: {order.subject.full_name}",
            "submit": submit,
            "intro": intro,
            "warning": warning,
            "summary": summary or [],
            "back_url": reverse("orders:detail", args=[order.pk]),
            "back_label": f"Back to {order.reference}",
        },
    )


def _versioned(request: AuthedRequest, form_class: Any, order: Order, **kwargs: Any) -> Any:
    initial = {"version": order.version, **kwargs.pop("initial", {})}
    return form_class(request.POST or None, initial=initial, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def order_edit(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    cases = list(case_selectors.case_list_for(actor=request.user).filter(subject=order.subject))
    form = _versioned(
        request,
        EditForm,
        order,
        initial={
            "reference": order.reference,
            "court": order.court,
            "case": order.case_id or "",
            "sex_offender_notification": (
                "yes"
                if order.notification_exemption == NotificationExemption.SEX_OFFENDER
                else "no"
            ),
        },
        case_choices=[(c.pk, c.crime_reference) for c in cases],
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_update_details(
            actor=request.user,
            order=order,
            version=d["version"],
            reference=d["reference"],
            court=d["court"],
            case=next((c for c in cases if str(c.pk) == d["case"]), None),
            sex_offender_notification=d["sex_offender_notification"] == "yes",
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Change the order's details",
        submit="Save changes",
        success="The order's details have been updated",
    )


# --- hearings and decisions ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hearing_add(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, HearingForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_record_hearing(
            actor=request.user,
            order=order,
            version=d["version"],
            heard_on=d["heard_on"],
            kind=d["kind"],
            outcome="adjourned",
            court=d["court"],
            adjourned_to=d["adjourned_to"],
            notes=d["notes"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record an adjourned hearing",
        intro="Use this when the court adjourned without deciding. To record an order made "
        "or refused, use the actions on the order page.",
        submit="Record hearing",
        success="The hearing has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def make_interim(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, InterimForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_make_interim(
            actor=request.user,
            order=order,
            version=d["version"],
            made_on=d["made_on"],
            expires_on=d["expires_on"],
            court=d["court"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record an interim order",
        submit="Record interim order",
        success="The interim order has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def make_full(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, FullForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_make_full(
            actor=request.user,
            order=order,
            version=d["version"],
            made_on=d["made_on"],
            ends_on=d["ends_on"],
            until_further_order=d["until_further_order"],
            court=d["court"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record a full order",
        submit="Record full order",
        success="The full order has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def refuse(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, RefuseForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_refuse(
            actor=request.user,
            order=order,
            version=d["version"],
            refused_on=d["refused_on"],
            reason=d["reason"],
            court=d["court"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record that the court refused the order",
        submit="Record refusal",
        success="The refusal has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    availability.WITHDRAW.require_page(request.user)  # supervisors only: 403 on GET too
    form = _versioned(request, WithdrawForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_withdraw(
            actor=request.user,
            order=order,
            version=d["version"],
            withdrawn_on=d["withdrawn_on"],
            reason=d["reason"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Withdraw the application",
        intro="Only a police supervisor can withdraw an application. Any interim order ends.",
        submit="Withdraw application",
        success="The application has been withdrawn",
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthedRequest, order_id: int) -> HttpResponse:
    """A supervisor puts an officer and team in charge of the order (issue 19)."""
    policy.require_perm(request.user, Perm.CASEWORK_ASSIGN)
    order = selectors.order_get_for(actor=request.user, order_id=order_id)
    policy.require(request.user, Perm.CASEWORK_ASSIGN, order)
    form = _versioned(
        request,
        AssignForm,
        order,
        initial={"officer": order.officer_in_charge_id or "", "team": order.team},
        **ownership.choices_for(order.force_id),
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_assign(
            actor=request.user,
            order=order,
            version=d["version"],
            officer_id=d["officer"],
            team=d["team"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Officer in charge",
        submit="Save",
        success="The officer in charge has been changed",
    )


@login_required
@require_http_methods(["GET", "POST"])
def serve(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, ServeForm, order)

    def call(d: dict[str, Any]) -> object:
        return actions.order_serve(
            actor=request.user, order=order, version=d["version"], served_on=d["served_on"]
        )

    what = "interim order" if order.status == OrderStatus.INTERIM else "full order"
    return _action(
        request,
        order,
        form,
        call,
        title=f"Record service of the {what}",
        submit="Record service",
        success=f"Service of the {what} has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def circulate(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    if first_made_on(order) is None:
        raise Http404("Only an order the court has made can be circulated")
    form = _versioned(
        request, CirculationForm, order, initial={"circulated_on": order.pnc_circulated_on}
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_record_circulation(
            actor=request.user,
            order=order,
            version=d["version"],
            circulated_on=d["circulated_on"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record the PNC entry",
        submit="Save the date",
        success="The date of the PNC entry has been saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def expire(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = _versioned(request, ConfirmForm, order)
    end = order.interim_expires_on if order.status == OrderStatus.INTERIM else order.full_ends_on

    def call(d: dict[str, Any]) -> object:
        return actions.order_expire(actor=request.user, order=order, version=d["version"])

    return _action(
        request,
        order,
        form,
        call,
        title="Check before recording that the order has expired",
        summary=[
            ("Order", order.reference),
            ("Status", order.get_status_display()),
            ("End date", f"{end.day} {end:%B %Y}" if end else "None recorded"),
        ],
        warning="The order will be recorded as expired on its end date. This cannot be undone.",
        submit="Record expiry",
        success="The order has been recorded as expired",
    )


# --- terms ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def term_add(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = TermForm(
        request.POST or None,
        victim_choices=selectors.protectable_victim_choices_for(actor=request.user, order=order),
        organisation_choices=selectors.organisation_choices(),
    )

    def call(d: dict[str, Any]) -> object:
        org_id = d["responsible_organisation"]
        return actions.order_add_term(
            actor=request.user,
            order=order,
            kind=d["kind"],
            category=d["category"],
            wording=d["wording"],
            provider_description=d["provider_description"],
            area=d["area"],
            protected_persons=[int(v) for v in d["protected_persons"]],
            responsible_organisation=selectors.organisation_get(int(org_id)) if org_id else None,
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Add a term",
        intro="Record each prohibition or requirement separately, as the court worded it.",
        submit="Add term",
        success="The term has been added",
    )


def _correctable(request: AuthedRequest, order_id: int) -> Order:
    """A police supervisor's correction: anyone else is refused the page itself (403)."""
    policy.require_perm(request.user, Perm.ORDER_CORRECT)
    order = selectors.order_get_for(actor=request.user, order_id=order_id)
    policy.require(request.user, Perm.ORDER_CORRECT, order)
    return order


def _term_of(order: Order, term_id: int) -> Term:
    term = order.terms.filter(pk=term_id).first()
    if term is None:
        raise Http404("No such term")
    return term


def _term_initial(term: Term) -> dict[str, Any]:
    return {
        "version": term.version,
        "wording": term.wording,
        "provider_description": term.provider_description,
        "area": term.area,
    }


@login_required
@require_http_methods(["GET", "POST"])
def term_vary(request: AuthedRequest, order_id: int, term_id: int) -> HttpResponse:
    """The court varied a term's wording: a variation, dated by the court's decision."""
    order = _editable(request, order_id)
    term = _term_of(order, term_id)
    form = TermVaryForm(request.POST or None, initial=_term_initial(term))

    def call(d: dict[str, Any]) -> object:
        return actions.order_vary_term(
            actor=request.user,
            term=term,
            version=d["version"],
            wording=d["wording"],
            provider_description=d["provider_description"],
            area=d["area"],
            decided_on=d["decided_on"],
            reason=d["reason"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record a variation of a term",
        intro="Use this when the court has varied the term. To put right a term keyed wrongly, "
        "ask a police supervisor to correct it.",
        submit="Save the variation",
        success="The variation of the term has been recorded",
        versioned=term,
        saved=_term_initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_end(request: AuthedRequest, order_id: int, term_id: int) -> HttpResponse:
    """The court ended one term; the order and its other terms go on."""
    order = _editable(request, order_id)
    term = _term_of(order, term_id)
    form = TermEndForm(request.POST or None, initial={"version": term.version})

    def call(d: dict[str, Any]) -> object:
        return actions.order_end_term(
            actor=request.user,
            term=term,
            version=d["version"],
            decided_on=d["decided_on"],
            reason=d["reason"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record that the court ended a term",
        intro="The order and its other terms stay in force.",
        submit="Save",
        success="The term has been recorded as ended",
        versioned=term,
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_correct(request: AuthedRequest, order_id: int, term_id: int) -> HttpResponse:
    """A police supervisor puts right a term keyed wrongly (not a variation)."""
    order = _correctable(request, order_id)
    term = _term_of(order, term_id)
    form = TermCorrectForm(request.POST or None, initial=_term_initial(term))

    def call(d: dict[str, Any]) -> object:
        return actions.order_correct_term(
            actor=request.user,
            term=term,
            version=d["version"],
            wording=d["wording"],
            provider_description=d["provider_description"],
            area=d["area"],
            reason=d["reason"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Correct a term",
        intro="Only for a term keyed wrongly. If the court changed the term, record a "
        "variation instead.",
        submit="Save the correction",
        success="The term has been corrected",
        versioned=term,
        saved=_term_initial,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dates_correct(request: AuthedRequest, order_id: int) -> HttpResponse:
    """A police supervisor corrects mistaken order dates, checked again against the Act."""
    order = _correctable(request, order_id)
    names = correctable_fields(order)
    if not names:
        raise Http404("No dates to correct")
    form = DateCorrectForm(
        request.POST or None,
        initial={"version": order.version, **{n: getattr(order, n) for n in names}},
        fields=[(n, OrderDateCorrection.Field(n).label) for n in names],
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_correct_dates(
            actor=request.user,
            order=order,
            version=d["version"],
            dates={n: d[n] for n in names},
            reason=d["reason"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Correct the order's dates",
        intro="Only for dates keyed wrongly. A court's decision that changes the order is a "
        "variation, renewal or appeal. The corrected dates are checked again against the Act.",
        submit="Save the correction",
        success="The order's dates have been corrected",
    )


# --- variation, renewal, discharge, appeal -------------------------------------------------------

_EVENT_TITLES = {
    OrderEvent.Kind.VARIATION: "Record a variation",
    OrderEvent.Kind.RENEWAL: "Record a renewal",
    OrderEvent.Kind.DISCHARGE: "Record a discharge",
    OrderEvent.Kind.APPEAL: "Record an appeal",
}


@login_required
@require_http_methods(["GET", "POST"])
def event_add(request: AuthedRequest, order_id: int, kind: str) -> HttpResponse:
    order = _editable(request, order_id)
    if kind not in OrderEvent.Kind.values:
        raise Http404("No such event")
    form = _versioned(
        request,
        EventForm,
        order,
        initial={"court": order.court},
        kind=kind,
        against_refusal=order.status == OrderStatus.REFUSED,
        full=order.status == OrderStatus.FULL,
        consent_needed_until=(
            law.discharge_needs_consent_until(order.full_made_on)
            if order.status == OrderStatus.FULL and order.full_made_on
            else None
        ),
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_record_event(
            actor=request.user,
            order=order,
            version=d["version"],
            kind=kind,
            applicant=d["applicant"],
            court=d["court"],
            decided_on=d["decided_on"],
            outcome=d["outcome"],
            details=d["details"],
            new_ends_on=d.get("new_ends_on"),
            until_further_order=bool(d.get("until_further_order")),
            defendant_consents="defendant" in d.get("consents", ()),
            chief_officer_consents="chief_officer" in d.get("consents", ()),
        )

    label = OrderEvent.Kind(kind).label.lower()
    return _action(
        request,
        order,
        form,
        call,
        title=_EVENT_TITLES[OrderEvent.Kind(kind)],
        submit=f"Record {label}",
        success=f"The {label} has been recorded",
    )


# --- notifications ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notification_change(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    form = ChangeNotificationForm(request.POST or None)

    def call(d: dict[str, Any]) -> object:
        return actions.notification_record_change(actor=request.user, order=order, **d)

    return _action(
        request,
        order,
        form,
        call,
        title="Record a notified change of name or address",
        intro="A new address is added to the subject's address history and their previous "
        "address is closed. A new name is added to their other names.",
        submit="Record notification",
        success="The notification has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_received(
    request: AuthedRequest, order_id: int, notification_id: int
) -> HttpResponse:
    order = _editable(request, order_id)
    notification = selectors.notification_get_for(
        actor=request.user, order=order, notification_id=notification_id
    )
    form = ReceivedForm(request.POST or None)

    def call(d: dict[str, Any]) -> object:
        return actions.notification_record_received(
            actor=request.user, notification=notification, received_on=d["received_on"]
        )

    due = notification.due_on
    return _action(
        request,
        order,
        form,
        call,
        title="Record that the subject notified",
        intro=f"{notification.get_kind_display()}: due by {due.day} {due:%B %Y}.",
        submit="Record notification",
        success="The notification has been recorded as received",
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_acknowledged(
    request: AuthedRequest, order_id: int, notification_id: int
) -> HttpResponse:
    order = _editable(request, order_id)
    notification = selectors.notification_get_for(
        actor=request.user, order=order, notification_id=notification_id
    )
    form = AcknowledgedForm(request.POST or None)

    def call(d: dict[str, Any]) -> object:
        return actions.notification_record_acknowledged(
            actor=request.user, notification=notification, acknowledged_on=d["acknowledged_on"]
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record the written acknowledgement",
        submit="Record acknowledgement",
        success="The acknowledgement has been recorded",
    )


# --- breaches ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def breach_add(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    terms = selectors.terms_for_order(actor=request.user, order=order)
    form = BreachForm(
        request.POST or None,
        term_choices=[
            (t.pk, f"{t.get_kind_display()} {i}: {t.wording[:80]}") for i, t in enumerate(terms, 1)
        ],
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_record_breach(
            actor=request.user,
            order=order,
            term=next((t for t in terms if str(t.pk) == d["term"]), None),
            occurred_on=d["occurred_on"],
            detection=d["detection"],
            police_action=d["police_action"],
            court_outcome=d["court_outcome"],
            court_outcome_on=d["court_outcome_on"],
            details=d["details"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record a breach",
        intro="" if terms else "Add the order's terms first: each breach is of a term.",
        submit="Record breach",
        success="The breach has been recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def breach_outcome(request: AuthedRequest, order_id: int, breach_id: int) -> HttpResponse:
    order = _editable(request, order_id)
    breach = selectors.breach_get_for(actor=request.user, order=order, breach_id=breach_id)
    form = BreachOutcomeForm(
        request.POST or None,
        initial={
            "court_outcome": breach.court_outcome,
            "court_outcome_on": breach.court_outcome_on,
            "seen": outcome_seen(breach),
        },
    )

    def call(d: dict[str, Any]) -> object:
        return actions.breach_record_court_outcome(
            actor=request.user,
            breach=breach,
            court_outcome=d["court_outcome"],
            court_outcome_on=d["court_outcome_on"],
            seen=d["seen"] or None,
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record the court outcome of a breach",
        submit="Save outcome",
        success="The court outcome has been recorded",
    )


# --- updates to victims (Victims' Code) ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def victim_update_add(request: AuthedRequest, order_id: int) -> HttpResponse:
    """Log an update given to one of the order's victims. Police of the order's force only:
    the page names the victims."""
    policy.require_perm(request.user, Perm.VICTIM_UPDATE_RECORD)
    order = selectors.order_get_for(actor=request.user, order_id=order_id)
    policy.require(request.user, Perm.VICTIM_UPDATE_RECORD, order)
    panel = selectors.victim_updates_for(actor=request.user, order=order)
    assert panel is not None
    victims = list(victims_code.order_victims(order))
    events = victims_code.key_events(order)
    initial = {
        "victim": request.GET.get("victim", ""),
        "event_key": request.GET.get("event", ""),
    }
    form = VictimUpdateForm(
        request.POST or None,
        initial=initial,
        victim_choices=[(v.pk, panel.labels[v.pk]) for v in victims],
        event_choices=[(e.key, f"{e.label} ({long_day(e.on)})") for e in reversed(events)],
    )

    def call(d: dict[str, Any]) -> object:
        return actions.order_record_victim_update(
            actor=request.user,
            order=order,
            victim=next((v for v in victims if str(v.pk) == d["victim"]), None),
            event_key="" if d["event_key"] == "other" else d["event_key"],
            told_on=d["told_on"],
            how=d["how"],
            summary=d["summary"],
        )

    return _action(
        request,
        order,
        form,
        call,
        title="Record an update given to a victim",
        intro=""
        if victims
        else "No victim is linked to this order: add the victim to the case, or name them "
        "as a protected person in a term, first.",
        submit="Record update",
        success="The update to the victim has been recorded",
    )
