"""Version 1 of the JSON API (issue 17, ADR 0029): orders, alerts and referrals.

Thin on purpose (ADR 0020): every read goes through the selector the page uses, so the policy's
scopes, the victim wall and redaction are the page's; the one write calls the page's command.
This module only authenticates, pages, serialises and turns exceptions into problem details.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from desist import policy
from desist.api import paging
from desist.api.auth import ApiKeyAuth
from desist.api.problems import (
    MEDIA_TYPE,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
    RateLimited,
    problem,
)
from desist.core.concurrency import StaleRecordError
from desist.orders import selectors as orders
from desist.policy import Perm
from desist.programme import selectors as programme
from desist.sharing import selectors as sharing
from desist.sharing.services import alert_acknowledge

MAX_ID = 2**31 - 1
# Every 4xx the API (or Django under it) can answer; all are problem details.
ERROR_CODES = frozenset({400, 401, 403, 404, 405, 406, 412, 413, 415, 422, 428, 429})
ERRORS: Any = {ERROR_CODES: Problem}


class DesistApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are documented as application/problem+json, which is what they are sent as."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        response["content"] = {MEDIA_TYPE: content["application/json"]}
        schema["components"].setdefault("securitySchemes", {})
        return schema


api = DesistApi(
    title="Desist API",
    version="1",
    description=(
        "Machine-to-machine access for partner organisations' systems. Authenticate with an "
        "API key (`Authorization: Bearer dsk_...`), issued on the API keys page. See "
        "docs/integration.md."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


# --- errors: problem details everywhere ----------------------------------------------------


def _status_of(exc: HttpError) -> int:
    return int(exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        401,
        "Send a live API key as 'Authorization: Bearer <key>'",
        headers={"WWW-Authenticate": 'Bearer realm="desist"'},
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The same words whether the record does not exist or belongs to someone else.
    return problem(404, "There is no such record, or this key may not see it")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(403, f"This API key does not have the permission this needs ({exc})")


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, NinjaValidationError)
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
        errors.setdefault(where, []).append(str(error.get("msg", "is not valid")))
    return problem(422, "The request is not valid", errors=errors)


@api.exception_handler(DjangoValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, DjangoValidationError)
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
    return problem(422, "The request is not valid", errors=errors)


@api.exception_handler(StaleRecordError)
@api.exception_handler(PreconditionFailed)
def _stale(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        412, "The record has changed since you read it: get it again and use its new ETag"
    )


@api.exception_handler(PreconditionRequired)
def _precondition_required(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(428, "Send If-Match with the ETag you got when you read the record")


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, RateLimited)
    return problem(
        429,
        "This key has made too many calls: wait and try again",
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, HttpError)
    return problem(_status_of(exc), str(exc))


def _audit_object(request: HttpRequest, obj: Any = None, object_type: str = "") -> None:
    # Read by the audit wrapper (desist.api.urls) for the call's audit event.
    request.api_audit = {"obj": obj, "object_type": object_type}  # type: ignore[attr-defined]


def _require_match(request: HttpRequest, current: str) -> None:
    header = request.headers.get("If-Match", "")
    if not header.strip():
        raise PreconditionRequired
    if not paging.if_match_ok(header, current):
        raise PreconditionFailed


# --- shapes ---------------------------------------------------------------------------------


class Page(Schema):
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class OrderSummary(Schema):
    id: int
    reference: str
    status: str
    subject_id: int
    force: str
    court: str
    application_date: dt.date
    interim_made_on: dt.date | None
    full_made_on: dt.date | None
    full_ends_on: dt.date | None
    until_further_order: bool
    ended_on: dt.date | None


class TermOut(Schema):
    id: int
    kind: str
    category: str
    wording: str = Field(
        description="The court's wording with the victims:read scope; otherwise the "
        "description written for the provider, never a redaction of the court's"
    )
    area: str
    protected: list[str] = Field(description="Victim references, or names with victims:read")
    responsible: str | None


class NotificationOut(Schema):
    id: int
    kind: str
    due_on: dt.date
    received_on: dt.date | None
    state: str
    days_overdue: int


class BreachOut(Schema):
    id: int
    term_id: int
    occurred_on: dt.date
    detection: str
    police_action: str
    court_outcome: str


class OrderDetail(OrderSummary):
    terms: list[TermOut]
    notifications: list[NotificationOut]
    breaches: list[BreachOut]


class OrderPage(Page):
    items: list[OrderSummary]


class AlertOut(Schema):
    id: int
    reference: str
    kind: str
    priority: str
    title: str
    body: str
    subject_id: int | None
    created_at: dt.datetime
    due_by: dt.datetime
    acknowledged_at: dt.datetime | None
    escalation: bool
    overdue: bool


class AlertPage(Page):
    items: list[AlertOut]


class AcknowledgeIn(Schema):
    read_by: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="The person in your organisation who has read the alert (required: "
        "acknowledging stops its escalation to a manager)",
    )
    note: str = Field("", max_length=1800, description="What was done (optional)")


class ReferralSummary(Schema):
    id: int
    reference: str
    status: str
    subject_id: int
    programme: str
    put_forward_on: dt.date
    started_on: dt.date | None
    ended_on: dt.date | None


class SessionOut(Schema):
    starts_at: dt.datetime
    state: str
    attendance: str


class ProviderTermOut(Schema):
    kind: str
    category: str
    description: str
    protected: list[str]
    responsible: str


class ReferralDetail(ReferralSummary):
    sessions_attended: int
    sessions: list[SessionOut]
    terms: list[ProviderTermOut] = Field(
        description="The order's terms as providers see them (provider keys only)"
    )


class ReferralPage(Page):
    items: list[ReferralSummary]


# --- serialisers: the page's data, never more -------------------------------------------------


def _order_summary(order: Any) -> dict[str, Any]:
    return {
        "id": order.pk,
        "reference": order.reference,
        "status": order.status,
        "subject_id": order.subject_id,
        "force": order.force.name,
        "court": order.court,
        "application_date": order.application_date,
        "interim_made_on": order.interim_made_on,
        "full_made_on": order.full_made_on,
        "full_ends_on": order.full_ends_on,
        "until_further_order": order.until_further_order,
        "ended_on": order.ended_on,
    }


def _order_detail(page: orders.OrderPage) -> dict[str, Any]:
    return _order_summary(page.order) | {
        "terms": [
            {
                "id": row.term.pk,
                "kind": row.term.kind,
                "category": row.term.category,
                "wording": row.wording,
                "area": row.area,
                "protected": row.protected,
                "responsible": row.term.responsible_organisation.name
                if row.term.responsible_organisation
                else None,
            }
            for row in page.terms
        ],
        "notifications": [
            {
                "id": row.notification.pk,
                "kind": row.notification.kind,
                "due_on": row.notification.due_on,
                "received_on": row.notification.received_on,
                "state": str(row.state),
                "days_overdue": row.days_overdue,
            }
            for row in page.notifications
        ],
        "breaches": [
            {
                "id": row.breach.pk,
                "term_id": row.breach.term_id,
                "occurred_on": row.breach.occurred_on,
                "detection": row.breach.detection,
                "police_action": row.breach.police_action,
                "court_outcome": row.breach.court_outcome,
            }
            for row in page.breaches
        ],
    }


def _alert(alert: Any) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "reference": alert.reference,
        "kind": alert.kind,
        "priority": alert.priority,
        "title": alert.title,
        "body": alert.body,
        "subject_id": alert.subject_id,
        "created_at": alert.created_at,
        "due_by": alert.due_by,
        "acknowledged_at": alert.acknowledged_at,
        "escalation": alert.is_escalation,
        "overdue": alert.is_overdue(),
    }


def _referral_summary(referral: Any) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "reference": referral.reference,
        "status": referral.status,
        "subject_id": referral.subject_id,
        "programme": referral.programme.name,
        "put_forward_on": referral.put_forward_on,
        "started_on": referral.started_on,
        "ended_on": referral.ended_on,
    }


def _referral_detail(page: programme.ReferralPage) -> dict[str, Any]:
    return _referral_summary(page.referral) | {
        "sessions_attended": page.attended,
        "sessions": [
            {"starts_at": s.starts_at, "state": s.state, "attendance": s.attendance}
            for s in page.sessions
        ],
        "terms": [
            {
                "kind": t.kind,
                "category": t.category,
                "description": t.description,
                "protected": list(t.protected),
                "responsible": t.responsible,
            }
            for t in page.terms
        ],
    }


def _with_etag(response: HttpResponse, data: dict[str, Any]) -> dict[str, Any]:
    response["ETag"] = paging.etag(data)
    return data


# --- endpoints ------------------------------------------------------------------------------

Limit = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT)
Since = Query(None, description="Only records written at or after this time (ISO 8601)")
Cursor = Query(None, max_length=40)

order_router = Router(tags=["orders"])
alert_router = Router(tags=["alerts"])
referral_router = Router(tags=["referrals"])


@order_router.get("", response={200: OrderPage, **ERRORS}, summary="List orders")
def list_orders(
    request: HttpRequest,
    cursor: str | None = Cursor,
    limit: int = Limit,
    updated_since: dt.datetime | None = Since,
) -> Any:
    """The key's force's orders (scope `orders:read`), in id order."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.ORDER_VIEW)
    _audit_object(request, object_type="orders.Order")
    qs = orders.order_list_for(actor=actor).select_related("force")
    return paging.page(
        qs, cursor=cursor, limit=limit, updated_since=updated_since, serialise=_order_summary
    )


