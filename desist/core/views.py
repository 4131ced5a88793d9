from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from desist.core import health
from desist.core.models import Organisation, OrganisationKind


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up. Says nothing else."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers and every registered check passes (the alerts pass ran within
    3 minutes: core.health). 503 otherwise, with no detail of why."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    if health.problems():
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Public: who controls the data held in Desist, why, on what basis, who it goes to, how
    long it is kept, the person's rights and how to complain. Names the partnership's
    organisations as they are recorded, so the notice stays true to each deployment."""
    live = list(Organisation.objects.filter(retired_at__isnull=True).order_by("name"))

    def of(kind: str) -> list[Organisation]:
        return [o for o in live if o.kind == kind]

    return render(
        request,
        "pages/privacy.html",
        {
            "advocacy": of(OrganisationKind.ADVOCACY),
            "forces": of(OrganisationKind.POLICE_FORCE),
            "providers": of(OrganisationKind.PROVIDER),
            "evaluators": of(OrganisationKind.OVERSIGHT),
        },
    )


@require_GET
def _service_address(request: HttpRequest) -> str:
    """The address the statement applies to: the configured one if DESIST_BASE_URL was given,
    else the one this page was reached at (the demo's default guess, 127.0.0.1:8000, is not
    where a tester on another host or port reaches it)."""
    if getattr(settings, "DESIST_BASE_URL_SET", False) and settings.DESIST_BASE_URL:
        return str(settings.DESIST_BASE_URL)
    return request.build_absolute_uri("/")


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """Public: the accessibility statement in the GOV.UK model form."""
    return render(
        request,
        "pages/accessibility.html",
        {
            "contact_email": settings.DESIST_ACCESSIBILITY_EMAIL,
            "base_url": _service_address(request),
        },
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's check failed (an expired or missing token). The GOV.UK layout
    and a plain explanation instead of Django's bare page; the reason is for the log only."""
    return render(request, "403_csrf.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: the 500 page must not depend on anything that may be broken.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
