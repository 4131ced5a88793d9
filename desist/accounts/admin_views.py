"""Account administration pages (issue 16): invite, move, review, import, export; and
organisations and partnerships. Thin: selectors read, commands in accounts/actions/ write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from desist import policy
from desist.accounts import selectors
from desist.accounts.actions import imports, organisations, people, reviews
from desist.accounts.admin_forms import (
    AcceptInvitationForm,
    ImportForm,
    InviteForm,
    InviteOrganisationForm,
    MoveForm,
    MoveOrganisationForm,
    OrganisationForm,
    PartnershipForm,
    ReasonOnlyForm,
    ReviewForm,
)
from desist.accounts.http import AuthedRequest
from desist.audit.models import Category
from desist.audit.services import audit_consultation, audit_record
from desist.core import marking, safecsv
from desist.core.concurrency import StaleRecordError
from desist.core.export_purpose import ExportPurpose, purpose_asked
from desist.core.forms import add_service_errors
from desist.core.roles import RoleCode

P = policy.Perm


def _link_base(request: HttpRequest) -> str:
    # The configured address, as alert e-mails use: never a Host header someone else sent.
    return (people.invitation_settings_base() or request.build_absolute_uri("/")).rstrip("/")


def _invite_organisation(request: AuthedRequest, orgs: Any) -> Any:
    """The organisation the person is joining: the actor's only one, or the one chosen in
    the first step (carried in the form), or None while it is still to be chosen."""
    if orgs.count() == 1:
        return orgs.first()
    raw = request.POST.get("organisation") if request.method == "POST" else None
    raw = raw or request.GET.get("organisation", "")
    return orgs.filter(pk=int(raw)).first() if raw.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.ACCOUNTS_MANAGE)
    orgs = selectors.organisations_for_invite(actor=request.user)
    if request.method == "GET":  # the line manager list names staff
        audit_consultation(
            actor=request.user, verb="account.invite_form", object_type="accounts.User"
        )
    joining = _invite_organisation(request, orgs)
    if joining is None:
        # First the organisation: only its own people are offered as line manager.
        chooser = InviteOrganisationForm(
            request.GET if "organisation" in request.GET or request.method == "POST" else None,
            organisations=orgs,
        )
        if chooser.is_bound:
            chooser.is_valid()  # puts the GOV.UK error on the page
        return render(request, "accounts/admin/invite_organisation.html", {"form": chooser})
    # Offered and accepted: the people of the organisation being joined, nobody else's.
    managers = selectors.line_manager_choices(actor=request.user, organisation_ids=[joining.pk])
    form = InviteForm(
        request.POST or None,
        organisations=orgs.filter(pk=joining.pk),
        managers=managers.order_by("last_name", "first_name"),
        grantable=policy.grantable_roles(request.user),
        initial={"organisation": joining},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        joiner = people.Joiner(
            username=d["username"],
            email=d["email"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            organisation=d["organisation"],
            roles=people.ordered_roles(d["roles"]),
            team=d["team"],
            line_manager=d["line_manager"],
        )
        try:
            user = people.user_invite(
                actor=request.user, joiner=joiner, reason=d["reason"], link_base=_link_base(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {user.email}")
            return redirect("accounts:manage_detail", user_id=user.pk)
    return render(
        request,
        "accounts/admin/invite.html",
        {"form": form, "joining": joining, "may_change_organisation": orgs.count() > 1},
    )


@login_required
@require_http_methods(["GET", "POST"])
def move(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    orgs = selectors.organisations_for_invite(actor=request.user)
    raw = request.POST.get("organisation", "") if request.method == "POST" else ""
    raw = raw or request.GET.get("organisation", "")
    chosen = orgs.filter(pk=int(raw)).first() if raw.isdigit() else None
    # Unless another is chosen, the person stays in their organisation.
    moving_to = chosen or orgs.filter(pk=target.organisation_id or 0).first()
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=target, verb="account.view_for_move")
    if request.method == "GET" and (
        "choose" in request.GET or ("organisation" in request.GET and chosen is None)
    ):
        chooser = MoveOrganisationForm(
            request.GET if "organisation" in request.GET else None,
            organisations=orgs,
            initial={"organisation": moving_to},
        )
        if chooser.is_bound:
            chooser.is_valid()  # puts the GOV.UK error on the page
        return render(
            request, "accounts/admin/move_organisation.html", {"form": chooser, "target": target}
        )
    # Offered and accepted: the people of the organisation moved to, nobody else's.
    reach = [moving_to.pk] if moving_to else []
    managers = selectors.line_manager_choices(actor=request.user, organisation_ids=reach)
    initial = {
        "organisation": moving_to,
        "team": target.team,
        "roles": sorted(target.role_codes),
        "line_manager": target.line_manager,
        "version": target.version,
    }
    form = MoveForm(
        request.POST or None,
        organisations=orgs.filter(pk__in=reach),
        managers=managers.order_by("last_name", "first_name"),
        grantable=policy.grantable_roles(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        change = people.Move(
            organisation=d["organisation"],
            team=d["team"],
            roles=people.ordered_roles(d["roles"]),
            line_manager=d["line_manager"],
        )
        try:
            moved = people.user_move(
                actor=request.user,
                user=target,
                move=change,
                version=d["version"],
                reason=d["reason"],
            )
        except (ValidationError, StaleRecordError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The account of {target.username} has been changed")
            if moved.unlinked_reports:
                count = len(moved.unlinked_reports)
                names = ", ".join(u.display_name() for u in moved.unlinked_reports)
                people_word = "person no longer has" if count == 1 else "people no longer have"
                messages.warning(request, f"{count} {people_word} a line manager: {names}")
            return redirect("accounts:manage_detail", user_id=target.pk)
    context = {
        "form": form,
        "target": target,
        "moving_to": moving_to,
        "may_change_organisation": orgs.count() > 1,
    }
    return render(request, "accounts/admin/move.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resend(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    form = ReasonOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.invitation_resend(
                actor=request.user,
                user=target,
                reason=form.cleaned_data["reason"],
                link_base=_link_base(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"A new invitation has been sent to {target.email}")
            return redirect("accounts:manage_detail", user_id=target.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=target, verb="account.view_for_resend")
    return render(request, "accounts/admin/resend.html", {"form": form, "target": target})


@login_required
def reviews_due(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.ACCOUNTS_REVIEW)
    due = list(selectors.user_reviews_due_for(actor=request.user))
    audit_consultation(actor=request.user, verb="account.reviews_due", object_type="accounts.User")
    return render(
        request, "accounts/admin/reviews.html", {"due": due, "days": selectors.REVIEW_DAYS}
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthedRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    policy.require(request.user, P.ACCOUNTS_REVIEW, target)
    held = people.ordered_roles(target.role_codes)
    initial = {"keep": list(held), "version": target.version}
    form = ReviewForm(request.POST or None, held=list(held), initial=initial)
    if request.method == "POST" and form.is_valid():
        keep = [RoleCode(c) for c in form.cleaned_data["keep"]]
        try:
            done = reviews.access_review_record(
                actor=request.user,
                user=target,
                keep=keep,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except StaleRecordError as exc:
            # Show the roles as they are now, with the version to confirm them against.
            target = selectors.user_get_for(actor=request.user, user_id=user_id)
            held = people.ordered_roles(target.role_codes)
            form = ReviewForm(
                {"keep": [r.value for r in held], "version": target.version},
                held=list(held),
            )
            form.is_valid()
            form.add_error("keep", str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{done.get_outcome_display()} for {target.username}")
            return redirect("accounts:reviews")
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=target, verb="account.view_for_review")
    return render(request, "accounts/admin/review.html", {"form": form, "target": target})


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.ACCOUNTS_MANAGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload is None:
            form.add_error("file", "Select a CSV file")
        else:
            text = _decode(upload.read())
            if text is None:
                form.add_error("file", "The selected file must be a CSV file saved as UTF-8")
            else:
                result = imports.users_import(
                    actor=request.user,
                    text=text,
                    reason=form.cleaned_data["reason"],
                    link_base=_link_base(request),
                )
                problems = result.errors
                if not problems:
                    messages.success(request, result.sent_message)
                    return redirect("accounts:manage_list")
    return render(request, "accounts/admin/import.html", {"form": form, "problems": problems})


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


class _Echo:
    def write(self, value: str) -> str:
        return value


def _may_export(request: AuthedRequest) -> None:
    policy.require_perm(request.user, P.ACCOUNTS_MANAGE)


@login_required
@purpose_asked("the accounts you manage as CSV", guard=_may_export, back="accounts:manage_list")
def export_csv(request: AuthedRequest, purpose: ExportPurpose) -> StreamingHttpResponse:
    _may_export(request)
    audit_record(
        actor=request.user,
        category=Category.DISCLOSURE,
        verb="account.export",
        object_type="accounts.User",
        justification="Accounts export for an access review",
        recipients=[request.user.get_username()],
        new=safecsv.export_facts(
            file_format="csv",
            rows=selectors.user_list_for(actor=request.user).count(),
            purpose=purpose,
        ),
    )
    writer = safecsv.writer(_Echo())

    def rows() -> Any:
        yield writer.writerow(selectors.EXPORT_HEADER)
        for row in selectors.accounts_export_rows(actor=request.user):
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = marking.attachment("desist-accounts", "csv")
    return response


# --- the invited person ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the e-mailed link. A dead one (used, expired, withdrawn, unknown) answers 410
    Gone with what to do next; it says only that the link is no longer valid, never why."""
    invitation = people.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/admin/invite_invalid.html", status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your password has been set")
            return redirect("core:home")  # the two-factor middleware asks for enrolment first
    return render(
        request, "accounts/admin/invite_accept.html", {"form": form, "invited": invitation.user}
    )


