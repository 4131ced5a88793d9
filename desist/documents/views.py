"""Attach, download and mark documents (ADR 0032). Thin: selectors and commands decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core import marking
from desist.core.forms import add_service_errors
from desist.documents import selectors, services
from desist.documents.forms import DocumentUploadForm, ProviderSafeForm
from desist.documents.models import Document
from desist.policy import Perm
from desist.sharing.redaction import RedactionBlocked

ALREADY_SHARED = "The provider could already read this document. Nothing was changed"
ALREADY_WITHDRAWN = (
    "Sharing had already stopped: the provider cannot read this document. Nothing was changed"
)


def record_url(document: Document) -> str:
    record = document.record
    parent = selectors.PARENTS[selectors.PARENT_BY_LABEL[record._meta.label]]
    return reverse(parent.url_name, kwargs={parent.url_kwarg: record.pk})


@login_required
def upload(request: AuthedRequest, kind: str, record_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.DOCUMENT_UPLOAD)
    record = selectors.record_for_upload(actor=request.user, kind=kind, record_id=record_id)
    parent = selectors.PARENTS[kind]
    back = reverse(parent.url_name, kwargs={parent.url_kwarg: record.pk})
    posted = request.method == "POST"
    form = DocumentUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                actor=request.user,
                record=record,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Document attached")
            return redirect(back)
    if request.method == "GET":  # the form is headed with the record: a consultation (s.62)
        audit_consultation(actor=request.user, obj=record, verb="document.view_for_upload")
    return render(
        request,
        "documents/upload.html",
        {"form": form, "record": record, "back": back, "shareable": kind in ("order", "referral")},
    )


@login_required
def download(request: AuthedRequest, document_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.DOCUMENT_VIEW)
    document = selectors.document_get_for(actor=request.user, document_id=document_id)
    data = services.document_download(actor=request.user, document=document)
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = marking.attachment(
        f"desist-document-{document.pk}", document.extension
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _markable_get(request: AuthedRequest, document_id: int) -> Document:
    """The document for the police-only sharing actions, refused as the download is: 403 to
    a role that reads no document, 404 to one that may not see this one (a provider asking
    for a police-only document learns nothing of it), then 403 to one who sees it but may not
    share it."""
    policy.require_perm(request.user, Perm.DOCUMENT_VIEW)
    document = selectors.document_get_for(actor=request.user, document_id=document_id)
    policy.require_perm(request.user, Perm.DOCUMENT_MARK)
    return document


@login_required
def provider_safe(request: AuthedRequest, document_id: int) -> HttpResponse:
    document = _markable_get(request, document_id)
    back = record_url(document)
    if not (document.order_id or document.referral_id):
        # Readable to this officer already, so saying why leaks nothing; the generic 403 did
        # not tell them what they could do instead.
        return render(
            request,
            "documents/not_shareable.html",
            {"document": document, "back": back},
            status=403,
        )
    policy.require(request.user, Perm.DOCUMENT_MARK, document)
    posted = request.method == "POST"
    form = ProviderSafeForm(request.POST if posted else None, initial={"version": document.version})
    if posted and form.is_valid():
        try:
            changed = services.document_mark_provider_safe(
                actor=request.user,
                document=document,
                confirmed=form.cleaned_data["confirmed"],
                version=form.cleaned_data["version"],
            )
        except (ValidationError, RedactionBlocked) as exc:
            if services.STALE_MESSAGE in getattr(exc, "messages", []):
                # Shown again at the version it is now, unticked: checked afresh, it may go.
                form = ProviderSafeForm({"version": document.version})
                form.is_valid()
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, "The provider can now read this document")
            else:
                messages.info(request, ALREADY_SHARED)
            return redirect(back)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=document, verb="document.view_for_marking")
    return render(
        request,
        "documents/provider_safe.html",
        {"form": form, "document": document, "back": back},
    )


@login_required
@require_POST
def provider_safe_withdraw(request: AuthedRequest, document_id: int) -> HttpResponse:
    document = _markable_get(request, document_id)
    if services.document_unmark_provider_safe(actor=request.user, document=document):
        messages.success(request, "The provider can no longer read this document")
    else:
        messages.info(request, ALREADY_WITHDRAWN)
    return redirect(record_url(document))
