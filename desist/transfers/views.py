"""Pages for transfers between forces (issue 19). Thin: selectors read, services write, the
policy decides (desist/policy.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.people import selectors as people_selectors
from desist.policy import Perm
from desist.transfers import selectors, services
from desist.transfers.forms import AcceptForm, DeclineForm, ProposeForm, WithdrawForm
from desist.transfers.models import ForceTransfer, TransferStatus


@login_required
@require_GET
def transfer_list(request: AuthedRequest) -> HttpResponse:
    """Transfers in and out of the supervisor's force, waiting ones first."""
    policy.require_perm(request.user, Perm.TRANSFER_VIEW)
    rows = list(selectors.transfers_for(actor=request.user).order_by("-proposed_at", "-id")[:200])
    audit_consultation(
        actor=request.user, object_type="transfers.ForceTransfer", verb="transfer.list", new={}
    )
    org = request.user.organisation_id
    return render(
        request,
        "transfers/transfer_list.html",
        {
            "incoming": [t for t in rows if t.to_force_id == org and t.status == "pending"],
            "outgoing": [t for t in rows if t.from_force_id == org and t.status == "pending"],
            "decided": [t for t in rows if t.status != "pending"],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_propose(request: AuthedRequest, subject_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.TRANSFER_PROPOSE)
    subject = people_selectors.subject_get_for(actor=request.user, subject_id=subject_id)
    policy.require(request.user, Perm.TRANSFER_PROPOSE, subject)
    forces = [(f.pk, f.name) for f in services.receiving_forces(actor=request.user)]
    form = ProposeForm(request.POST or None, forces=forces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_propose(
                actor=request.user,
                subject=subject,
                to_force_id=data["to_force"],
                reason=data["reason"],
                new_area=data["new_area"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Transfer requested. {transfer.to_force.name} has been asked to accept it"
            )
            return redirect("transfers:detail", transfer_id=transfer.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subject, verb="subject.view_for_transfer")
    return render(
        request,
        "transfers/propose_form.html",
        {
            "form": form,
            "subject": subject,
            "file": services.SubjectFile.of(subject, subject.force_id),
        },
    )


def _page(request: AuthedRequest, transfer: ForceTransfer, **extra: object) -> HttpResponse:
    decide = policy.can(request.user, Perm.TRANSFER_DECIDE, transfer)
    withdraw = policy.can(request.user, Perm.TRANSFER_WITHDRAW, transfer)
    return render(
        request,
        "transfers/transfer_detail.html",
        {
            "transfer": transfer,
            "summary": selectors.file_summary(transfer),
            "can_decide": decide and transfer.status == TransferStatus.PENDING,
            "can_withdraw": withdraw and transfer.status == TransferStatus.PENDING,
            **extra,
        },
    )


@login_required
@require_GET
def transfer_detail(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    """The request: who, from where, why, and the references it moves. Before acceptance the
    receiving force sees only this, never the case itself."""
    policy.require_perm(request.user, Perm.TRANSFER_VIEW)
    transfer = selectors.transfer_get_for(actor=request.user, transfer_id=transfer_id)
    audit_consultation(actor=request.user, obj=transfer, verb="transfer.view")
    return _page(request, transfer)


def _decidable(request: AuthedRequest, transfer_id: int) -> ForceTransfer:
    policy.require_perm(request.user, Perm.TRANSFER_DECIDE)
    transfer = selectors.transfer_get_for(actor=request.user, transfer_id=transfer_id)
    policy.require(request.user, Perm.TRANSFER_DECIDE, transfer)
    return transfer


@login_required
@require_http_methods(["GET", "POST"])
def transfer_accept(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    transfer = _decidable(request, transfer_id)
    form = AcceptForm(request.POST or None, initial={"version": transfer.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_accept(
                actor=request.user, transfer=transfer, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Transfer accepted. {transfer.subject.full_name} is now your force's"
            )
            return redirect("people:detail", subject_id=transfer.subject_id)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=transfer, verb="transfer.view_for_accept")
    transfer.refresh_from_db()
    return render(
        request,
        "transfers/accept_form.html",
        {"form": form, "transfer": transfer, "summary": selectors.file_summary(transfer)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_decline(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    transfer = _decidable(request, transfer_id)
    form = DeclineForm(request.POST or None, initial={"version": transfer.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_decline(
                actor=request.user,
                transfer=transfer,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Transfer declined. {transfer.from_force.name} will see why")
            return redirect("transfers:list")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=transfer, verb="transfer.view_for_decline")
    transfer.refresh_from_db()
    return render(request, "transfers/decline_form.html", {"form": form, "transfer": transfer})


@login_required
@require_http_methods(["GET", "POST"])
def transfer_withdraw(request: AuthedRequest, transfer_id: int) -> HttpResponse:
    """The sending force's supervisor takes back a request still waiting."""
    policy.require_perm(request.user, Perm.TRANSFER_WITHDRAW)
    transfer = selectors.transfer_get_for(actor=request.user, transfer_id=transfer_id)
    policy.require(request.user, Perm.TRANSFER_WITHDRAW, transfer)
    form = WithdrawForm(request.POST or None, initial={"version": transfer.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_withdraw(
                actor=request.user,
                transfer=transfer,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Transfer request withdrawn. {transfer.to_force.name} will see why"
            )
            return redirect("people:detail", subject_id=transfer.subject_id)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=transfer, verb="transfer.view_for_withdraw")
    transfer.refresh_from_db()
    return render(request, "transfers/withdraw_form.html", {"form": form, "transfer": transfer})