# --- organisations and partnerships -----------------------------------------------------------


@login_required
def organisations_list(request: AuthedRequest) -> HttpResponse:
    orgs = selectors.organisation_list_for(actor=request.user)
    partnerships = selectors.partnership_list_for(actor=request.user)
    return render(
        request,
        "accounts/admin/organisations.html",
        {"organisations": orgs, "partnerships": partnerships},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.ORGANISATIONS_MANAGE)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = organisations.organisation_create(
                actor=request.user, name=d["name"], kind=d["kind"], reason=d["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{org.name} has been created")
            return redirect("accounts:organisations")
    return render(request, "accounts/admin/organisation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: AuthedRequest, organisation_id: int) -> HttpResponse:
    org = selectors.organisation_get_for(actor=request.user, organisation_id=organisation_id)
    initial = {"name": org.name, "kind": org.kind, "version": org.version}
    form = OrganisationForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True
    retire = ReasonOnlyForm(initial={"version": org.version}, prefix="retire")
    if request.method == "POST" and "retire-reason" in request.POST:
        retire = ReasonOnlyForm(request.POST, prefix="retire")
        form = OrganisationForm(initial=initial)
        form.fields["kind"].disabled = True
        if retire.is_valid():
            done = _org_command(
                retire, organisations.organisation_retire, actor=request.user, organisation=org
            )
            if done:
                messages.success(request, f"{org.name} has been retired")
                return redirect("accounts:organisations")
    elif request.method == "POST" and form.is_valid():
        kwargs = {"name": form.cleaned_data["name"]}
        if _org_command(
            form, organisations.organisation_edit, actor=request.user, organisation=org, **kwargs
        ):
            messages.success(request, "The organisation has been changed")
            return redirect("accounts:organisations")
    return render(
        request,
        "accounts/admin/organisation_form.html",
        {"form": form, "retire": retire, "organisation": org},
    )


def _org_command(form: Any, command: Any, **kwargs: Any) -> bool:
    try:
        command(
            version=form.cleaned_data.get("version") or 0,
            reason=form.cleaned_data["reason"],
            **kwargs,
        )
    except (ValidationError, StaleRecordError) as exc:
        add_service_errors(form, exc)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def partnership_new(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, P.ORGANISATIONS_MANAGE)
    form = PartnershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            organisations.partnership_create(
                actor=request.user,
                name=d["name"],
                organisations=d["organisations"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The partnership has been created")
            return redirect("accounts:organisations")
    return render(request, "accounts/admin/partnership_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def partnership_edit(request: AuthedRequest, partnership_id: int) -> HttpResponse:
    found = selectors.partnership_get_for(actor=request.user, partnership_id=partnership_id)
    initial = {
        "name": found.name,
        "organisations": list(found.organisations.all()),
        "version": found.version,
    }
    form = PartnershipForm(request.POST or None, initial=initial)
    retire = ReasonOnlyForm(initial={"version": found.version}, prefix="retire")
    if request.method == "POST" and "retire-reason" in request.POST:
        retire = ReasonOnlyForm(request.POST, prefix="retire")
        form = PartnershipForm(initial=initial)
        if retire.is_valid() and _org_command(
            retire, organisations.partnership_retire, actor=request.user, partnership=found
        ):
            messages.success(request, f"{found.name} has been retired")
            return redirect("accounts:organisations")
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _org_command(
            form,
            organisations.partnership_edit,
            actor=request.user,
            partnership=found,
            name=d["name"],
            organisations=d["organisations"],
        ):
            messages.success(request, "The partnership has been changed")
            return redirect("accounts:organisations")
    return render(
        request,
        "accounts/admin/partnership_form.html",
        {"form": form, "retire": retire, "partnership": found},
    )
