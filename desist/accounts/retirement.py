"""A retired organisation's people lose access on their next request (issue 16).

Retiring ends their sessions in the same transaction; this middleware is the check that holds
whatever else happens (a session opened by another sign-in route, a race with the retirement),
and the policy grants a retired organisation's people nothing as a third line.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

RETIRED_MESSAGE = "Your organisation no longer uses Desist, so you have been signed out."


class RetiredOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        org = getattr(user, "organisation", None) if user is not None else None
        if org is not None and org.retired_at is not None:
            logout(request)
            messages.info(request, RETIRED_MESSAGE)
            return redirect("accounts:login")
        return self.get_response(request)
