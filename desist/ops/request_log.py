"""django-structlog's request lines, without personal data (desist/ops/logs.py).

Its middleware logs `request_started` and `request_finished`. Here each carries the request id
Desist already gives the request (desist.core.middleware, also on audit rows and in the
X-Request-ID header), and names the route pattern (`cases/<int:case_id>/`), never the path:
a path or query string can carry a name typed into a search box, or a calendar feed's token.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse
from django_structlog import signals
from django_structlog.middlewares import RequestMiddleware


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern and its name, or "unmatched"; never the path itself."""
    match = request.resolver_match
    if match is None:
        return "unmatched"
    return match.view_name or match.route


class RequestLogMiddleware(RequestMiddleware):
    @staticmethod
    def format_request(request: HttpRequest) -> str:
        match = request.resolver_match
        return f"{request.method} /{match.route}" if match is not None else str(request.method)


def _bind_request(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs: Any) -> None:
    structlog.contextvars.bind_contextvars(request_id=getattr(request, "request_id", ""))
    log_kwargs.pop("user_agent", None)  # with an address, it singles a person out


def _bind_finished(
    request: HttpRequest, response: HttpResponse, log_kwargs: dict[str, Any], **kwargs: Any
) -> None:
    log_kwargs["route"] = route_of(request)


signals.bind_extra_request_metadata.connect(_bind_request, dispatch_uid="desist-request-id")
signals.bind_extra_request_finished_metadata.connect(
    _bind_finished, dispatch_uid="desist-request-route"
)
