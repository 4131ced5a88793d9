"""Victim and advocacy views: thin; they call selectors (reads, access) and services (writes).

The police-side "add a victim" form is mounted under the case it belongs to
(cases/urls.py: cases:victim_add). Everything else lives under /safeguarding/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_consultation, audit_record
from desist.cases import selectors as case_selectors
from desist.core.concurrency import StaleRecordError
from desist.people.forms import add_service_errors
from desist.policy import Perm
from desist.safeguarding import selectors, services
from desist.safeguarding.forms import (
    AllocateForm,
    CloseForm,
    ContactForm,
    RatingForm,
    ReferToAdvocacyForm,
    ReopenForm,
    SafetyPlanForm,
    SelfReferralForm,
    VictimContactForm,
    VictimForm,
    VictimLinkForm,
    VictimPreferencesForm,
)
from desist.safeguarding.models import ContactKind
from desist.safeguarding.trend import build_rating_charts


@login_required
@require_http_methods(["GET", "POST"])
def victim_add(request: HttpRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.VICTIM_EDIT)
    case = case_selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASE_EDIT, case)
    form = VictimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.victim_create(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Victim {victim.reference} has been added to the case")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "safeguarding/victim_form.html", {"form": form, "case": case})


@login_required
@require_http_methods(["GET", "POST"])
def victim_link(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a victim from the subject's other cases to this case."""
    policy.require_perm(request.user, Perm.VICTIM_EDIT)
    case = case_selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASE_EDIT, case)
    candidates = list(selectors.victims_linkable_to_case(actor=request.user, case=case))
    form = VictimLinkForm(request.POST if request.method == "POST" else None, victims=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.victim_link_to_case(
                actor=request.user, case=case, victim_id=int(form.cleaned_data["victim"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Victim {victim.reference} has been added to the case")
            return redirect("cases:detail", case_id=case.pk)
    if candidates:
        # s.62 consultation: which victims' names this page showed (ids only).
        audit_record(
            actor=request.user,
            category=Category.CONSULTATION,
            verb="case.victim_link_view",
            obj=case,
            new={"victims_shown": [v.pk for v in candidates]},
        )
    return render(
        request,
        "safeguarding/victim_link.html",
        {"case": case, "candidates": candidates, "form": form},
    )


# --- victim record ------------------------------------------------------------------------------


@login_required
def victim_detail(request: HttpRequest, victim_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.VICTIM_IDENTITY_VIEW)
    page = selectors.victim_page_for(actor=request.user, victim_id=victim_id)
    audit_consultation(actor=request.user, obj=page.victim, verb="victim.view")
    return render(
        request,
        "safeguarding/victim_detail.html",
        {
            "page": page,
            "victim": page.victim,
            "can_edit": policy.can(request.user, Perm.VICTIM_EDIT, page.victim),
        },
    )


def _versioned_edit(
    request: HttpRequest,
    victim_id: int,
    form_class: type[Any],
    initial_fields: tuple[str, ...],
    call: Any,
    template: str,
    success: str,
) -> HttpResponse:
    policy.require_perm(request.user, Perm.VICTIM_EDIT)
    victim = selectors.victim_get_for(actor=request.user, victim_id=victim_id)
    policy.require(request.user, Perm.VICTIM_EDIT, victim)
    initial: dict[str, Any] = {f: getattr(victim, f) for f in initial_fields}
    initial["version"] = victim.version
    if "wants_engagement_news" in initial:
        initial["wants_engagement_news"] = "yes" if victim.wants_engagement_news else "no"
    form = form_class(request.POST or None, initial=initial)
    if request.method == "GET":
        # The form shows the victim's details: a consultation (s.62).
        audit_consultation(actor=request.user, obj=victim, verb="victim.view_for_edit")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            call(actor=request.user, victim=victim, version=version, **data)
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("safeguarding:victim", victim_id=victim.pk)
    return render(request, template, {"form": form, "victim": victim})


@login_required
@require_http_methods(["GET", "POST"])
def victim_edit(request: HttpRequest, victim_id: int) -> HttpResponse:
    return _versioned_edit(
        request,
        victim_id,
        VictimContactForm,
        services.CONTACT_FIELDS,
        services.victim_update_contact,
        "safeguarding/victim_edit.html",
        "The victim's contact details have been updated",
    )


@login_required
@require_http_methods(["GET", "POST"])
def victim_preferences(request: HttpRequest, victim_id: int) -> HttpResponse:
    def call(**kw: Any) -> Any:
        kw["wants_engagement_news"] = kw["wants_engagement_news"] == "yes"
        return services.victim_update_preferences(**kw)

    return _versioned_edit(
        request,
        victim_id,
        VictimPreferencesForm,
        services.PREFERENCE_FIELDS,
        call,
        "safeguarding/victim_preferences.html",
        "The victim's contact preferences and wishes have been updated",
    )


@login_required
@require_http_methods(["GET", "POST"])
def victim_refer(request: HttpRequest, victim_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.VICTIM_EDIT)
    victim = selectors.victim_get_for(actor=request.user, victim_id=victim_id)
    policy.require(request.user, Perm.VICTIM_EDIT, victim)
    user: Any = request.user
    if user.organisation.kind != "police_force":
        raise PermissionDenied(Perm.VICTIM_EDIT.value)
    available = selectors.referral_services_for(actor=user)
    form = ReferToAdvocacyForm(request.POST or None, services=available)
    if request.method == "POST" and form.is_valid():
        service = next(s for s in available if str(s.pk) == form.cleaned_data["service"])
        try:
            services.advocacy_refer(
                actor=user, victim=victim, service=service, notes=form.cleaned_data["notes"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Victim {victim.reference} has been referred to {service}")
            return redirect("safeguarding:victim", victim_id=victim.pk)
    return render(
        request,
        "safeguarding/victim_refer.html",
        {"form": form, "victim": victim, "available": available},
    )


# --- advocacy casework ----------------------------------------------------------------------


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    default = "unallocated" if policy.has_perm(request.user, Perm.ADVOCACY_ALLOCATE) else "mine"
    view = request.GET.get("view") or default
    if view not in selectors.CASELOAD_VIEWS:
        view = default
    now = timezone.now()
    rows = list(selectors.caseload_for(actor=request.user, view=view, now=now)[:200])
    return render(
        request,
        "safeguarding/caseload.html",
        {
            "rows": rows,
            "view": view,
            "views": selectors.CASELOAD_VIEWS,
            "now": now,
            "today": timezone.localdate(now),
        },
    )


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    page = selectors.advocacy_case_page_for(actor=request.user, case_id=case_id)
    audit_consultation(actor=request.user, obj=page.case, verb="advocacy.view")
    charts, table = build_rating_charts(page.ratings)
    return render(
        request,
        "safeguarding/case_detail.html",
        {
            "page": page,
            "case": page.case,
            "victim": page.case.victim,
            "charts": charts,
            "rating_rows": table,
            "overdue": page.case.first_contact_overdue(),
            "can_edit": policy.can(request.user, Perm.ADVOCACY_EDIT, page.case),
            "can_allocate": policy.can(request.user, Perm.ADVOCACY_ALLOCATE, page.case),
            "today": timezone.localdate(),
        },
    )


def _case_form(
    request: HttpRequest,
    case_id: int,
    perm: Perm,
    build: Any,
    call: Any,
    *,
    title: str,
    submit: str,
    success: str,
    template: str = "safeguarding/case_action.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    policy.require_perm(request.user, perm)
    case = selectors.advocacy_case_get_for(actor=request.user, case_id=case_id, perm=perm)
    form = build(case, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            call(case, dict(form.cleaned_data))
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("safeguarding:case", case_id=case.pk)
    context = {"form": form, "case": case, "title": title, "submit": submit, **(extra or {})}
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def case_allocate(request: HttpRequest, case_id: int) -> HttpResponse:
    advocates = selectors.advocates_of_service(actor=request.user)

    def build(case: Any, data: Any) -> AllocateForm:
        initial = {"version": case.version, "advocate": str(case.advocate_id or "")}
        return AllocateForm(data, initial=initial, advocates=advocates)

    def call(case: Any, data: dict[str, Any]) -> None:
        chosen = next(u for u in advocates if str(u.pk) == data["advocate"])
        services.advocacy_allocate(
            actor=request.user, case=case, version=data["version"], advocate=chosen
        )

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_ALLOCATE,
        build,
        call,
        title="Allocate to an advocate",
        submit="Allocate",
        success="The case has been allocated",
    )


def _at(day: dt.date, time: dt.time | None) -> dt.datetime:
    moment = dt.datetime.combine(day, time or dt.time(12, 0))
    return timezone.make_aware(moment)


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, case_id: int) -> HttpResponse:
    perpetrators: list[Any] = []

    def build(case: Any, data: Any) -> ContactForm:
        perpetrators[:] = selectors.perpetrators_of_victim(victim=case.victim)
        initial = {"occurred_on": timezone.localdate(), "kind": ContactKind.CONTACT}
        return ContactForm(data, initial=initial, perpetrators=perpetrators)

    def call(case: Any, data: dict[str, Any]) -> None:
        perpetrator = next((p for p in perpetrators if str(p.pk) == data["perpetrator"]), None)
        occurred = _at(data["occurred_on"], data["occurred_time"])
        if data["occurred_time"] is None and data["occurred_on"] == timezone.localdate():
            occurred = min(occurred, timezone.now())
        services.contact_log_add(
            actor=request.user,
            case=case,
            kind=data["kind"],
            occurred_at=occurred,
            channel=data["channel"],
            summary=data["summary"],
            actions=data["actions"],
            perpetrator=perpetrator,
        )

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_EDIT,
        build,
        call,
        title="Add to the contact log",
        submit="Save contact",
        success="The contact has been added to the log",
        template="safeguarding/contact_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def safety_plan(request: HttpRequest, case_id: int) -> HttpResponse:
    def build(case: Any, data: Any) -> SafetyPlanForm:
        latest = selectors.latest_safety_plan(case=case)
        initial: dict[str, Any] = {"based_on": latest.number if latest else 0}
        if latest:
            initial.update(risks=latest.risks, measures=latest.measures)
        initial["review_on"] = timezone.localdate() + dt.timedelta(days=28)
        return SafetyPlanForm(data, initial=initial)

    def call(case: Any, data: dict[str, Any]) -> None:
        services.safety_plan_save(actor=request.user, case=case, **data)

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_EDIT,
        build,
        call,
        title="Update the safety plan",
        submit="Save as a new version",
        success="The safety plan has been saved as a new version",
        template="safeguarding/safety_plan_form.html",
    )


@login_required
def safety_plan_history(request: HttpRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    case, versions = selectors.safety_plan_history_for(actor=request.user, case_id=case_id)
    audit_consultation(actor=request.user, obj=case, verb="advocacy.safety_plan_history")
    return render(
        request, "safeguarding/safety_plan_history.html", {"case": case, "versions": versions}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_add(request: HttpRequest, case_id: int) -> HttpResponse:
    def build(case: Any, data: Any) -> RatingForm:
        return RatingForm(data, initial={"rated_on": timezone.localdate()})

    def call(case: Any, data: dict[str, Any]) -> None:
        services.rating_record(actor=request.user, case=case, **data)

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_EDIT,
        build,
        call,
        title="Record the victim's ratings",
        submit="Save ratings",
        success="The victim's ratings have been recorded",
        template="safeguarding/rating_form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    def build(case: Any, data: Any) -> CloseForm:
        return CloseForm(data, initial={"version": case.version})

    def call(case: Any, data: dict[str, Any]) -> None:
        services.advocacy_close(actor=request.user, case=case, **data)

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_EDIT,
        build,
        call,
        title="Close the case",
        submit="Close case",
        success="The case has been closed",
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    def build(case: Any, data: Any) -> ReopenForm:
        return ReopenForm(data, initial={"version": case.version})

    def call(case: Any, data: dict[str, Any]) -> None:
        services.advocacy_reopen(actor=request.user, case=case, **data)

    return _case_form(
        request,
        case_id,
        Perm.ADVOCACY_EDIT,
        build,
        call,
        title="Reopen the case",
        submit="Reopen case",
        success="The case has been reopened",
    )


# --- the public self-referral form (no login) -------------------------------------------------

_SIGNER_SALT = "desist.safeguarding.self_referral"
UNAVAILABLE = (
    "This form is not available at the moment. If you are in danger, call 999. You can also "
    "call the National Stalking Helpline"
)


def _limits() -> tuple[int, int, int]:
    """(submissions allowed per window, window in seconds, minimum seconds to fill the form)."""
    allowed, window = getattr(settings, "DESIST_SELF_REFERRAL_RATE", (5, 3600))
    return int(allowed), int(window), int(getattr(settings, "DESIST_SELF_REFERRAL_MIN_SECONDS", 3))


def _rate_limited(request: HttpRequest) -> bool:
    """Count this submission against the client address; True once over the limit."""
    allowed, window, _ = _limits()
    key = f"desist:self-referral:{request.META.get('REMOTE_ADDR') or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > allowed


def _looks_like_spam(form: SelfReferralForm) -> bool:
    if (form.data.get("website") or "").strip():
        return True
    _, _, min_seconds = _limits()
    try:
        started = signing.loads(
            form.data.get("started") or "", salt=_SIGNER_SALT, max_age=24 * 3600
        )
        elapsed = timezone.now().timestamp() - float(started)
    except (signing.BadSignature, TypeError, ValueError):
        return True
    return elapsed < min_seconds


@require_http_methods(["GET", "POST"])
def self_refer(request: HttpRequest) -> HttpResponse:
    """Public: a victim asks the advocacy service for support. Whatever is typed, a valid
    submission gets the same confirmation: nothing about any existing record is revealed, and
    nothing is matched against existing victims. Bots (honeypot filled, form filled too fast,
    or a tampered timestamp) get the same confirmation and nothing is saved."""
    service = services.self_referral_service()
    if request.GET.get("sent") == "1":
        return render(request, "safeguarding/self_refer_sent.html", {"service": service})
    if request.method == "POST":
        if _rate_limited(request):
            return render(request, "safeguarding/self_refer_limited.html", status=429)
        form = SelfReferralForm(request.POST)
        if form.is_valid() and service is None:
            form.add_error(None, UNAVAILABLE)
        elif form.is_valid() and service is not None:
            if not _looks_like_spam(form):
                data = form.cleaned_data
                try:
                    services.self_referral_create(
                        service=service,
                        first_names=data["first_names"],
                        last_name=data["last_name"],
                        phone=data["phone"],
                        email=data["email"],
                        safe_channels=data["safe_channels"],
                        safe_times=data["safe_times"],
                        notes=data["notes"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
            if not form.errors:
                return redirect(reverse("safeguarding:self_refer") + "?sent=1")
    else:
        form = SelfReferralForm()
    # Keep the original start time across a re-display with errors (the minimum fill time
    # counts from the first display).
    started = request.POST.get("started") or ""
    try:
        signing.loads(started, salt=_SIGNER_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        started = signing.dumps(str(timezone.now().timestamp()), salt=_SIGNER_SALT)
    return render(
        request,
        "safeguarding/self_refer.html",
        {"form": form, "service": service, "started": started},
    )
