"""The data owner's review queue (docs/workflows/retention.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.policy import Perm
from desist.retention import registry, selectors, services
from desist.retention.forms import HoldForm, KeepForm, LiftForm
from desist.retention.models import LegalHold, RetentionReview, ReviewStatus

PAGE_SIZE = 50


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.DUE)
    if status not in ReviewStatus.values:
        status = ReviewStatus.DUE
    reviews = selectors.review_list_for(actor=request.user, status=status)
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    held = selectors.held_ids(reviews=rows)
    audit_consultation(
        actor=request.user,
        verb="retention.queue_view",
        object_type="retention.RetentionReview",
        new={"status": status, "page": page.number},
    )
    return render(
        request,
        "retention/queue.html",
        {
            "page": page,
            "rows": [
                (r, registry.get(r.record_class), (r.record_type, r.record_id) in held)
                for r in rows
            ],
            "status": status,
            "statuses": ReviewStatus.choices,
        },
    )


@login_required
def schedule(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.RETENTION_REVIEW)
    return render(request, "retention/schedule.html", {"classes": registry.schedule()})


@dataclass
class Reviewed:
    review: RetentionReview
    cls: registry.RecordClass
    holds: list[LegalHold]
    live_hold: LegalHold | None

    def context(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in ("review", "cls", "holds", "live_hold")}


def _reviewed(request: AuthedRequest, review_id: int) -> Reviewed:
    review = selectors.review_get_for(actor=request.user, review_id=review_id)
    holds = list(selectors.holds_for(actor=request.user, review=review))
    live = next((h for h in holds if h.lifted_at is None), None)
    return Reviewed(review, registry.get(review.record_class), holds, live)


@login_required
def review(request: AuthedRequest, review_id: int) -> HttpResponse:
    r = _reviewed(request, review_id)
    form = KeepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_keep(
                actor=request.user,
                review=r.review,
                reason=form.cleaned_data["reason"],
                next_review_on=form.cleaned_data["next_review_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{r.review.reference} kept")
            return redirect("retention:queue")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=r.review, verb="retention.review_view")
    return render(request, "retention/review.html", {**r.context(), "form": form})


@login_required
def dispose(request: AuthedRequest, review_id: int) -> HttpResponse:
    r = _reviewed(request, review_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.retention_dispose(actor=request.user, review=r.review)
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, f"{r.review.reference} disposed of")
            return redirect("retention:queue")
    else:
        audit_consultation(actor=request.user, obj=r.review, verb="retention.review_view")
    return render(request, "retention/dispose.html", {**r.context(), "errors": errors})


@login_required
def hold(request: AuthedRequest, review_id: int) -> HttpResponse:
    r = _reviewed(request, review_id)
    lifting = r.live_hold is not None
    form = (LiftForm if lifting else HoldForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        command = services.retention_hold_lift if lifting else services.retention_hold_place
        try:
            command(actor=request.user, review=r.review, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = "Legal hold lifted" if lifting else "Legal hold placed"
            messages.success(request, done)
            return redirect("retention:review", review_id=review_id)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=r.review, verb="retention.review_view")
    return render(request, "retention/hold.html", {**r.context(), "form": form, "lifting": lifting})
