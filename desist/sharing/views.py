"""Pages: the alert inbox, the disclosure log, break-glass access and its review. Thin: each
view checks the permission, calls a selector or service and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.accounts.models import User
from desist.audit.services import audit_consultation
from desist.core import marking, safecsv
from desist.core.concurrency import StaleRecordError
from desist.core.export_purpose import ExportPurpose, form_filters, purpose_asked
from desist.core.forms import add_service_errors
from desist.policy import Perm
from desist.sharing import break_glass as bg
from desist.sharing import selectors, services
from desist.sharing.forms import (
    AcknowledgeForm,
    BreakGlassDecisionForm,
    BreakGlassRequestForm,
    BreakGlassReviewForm,
    DisclosureFilterForm,
)
from desist.sharing.kinds import KIND_LABELS

PAGE_SIZE = 50


# --- alerts ------------------------------------------------------------------------------------


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.ALERT_RECEIVE)
    state = request.GET.get("state", "open")
    if state not in selectors.ALERT_STATES:
        state = "open"
    alerts = selectors.alert_list_for(actor=request.user, state=state)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        verb="alert.list",
        object_type="sharing.Alert",
        new={"state": state, "page": page.number},
    )
    return render(
        request,
        "sharing/inbox.html",
        {
            "page": page,
            "state": state,
            "states": [
                ("open", "To acknowledge"),
                ("acknowledged", "Acknowledged"),
                ("all", "All"),
            ],
            "kind_labels": KIND_LABELS,
            "now": timezone.now(),
        },
    )


@login_required
def alert_detail(request: AuthedRequest, alert_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ALERT_RECEIVE)
    alert = selectors.alert_get_for(actor=request.user, alert_id=alert_id)
    form = AcknowledgeForm(request.POST or None, initial={"version": alert.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_acknowledge(
                actor=request.user,
                alert=alert,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Alert {alert.reference} acknowledged")
            return redirect("sharing:inbox")
    detail = selectors.alert_source_detail_for(actor=request.user, alert=alert)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=alert, verb="alert.view")
        if detail is not None:  # s.62: the source record was consulted too
            audit_consultation(actor=request.user, obj=detail.record, verb=detail.verb)
    return render(
        request,
        "sharing/alert_detail.html",
        {
            "alert": alert,
            "detail": detail,
            "form": form,
            "kind_label": KIND_LABELS.get(alert.kind, alert.kind),
            "overdue": alert.is_overdue(),
        },
    )


# --- disclosures ---------------------------------------------------------------------------------


def _require_disclosures(actor: User) -> None:
    if not (
        policy.has_perm(actor, Perm.DISCLOSURE_VIEW_ALL)
        or policy.has_perm(actor, Perm.DISCLOSURE_VIEW_OWN_ORG)
    ):
        raise PermissionDenied(Perm.DISCLOSURE_VIEW_ALL.value)


def _disclosure_filters(
    request: AuthedRequest,
) -> tuple[DisclosureFilterForm, selectors.DisclosureFilters]:
    form = DisclosureFilterForm(
        request.GET or None,
        organisations=selectors.disclosure_organisation_choices(actor=request.user),
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, selectors.DisclosureFilters(
            organisation_id=d.get("organisation"),
            lawful_basis=d["lawful_basis"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    return form, selectors.DisclosureFilters()


@login_required
def disclosure_list(request: AuthedRequest) -> HttpResponse:
    _require_disclosures(request.user)
    form, filters = _disclosure_filters(request)
    rows = selectors.disclosure_list_for(actor=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit_consultation(
        actor=request.user,
        verb="disclosure.list",
        object_type="sharing.Disclosure",
        new={"page": page.number},
    )
    return render(
        request,
        "sharing/disclosure_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "scope_all": policy.has_perm(request.user, Perm.DISCLOSURE_VIEW_ALL),
        },
    )


EXPORT_COLUMNS = [
    "reference",
    "disclosed_at",
    "from_organisation",
    "to_organisation",
    "to_user",
    "what",
    "purpose",
    "lawful_basis",
    "agreement",
    "authorised_by",
    "authority",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _may_export(request: AuthedRequest) -> None:
    _require_disclosures(request.user)


def _filters_in_words(request: AuthedRequest) -> dict[str, str]:
    return form_filters(_disclosure_filters(request)[0])


@login_required
@purpose_asked(
    "these disclosures as CSV",
    guard=_may_export,
    back="sharing:disclosures",
    filters=_filters_in_words,
)
def disclosure_export(request: AuthedRequest, purpose: ExportPurpose) -> HttpResponseBase:
    _require_disclosures(request.user)
    form, filters = _disclosure_filters(request)
    rows = selectors.disclosure_list_for(actor=request.user, filters=filters)
    services.disclosure_export_record(
        actor=request.user,
        rows=rows.count(),
        filters=form_filters(form),
        purpose=purpose,
    )
    writer = safecsv.writer(_Echo())

    def lines() -> Any:
        yield writer.writerow(EXPORT_COLUMNS)
        for d in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    d.reference,
                    timezone.localtime(d.disclosed_at).isoformat(),
                    d.from_organisation.name,
                    d.to_organisation.name,
                    d.to_user.get_username() if d.to_user else "",
                    d.what,
                    d.purpose,
                    d.get_lawful_basis_display(),
                    d.agreement,
                    d.authorised_by.get_username() if d.authorised_by else "",
                    d.authority,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = marking.attachment(f"disclosures-{stamp}", "csv")
    return response


# --- break-glass ------------------------------------------------------------------------------


@login_required
def break_glass_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_REQUEST)
    grants = bg.with_record_references(selectors.break_glass_grants_of(actor=request.user)[:50])
    now = timezone.now()
    rows = [
        {
            "grant": g,
            "live": g.is_live(now),
            "url": bg.record_url(g.record_type, g.record_id) if g.is_live(now) else "",
        }
        for g in grants
    ]
    audit_consultation(
        actor=request.user,
        verb="break_glass.list",
        object_type="sharing.BreakGlassGrant",
        new={"shown": len(grants)},
    )
    return render(
        request,
        "sharing/break_glass_list.html",
        {
            "rows": rows,
            "minutes": bg.break_glass_minutes(),
            "cap": bg.break_glass_daily_cap(),
            "can_approve": policy.has_perm(request.user, Perm.BREAK_GLASS_APPROVE),
        },
    )


@login_required
def break_glass_request(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_REQUEST)
    types = bg.break_glass_allowed_types(request.user)
    form = BreakGlassRequestForm(request.POST or None, record_types=types)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        record = selectors.break_glass_find_record(
            actor=request.user, record_type=d["record_type"], reference=d["reference"]
        )
        if record is None:
            form.add_error("reference", "No single record of that kind has this reference")
        else:
            try:
                grant = bg.break_glass_request(
                    actor=request.user, record=record, justification=d["justification"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if grant.status == grant.Status.PENDING:
                    why = " and ".join(grant.approval_reason_labels)
                    messages.warning(
                        request,
                        f"Your request {grant.reference} needs a supervisor's approval because "
                        f"{why}. You cannot open the record until it is approved.",
                    )
                    return redirect("sharing:break_glass")
                until = timezone.localtime(grant.expires_at).strftime("%H:%M")
                messages.success(
                    request,
                    f"Break-glass access granted until {until}. Your use is recorded and will "
                    "be reviewed.",
                )
                url = bg.record_url(grant.record_type, grant.record_id)
                return redirect(url or "sharing:break_glass")
    return render(
        request,
        "sharing/break_glass_request.html",
        {
            "form": form,
            "minutes": bg.break_glass_minutes(),
            "cap": bg.break_glass_daily_cap(),
        },
    )


@login_required
def break_glass_review_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_REVIEW)
    state = request.GET.get("state", "unreviewed")
    if state not in ("unreviewed", "reviewed", "all"):
        state = "unreviewed"
    grants = selectors.break_glass_review_list_for(actor=request.user, state=state)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = bg.with_record_references(page.object_list)
    audit_consultation(
        actor=request.user,
        verb="break_glass.review_list",
        object_type="sharing.BreakGlassGrant",
        new={"state": state, "page": page.number},
    )
    return render(
        request,
        "sharing/break_glass_review_list.html",
        {
            "page": page,
            "state": state,
            "states": [("unreviewed", "To review"), ("reviewed", "Reviewed"), ("all", "All")],
        },
    )


@login_required
def break_glass_review(request: AuthedRequest, grant_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_REVIEW)
    grant = selectors.break_glass_grant_get_for_review(actor=request.user, grant_id=grant_id)
    bg.with_record_references([grant])
    form = BreakGlassReviewForm(request.POST or None, initial={"version": grant.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bg.break_glass_review(
                actor=request.user,
                grant=grant,
                version=d["version"],
                finding=d["finding"],
                notes=d["notes"],
            )
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review of {grant.reference} recorded")
            return redirect("sharing:break_glass_reviews")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=grant, verb="break_glass.view")
    return render(
        request,
        "sharing/break_glass_review.html",
        {"grant": grant, "form": form, "live": grant.is_live()},
    )


@login_required
def break_glass_approvals(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_APPROVE)
    state = "all" if request.GET.get("state") == "all" else "pending"
    grants = selectors.break_glass_approvals_for(actor=request.user, state=state)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = bg.with_record_references(page.object_list)
    audit_consultation(
        actor=request.user,
        verb="break_glass.approval_list",
        object_type="sharing.BreakGlassGrant",
        new={"state": state, "page": page.number},
    )
    return render(
        request,
        "sharing/break_glass_approvals.html",
        {"page": page, "state": state, "states": [("pending", "Waiting"), ("all", "All")]},
    )


@login_required
def break_glass_decide(request: AuthedRequest, grant_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.BREAK_GLASS_APPROVE)
    grant = selectors.break_glass_approval_get_for(actor=request.user, grant_id=grant_id)
    bg.with_record_references([grant])
    form = BreakGlassDecisionForm(request.POST or None, initial={"version": grant.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bg.break_glass_decide(
                actor=request.user,
                grant=grant,
                version=d["version"],
                decision=d["decision"],
                note=d["note"],
            )
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = "approved" if d["decision"] == "approve" else "refused"
            messages.success(request, f"Request {grant.reference} {done}")
            return redirect("sharing:break_glass_approvals")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=grant, verb="break_glass.view")
    return render(request, "sharing/break_glass_decide.html", {"grant": grant, "form": form})