@order_router.get("/{order_id}", response={200: OrderDetail, **ERRORS}, summary="One order")
def get_order(
    request: HttpRequest, response: HttpResponse, order_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """An order with its terms (worded as the key's organisation sees them on the order page),
    notifications and breaches. Another force's order is 404."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.ORDER_VIEW)  # no scope: 403; out of reach: 404
    page = orders.order_page_for(actor=actor, order_id=order_id)
    _audit_object(request, obj=page.order)
    return _with_etag(response, OrderDetail.model_validate(_order_detail(page)).model_dump())


ALERT_STATES = Query("all", pattern="^(open|acknowledged|all)$")


@alert_router.get("", response={200: AlertPage, **ERRORS}, summary="List alerts")
def list_alerts(
    request: HttpRequest,
    state: str = ALERT_STATES,
    cursor: str | None = Cursor,
    limit: int = Limit,
    updated_since: dt.datetime | None = Since,
) -> Any:
    """Alerts sent to anyone in the key's organisation (scope `alerts:read`)."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.ALERT_RECEIVE)
    _audit_object(request, object_type="sharing.Alert")
    return paging.page(
        sharing.alert_list_for(actor=actor, state=state),
        cursor=cursor,
        limit=limit,
        updated_since=updated_since,
        serialise=_alert,
        changed=sharing.alerts_changed_since,
    )


@alert_router.get("/{alert_id}", response={200: AlertOut, **ERRORS}, summary="One alert")
def get_alert(
    request: HttpRequest, response: HttpResponse, alert_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.ALERT_RECEIVE)
    alert = sharing.alert_get_for(actor=actor, alert_id=alert_id)
    _audit_object(request, obj=alert)
    return _with_etag(response, AlertOut.model_validate(_alert(alert)).model_dump())


@alert_router.post(
    "/{alert_id}/acknowledge",
    response={200: AlertOut, **ERRORS},
    summary="Acknowledge an alert",
)
def acknowledge_alert(
    request: HttpRequest,
    response: HttpResponse,
    body: AcknowledgeIn,
    alert_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    """Needs scope `alerts:ack` and `If-Match` with the alert's ETag: 428 without it, 412 when
    the alert has changed since."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.ALERT_ACKNOWLEDGE)
    alert = sharing.alert_get_for(actor=actor, alert_id=alert_id)
    _audit_object(request, obj=alert)
    policy.require(actor, Perm.ALERT_ACKNOWLEDGE, alert)
    _require_match(request, paging.etag(AlertOut.model_validate(_alert(alert)).model_dump()))
    alert = alert_acknowledge(
        actor=actor, alert=alert, version=alert.version, note=body.note, read_by=body.read_by
    )
    return _with_etag(response, AlertOut.model_validate(_alert(alert)).model_dump())


@referral_router.get("", response={200: ReferralPage, **ERRORS}, summary="List referrals")
def list_referrals(
    request: HttpRequest,
    cursor: str | None = Cursor,
    limit: int = Limit,
    updated_since: dt.datetime | None = Since,
) -> Any:
    """Referrals of the key's force (police) or to the key's provider (scope
    `referrals:read`)."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.REFERRAL_VIEW)
    _audit_object(request, object_type="programme.Referral")
    return paging.page(
        programme.referral_list_for(actor=actor),
        cursor=cursor,
        limit=limit,
        updated_since=updated_since,
        serialise=_referral_summary,
        children=("sessions",),
    )


@referral_router.get(
    "/{referral_id}", response={200: ReferralDetail, **ERRORS}, summary="One referral"
)
def get_referral(
    request: HttpRequest, response: HttpResponse, referral_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """Status and attendance; for a provider key also the order's terms as providers see
    them. Never session content or clinical notes."""
    actor: Any = request.auth  # type: ignore[attr-defined]
    policy.require_perm(actor, Perm.REFERRAL_VIEW)
    page = programme.referral_page_for(actor=actor, referral_id=referral_id)
    _audit_object(request, obj=page.referral)
    return _with_etag(response, ReferralDetail.model_validate(_referral_detail(page)).model_dump())


api.add_router("/orders", order_router)
api.add_router("/alerts", alert_router)
api.add_router("/referrals", referral_router)
