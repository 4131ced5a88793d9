from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from desist import policy
from desist.audit.actors import shown_actor
from desist.audit.forms import AuditFilterForm
from desist.audit.labels import record_type_names
from desist.audit.models import Category
from desist.audit.selectors import (
    AuditFilters,
    audit_event_detail_for,
    audit_event_list_for,
    audit_event_page_for,
    audit_object_types_for,
    audit_organisation_choices_for,
)
from desist.audit.services import audit_consultation, audit_record
from desist.core import marking, safecsv
from desist.core.export_purpose import ExportPurpose, form_filters, purpose_asked

if TYPE_CHECKING:
    from desist.accounts.models import User

PAGE_SIZE = 50
EXPORT_COLUMNS = [
    "occurred_at",
    "actor_username",
    "organisation_name",
    "category",
    "verb",
    "object_type",
    "object_id",
    "justification",
    "detail",
    "recipients",
    "request_id",
    "client_address",
]


def _actor(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    return cast("User", request.user)


def _require_audit(actor: User) -> None:
    if not (
        policy.has_perm(actor, policy.Perm.AUDIT_VIEW_ALL)
        or policy.has_perm(actor, policy.Perm.AUDIT_VIEW_OWN_ORG)
    ):
        policy.require_perm(actor, policy.Perm.AUDIT_VIEW_ALL)


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters]:
    organisations = audit_organisation_choices_for(actor=_actor(request))
    form = AuditFilterForm(
        request.GET or None,
        object_types=audit_object_types_for(actor=_actor(request)),
        organisations=organisations,
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, AuditFilters(
            username=d["username"],
            organisation_id=d.get("organisation"),
            object_type=d["object_type"],
            object_id=d["object_id"],
            category=d["category"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    return form, AuditFilters()


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_audit(_actor(request))
    form, filters = _filters(request)
    page = audit_event_page_for(
        actor=_actor(request), filters=filters, page=request.GET.get("page"), per_page=PAGE_SIZE
    )
    names = record_type_names({e.object_type for e in page if e.object_type})
    scope_all = policy.has_perm(request.user, policy.Perm.AUDIT_VIEW_ALL)
    rows = [
        (
            e,
            audit_event_detail_for(actor=_actor(request), event=e),
            names.get(e.object_type, ""),
            shown_actor(e, viewer=_actor(request), scope_all=scope_all),
        )
        for e in page
    ]
    # Browsing the audit log is itself a consultation (it names staff and records).
    audit_consultation(
        actor=_actor(request),
        verb="audit.view",
        object_type="audit.AuditEvent",
        new={"filters": {k: v for k, v in filters.__dict__.items() if v}, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_export": policy.has_perm(request.user, policy.Perm.AUDIT_EXPORT),
            "scope_all": scope_all,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _may_export(request: HttpRequest) -> None:
    _require_audit(_actor(request))
    policy.require_perm(request.user, policy.Perm.AUDIT_EXPORT)


def _filters_in_words(request: HttpRequest) -> dict[str, str]:
    return form_filters(_filters(request)[0])


@login_required
@purpose_asked(
    "these audit entries as CSV",
    guard=_may_export,
    back="audit:list",
    filters=_filters_in_words,
)
def audit_export(request: HttpRequest, purpose: ExportPurpose) -> HttpResponseBase:
    _may_export(request)
    form, filters = _filters(request)
    events = audit_event_list_for(actor=_actor(request), filters=filters)
    with transaction.atomic():
        # The export is itself a disclosure of personal data about staff; record it first.
        audit_record(
            actor=_actor(request),
            category=Category.DISCLOSURE,
            verb="audit.export",
            object_type="audit.AuditEvent",
            justification="Audit log export",
            recipients=[request.user.get_username()],
            new=safecsv.export_facts(
                file_format="csv",
                filters=form_filters(form),
                rows=events.count(),
                purpose=purpose,
            ),
        )
    writer = safecsv.writer(_Echo())

    def rows() -> Any:
        yield writer.writerow(EXPORT_COLUMNS)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(e.occurred_at).isoformat(),
                    e.actor_username,
                    e.organisation_name,
                    e.category,
                    e.verb,
                    e.object_type,
                    e.object_id,
                    e.justification,
                    audit_event_detail_for(actor=_actor(request), event=e),
                    ";".join(e.recipients or []),
                    e.request_id,
                    e.client_address or "",
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = marking.attachment(f"desist-audit-{stamp}", "csv")
    return response
