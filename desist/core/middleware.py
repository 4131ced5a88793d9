from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

from desist.core import context
from desist.core.text import strip_invisible

Handler = Callable[[HttpRequest], HttpResponse]


class RequestContextMiddleware:
    """Give every request an id and remember the client address for audit rows."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.set_current(
            context.RequestContext(
                request_id=request_id, client_address=context.client_address_of(request)
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself. Pages holding case data must not be cached."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("X-Content-Type-Options", "nosniff")
        if not request.path.startswith("/assets/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class CleanTextInputMiddleware:
    """Every submitted form value loses invisible format and control characters once, here,
    so no form or service can store them (desist.core.text.strip_invisible)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            cleaned = QueryDict(mutable=True, encoding=request.encoding)
            for key, values in request.POST.lists():
                cleaned.setlist(strip_invisible(key), [strip_invisible(v) for v in values])
            cleaned._mutable = False
            request.POST = cleaned  # type: ignore[assignment]
        return self.get_response(request)
