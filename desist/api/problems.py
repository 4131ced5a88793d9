"""Errors as problem details (RFC 9457, application/problem+json), for every status the API
returns: one shape, one media type, and a `type` a client can switch on."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja import Schema

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://desist.invalid/problems/"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not permitted",
    404: "Not found",
    405: "Method not allowed",
    412: "Precondition failed",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
}


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    # Field errors, GOV.UK wording, by field name (422 only).
    errors: dict[str, list[str]] | None = None


def problem(
    status: int,
    detail: str,
    *,
    kind: str = "",
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or TITLES.get(status, "error").lower().replace(" ", "-")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


class PreconditionRequired(Exception):
    pass


class PreconditionFailed(Exception):
    pass
