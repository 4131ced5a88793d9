"""The data owner's subject access pages (docs/workflows/subject-access.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core import marking
from desist.core.forms import add_service_errors
from desist.policy import Perm
from desist.sar import bundle, selectors, services
from desist.sar.forms import LogForm, ReleaseForm
from desist.sar.models import AccessRequest

PAGE_SIZE = 50


@login_required
def request_list(request: AuthedRequest) -> HttpResponse:
    requests = selectors.access_request_list_for(actor=request.user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        verb="sar.list_view",
        object_type="sar.AccessRequest",
        new={"page": page.number},
    )
    return render(
        request,
        "sar/list.html",
        {"page": page, "rows": list(page)},
    )


@login_required
def request_new(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.SAR_MANAGE)
    kinds = policy.sar_kinds_for(request.user)
    form = LogForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.access_request_log(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{made.reference} logged: due {made.due_on:%-d %B %Y}")
            return redirect("sar:detail", request_id=made.pk)
    return render(request, "sar/new.html", {"form": form})


def _request(request: AuthedRequest, request_id: int) -> AccessRequest:
    return selectors.access_request_get_for(actor=request.user, request_id=request_id)


@login_required
def request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    made = _request(request, request_id)
    audit_consultation(actor=request.user, obj=made, verb="sar.request_view")
    return render(
        request,
        "sar/detail.html",
        {
            "made": made,
            "bundle": services.bundle_of(made),
            "errors": [],
            "release_form": ReleaseForm(initial={"released_on": timezone.localdate()}),
        },
    )


def _refused(
    request: AuthedRequest,
    made: AccessRequest,
    form: ReleaseForm,
    errors: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """The request page again, with the errors: each in the summary, linked to its field."""
    errors = errors or [
        (f"#{form[name].id_for_label}" if name != NON_FIELD_ERRORS else "#actions", str(message))
        for name, messages_ in form.errors.items()
        for message in messages_
    ]
    context = {
        "made": made,
        "bundle": services.bundle_of(made),
        "errors": errors,
        "release_form": form,
    }
    return render(request, "sar/detail.html", context, status=400)


def _command(request: AuthedRequest, request_id: int, *, release: bool) -> HttpResponse:
    made = _request(request, request_id)
    form = ReleaseForm(request.POST if release else None)
    if release and not form.is_valid():
        return _refused(request, made, form)
    try:
        if release:
            services.access_request_release(
                actor=request.user, request=made, released_on=form.cleaned_data["released_on"]
            )
        else:
            services.access_request_run(actor=request.user, request=made)
    except ValidationError as exc:
        if not release:
            return _refused(request, made, ReleaseForm(), [("#actions", m) for m in exc.messages])
        add_service_errors(form, exc)
        return _refused(request, made, form)
    done = "released" if release else f"run: {made.record_count} records"
    messages.success(request, f"{made.reference} {done}")
    return redirect("sar:detail", request_id=made.pk)


@login_required
@require_POST
def request_run(request: AuthedRequest, request_id: int) -> HttpResponse:
    return _command(request, request_id, release=False)


@login_required
@require_POST
def request_release(request: AuthedRequest, request_id: int) -> HttpResponse:
    return _command(request, request_id, release=True)


def _bundled(request: AuthedRequest, request_id: int) -> AccessRequest:
    made = _request(request, request_id)
    if not made.bundle:
        raise Http404("The request has not been run")
    audit_consultation(actor=request.user, obj=made, verb="sar.bundle_download")
    return made


@login_required
def bundle_json(request: AuthedRequest, request_id: int) -> HttpResponse:
    made = _bundled(request, request_id)
    response = HttpResponse(bundle.bundle_json(made), content_type="application/json")
    response["Content-Disposition"] = marking.attachment(bundle.file_stem(made), "json")
    return response


@login_required
def bundle_pdf(request: AuthedRequest, request_id: int) -> HttpResponse:
    made = _bundled(request, request_id)
    response = HttpResponse(bundle.bundle_pdf(made), content_type="application/pdf")
    response["Content-Disposition"] = marking.attachment(bundle.file_stem(made), "pdf")
    return response
