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
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.cases import selectors as case_selectors
from desist.core import context
from desist.core.concurrency import StaleRecordError
from desist.core.forms import add_service_errors
from desist.core.stale import show_stale
from desist.documents import selectors as document_selectors
from desist.policy import Perm
from desist.retention import registry
from desist.safeguarding import retention, selectors, services
from desist.safeguarding.forms import (
    AllocateForm,
    CaseOpenForm,
    CloseForm,
    ContactForm,
    RatingForm,
    ReferToAdvocacyForm,
    ReopenForm,
    SafetyPlanForm,
    SelfReferralCheckForm,
    SelfReferralForm,
    VictimContactForm,
    VictimForm,
    VictimLinkForm,
    VictimPreferencesForm,
)
from desist.safeguarding.models import FIRST_CONTACT_HOURS, CheckReason, ContactKind, Marac
from desist.safeguarding.trend import build_rating_charts


@login_required
@require_http_methods(["GET", "POST"])
def victim_add(request: AuthedRequest, case_id: int) -> HttpResponse:
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
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=case, verb="case.view_for_victim")
    return render(request, "safeguarding/victim_form.html", {"form": form, "case": case})


@login_required
@require_http_methods(["GET", "POST"])
def victim_link(request: AuthedRequest, case_id: int) -> HttpResponse:
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
    # s.62 consultation: the case, and which victims' names this page showed (ids only).
    audit_consultation(
        actor=request.user,
        obj=case,
        verb="case.victim_link_view",
        new={"victims_shown": [v.pk for v in candidates]},
    )
    return render(
        request,
        "safeguarding/victim_link.html",
        {"case": case, "candidates": candidates, "form": form},
    )


# --- victim record ------------------------------------------------------------------------------


@login_required
def victim_detail(request: AuthedRequest, victim_id: int) -> HttpResponse:
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
    request: AuthedRequest,
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
        except StaleRecordError:
            show_stale(form, victim, lambda v: {f: getattr(v, f) for f in initial_fields})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("safeguarding:victim", victim_id=victim.pk)
    return render(request, template, {"form": form, "victim": victim})


@login_required
@require_http_methods(["GET", "POST"])
def victim_edit(request: AuthedRequest, victim_id: int) -> HttpResponse:
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
def victim_preferences(request: AuthedRequest, victim_id: int) -> HttpResponse:
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
def victim_refer(request: AuthedRequest, victim_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_REFER)
    victim = selectors.victim_get_for(actor=request.user, victim_id=victim_id)
    policy.require(request.user, Perm.ADVOCACY_REFER, victim)
    user: Any = request.user
    available = selectors.referral_services_for(actor=user)
    form = ReferToAdvocacyForm(request.POST or None, services=available)
    if request.method == "POST" and form.is_valid():
        service = next(s for s in available if str(s.pk) == form.cleaned_data["service"])
        try:
            services.advocacy_refer(
                actor=user,
                victim=victim,
                service=service,
                notes=form.cleaned_data["notes"],
                lawful_basis=form.cleaned_data["lawful_basis"],
                wishes_reason=form.cleaned_data["wishes_reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Victim {victim.reference} has been referred to {service}")
            return redirect("safeguarding:victim", victim_id=victim.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=victim, verb="victim.view_for_referral")
    return render(
        request,
        "safeguarding/victim_refer.html",
        {
            "form": form,
            "victim": victim,
            "available": available,
            "against_wishes": victim.referral_against_wishes(),
        },
    )


# --- advocacy casework ----------------------------------------------------------------------


@login_required
def caseload(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    default = "unallocated" if policy.has_perm(request.user, Perm.ADVOCACY_ALLOCATE) else "mine"
    view = request.GET.get("view") or default
    if view not in selectors.CASELOAD_VIEWS:
        view = default
    now = timezone.now()
    rows = list(selectors.caseload_for(actor=request.user, view=view, now=now)[:200])
    audit_consultation(
        actor=request.user,
        verb="advocacy.caseload_view",
        object_type="safeguarding.AdvocacyCase",
        new={"view": view, "shown": len(rows)},
    )
    return render(
        request,
        "safeguarding/caseload.html",
        {
            "rows": rows,
            "view": view,
            "views": selectors.CASELOAD_VIEWS,
            "now": now,
            "today": timezone.localdate(now),
            "can_allocate": policy.has_perm(request.user, Perm.ADVOCACY_ALLOCATE),
        },
    )


@login_required
def case_detail(request: AuthedRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    page = selectors.advocacy_case_page_for(actor=request.user, case_id=case_id)
    audit_consultation(actor=request.user, obj=page.case, verb="advocacy.view")
    if page.about_perpetrator is not None:
        # s.62: the orders and referrals read for "What we can tell you about the person".
        for record in page.about_perpetrator.records:
            audit_consultation(actor=request.user, obj=record, verb="advocacy.perpetrator_view")
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
            "can_plan": policy.can(request.user, Perm.SAFETY_PLAN_EDIT, page.case),
            "today": timezone.localdate(),
            "documents": document_selectors.panel_for(actor=request.user, record=page.case),
        },
    )


@login_required
def case_for_subject(request: AuthedRequest, subject_id: int) -> HttpResponse:
    """Where an alert about a subject links an advocate: their service's case for the victim
    (sharing never looks victims up; this page does, under the advocate's own scope)."""
    policy.require_perm(request.user, Perm.ADVOCACY_VIEW)
    case = selectors.advocacy_case_for_subject(
        actor=request.user, subject_id=subject_id, engagement_news=request.GET.get("news") == "1"
    )
    return redirect("safeguarding:case", case_id=case.pk)


def _case_form(
    request: AuthedRequest,
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
    done_url: str = "",
) -> HttpResponse:
    policy.require_perm(request.user, perm)
    case = selectors.advocacy_case_get_for(actor=request.user, case_id=case_id, perm=perm)
    form = build(case, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            call(case, dict(form.cleaned_data))
        except StaleRecordError:
            show_stale(form, case)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(done_url or reverse("safeguarding:case", args=[case.pk]))
    if request.method == "GET":
        audit_consultation(
            actor=request.user, obj=case, verb="advocacy.view_for_form", new={"form": title}
        )
    context = {"form": form, "case": case, "title": title, "submit": submit, **(extra or {})}
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def case_allocate(request: AuthedRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.ADVOCACY_ALLOCATE)
    advocates = selectors.advocates_of_service(actor=request.user)
    loads = selectors.advocate_loads_for(actor=request.user)
    # Opened from the team view: back there once allocated, to allocate the next.
    from_team = request.GET.get("from") == "team"

    def build(case: Any, data: Any) -> AllocateForm:
        initial = {"version": case.version, "advocate": str(case.advocate_id or "")}
        labels = {pk: load.label for pk, load in loads.items()}
        return AllocateForm(data, initial=initial, advocates=advocates, labels=labels)

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
        done_url=reverse("safeguarding:team") if from_team else "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: AuthedRequest) -> HttpResponse:
    """Open a case from a phone call or another agency's referral (issue 20)."""
    policy.require_perm(request.user, Perm.ADVOCACY_OPEN)
    service = request.user.organisation
    if service is None:
        raise PermissionDenied(Perm.ADVOCACY_OPEN.value)
    policy.require(request.user, Perm.ADVOCACY_OPEN, service)
    form = CaseOpenForm(
        request.POST if request.method == "POST" else None,
        initial={"referred_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        referred_on = data.pop("referred_on")
        when = _at(referred_on, None) if referred_on else None
        if when is not None and referred_on == timezone.localdate():
            # Opened on the day of the call or referral: the moment of opening, not noon, so
            # a call in the afternoon is not recorded hours early (tester finding).
            when = timezone.now()
        try:
            case = services.advocacy_case_open(
                actor=request.user, service=service, referred_at=when, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Advocacy case {case.reference} has been opened")
            return redirect("safeguarding:case", case_id=case.pk)
    return render(request, "safeguarding/case_open.html", {"form": form})


@login_required
def team(request: AuthedRequest) -> HttpResponse:
    """The advocacy manager's view: caseload and first-contact timeliness per advocate, and
    the referrals waiting for one (issue 20)."""
    policy.require_perm(request.user, Perm.ADVOCACY_ALLOCATE)
    now = timezone.now()
    page = selectors.team_page_for(actor=request.user, now=now)
    audit_consultation(
        actor=request.user,
        verb="advocacy.team_view",
        object_type="safeguarding.AdvocacyCase",
        new={"advocates": len(page.loads) - 1, "unallocated_shown": len(page.unallocated)},
    )
    return render(
        request,
        "safeguarding/team.html",
        {"page": page, "now": now, "first_contact_hours": FIRST_CONTACT_HOURS},
    )


def _at(day: dt.date, time: dt.time | None) -> dt.datetime:
    moment = dt.datetime.combine(day, time or dt.time(12, 0))
    return timezone.make_aware(moment)


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: AuthedRequest, case_id: int) -> HttpResponse:
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
            override_reason=data["override_reason"],
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
def safety_plan(request: AuthedRequest, case_id: int) -> HttpResponse:
    def build(case: Any, data: Any) -> SafetyPlanForm:
        latest = selectors.latest_safety_plan_for(actor=request.user, case=case)
        initial: dict[str, Any] = {"based_on": latest.number if latest else 0}
        today = timezone.localdate()
        initial["review_on"] = today + dt.timedelta(days=28)
        if latest:
            # The new version starts from the current one. Its review date stays while it is
            # still ahead (a change is not a review; a tester saw it pushed on unnoticed).
            initial.update({f: getattr(latest, f) for f in PLAN_FIELDS})
            if latest.review_on and latest.review_on >= today:
                initial["review_on"] = latest.review_on
        return SafetyPlanForm(data, initial=initial)

    def call(case: Any, data: dict[str, Any]) -> None:
        services.safety_plan_save(actor=request.user, case=case, **data)
        if data.get("marac_referred_on") and data.get("marac") != Marac.REFERRED:
            messages.info(request, services.MARAC_DATE_CLEARED)

    return _case_form(
        request,
        case_id,
        Perm.SAFETY_PLAN_EDIT,
        build,
        call,
        title="Update the safety plan",
        submit="Save as a new version",
        success="The safety plan has been saved as a new version",
        template="safeguarding/safety_plan_form.html",
    )


# What a new version copies from the current one.
PLAN_FIELDS = (
    "risk_level",
    "marac",
    "marac_referred_on",
    "evidence_guidance",
    "digital_checks",
    "digital_notes",
    "home_security",
    "safe_contacts",
    "risks",
    "measures",
)


@login_required
def safety_plan_history(request: AuthedRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.SAFETY_PLAN_VIEW)
    case, versions = selectors.safety_plan_history_for(actor=request.user, case_id=case_id)
    audit_consultation(actor=request.user, obj=case, verb="advocacy.safety_plan_history")
    return render(
        request, "safeguarding/safety_plan_history.html", {"case": case, "versions": versions}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_add(request: AuthedRequest, case_id: int) -> HttpResponse:
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
def case_close(request: AuthedRequest, case_id: int) -> HttpResponse:
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
def case_reopen(request: AuthedRequest, case_id: int) -> HttpResponse:
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
_SENT_SALT = "desist.safeguarding.self_referral.sent"
_TOKEN_DAY = 24 * 3600
UNAVAILABLE = (
    "This form is not available at the moment. If you are in danger, call 999. You can also "
    "call the National Stalking Helpline"
)


def _limits() -> tuple[int, int, int]:
    """(submissions from one address per window before new ones are held for a check, window
    in seconds, minimum seconds to fill the form)."""
    allowed, window = getattr(settings, "DESIST_SELF_REFERRAL_RATE", (5, 3600))
    return int(allowed), int(window), int(getattr(settings, "DESIST_SELF_REFERRAL_MIN_SECONDS", 3))


def _limit_key() -> str:
    # The address worked out once per request (core.context, trusted proxies honoured).
    return f"desist:self-referral:{context.current().client_address or 'unknown'}"


def _sent_from_address() -> int:
    return int(cache.get(_limit_key()) or 0)


def _over_hard_limit() -> bool:
    """Victims at a refuge, library or on a mobile network share an address, so the soft limit
    only holds submissions for a check; this much higher one refuses (flooding)."""
    return _sent_from_address() >= int(getattr(settings, "DESIST_SELF_REFERRAL_HARD_LIMIT", 50))


def _count_submission() -> None:
    """Count a stored (or honeypot-discarded) submission; an invalid one is never counted."""
    _, window, _ = _limits()
    key = _limit_key()
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def _check_reason(started: str) -> str:
    """Why the spam checks doubt a submission (a CheckReason), or "" if they do not. A doubted
    submission is held for a check before triage, never dropped (docs/adr/0016)."""
    allowed, _, min_seconds = _limits()
    if _sent_from_address() >= allowed:
        return CheckReason.MANY_FROM_ADDRESS
    try:
        # No max_age here: an old start time is judged below, not mistaken for a forgery.
        elapsed = timezone.now().timestamp() - float(signing.loads(started, salt=_SIGNER_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return CheckReason.NO_START
    if elapsed < min_seconds:
        return CheckReason.TOO_FAST
    if elapsed > _TOKEN_DAY:
        return CheckReason.EXPIRED
    return ""


def _sent(request: HttpRequest) -> str:
    """What this browser has just had stored ("sent", or "held" for a check), or "": the
    confirmation is never shown for nothing."""
    try:
        value = signing.loads(request.GET.get("sent") or "", salt=_SENT_SALT, max_age=3600)
    except signing.BadSignature:
        return ""
    return "held" if value == "held" else "sent"


def _self_refer_create(form: SelfReferralForm, service: Any) -> str:
    """Store the request; returns the check reason it was held for ("" if none)."""
    data = form.cleaned_data
    check_reason = _check_reason(form.data.get("started") or "")
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
            check_reason=check_reason,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
    return check_reason


@require_http_methods(["GET", "POST"])
def self_refer(request: HttpRequest) -> HttpResponse:
    """Public: a victim asks the advocacy service for support. Every valid submission is stored
    and gets the same confirmation: nothing about any existing record is revealed, and nothing
    is matched against existing victims. One the spam checks doubt (sent too fast, too late, or
    with an altered start time) is held for the advocacy manager to check, never dropped. Only
    a filled honeypot is discarded; it is counted, and the page says it was not sent."""
    service = services.self_referral_service()
    context_ = {
        "service": service,
        "first_contact_hours": FIRST_CONTACT_HOURS,
        # The privacy text's periods, from the retention schedule itself (ADR 0028).
        "kept_years": registry.get(retention.ADVOCACY).years,
        "not_taken_up_years": registry.get(retention.SELF_REFERRAL).years,
    }
    if sent := _sent(request):
        context_["many_requests"] = sent == "held"
        return render(request, "safeguarding/self_refer_sent.html", context_)
    if request.method == "POST":
        if _over_hard_limit():
            return render(request, "safeguarding/self_refer_limited.html", context_, status=429)
        if (request.POST.get("website") or "").strip():
            services.self_referral_record_discard()
            _count_submission()
            return render(request, "safeguarding/self_refer_not_sent.html", context_)
        form = SelfReferralForm(request.POST)
        if form.is_valid() and service is None:
            form.add_error(None, UNAVAILABLE)
        elif form.is_valid():
            check_reason = _self_refer_create(form, service)
            if not form.errors:
                _count_submission()
                # Say so when the address was the reason: people sharing it are told the truth.
                held = check_reason == CheckReason.MANY_FROM_ADDRESS
                token = signing.dumps("held" if held else "sent", salt=_SENT_SALT)
                return redirect(reverse("safeguarding:self_refer") + f"?sent={token}")
    else:
        form = SelfReferralForm()
    # Keep the original start time across a re-display with errors (the minimum fill time
    # counts from the first display).
    started = request.POST.get("started") or ""
    try:
        signing.loads(started, salt=_SIGNER_SALT, max_age=_TOKEN_DAY)
    except signing.BadSignature:
        started = signing.dumps(str(timezone.now().timestamp()), salt=_SIGNER_SALT)
    return render(
        request, "safeguarding/self_refer.html", {**context_, "form": form, "started": started}
    )


# --- the check before triage (advocacy manager) ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_check(request: AuthedRequest, case_id: int) -> HttpResponse:
    """Accept a held self-referral into triage, or mark it as not genuine (closed, kept)."""
    policy.require_perm(request.user, Perm.ADVOCACY_ALLOCATE)
    case = selectors.advocacy_case_get_for(
        actor=request.user, case_id=case_id, perm=Perm.ADVOCACY_ALLOCATE
    )
    form = SelfReferralCheckForm(
        request.POST if request.method == "POST" else None, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.self_referral_accept(
                    actor=request.user, case=case, version=data["version"]
                )
                messages.success(request, "The request has been accepted into triage")
            else:
                services.self_referral_mark_not_genuine(
                    actor=request.user, case=case, version=data["version"], reason=data["reason"]
                )
                messages.success(request, "The request has been closed as not genuine")
        except StaleRecordError:
            show_stale(form, case)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("safeguarding:case", case_id=case.pk)
    audit_consultation(actor=request.user, obj=case, verb="advocacy.view")
    return render(request, "safeguarding/case_check.html", {"case": case, "form": form})
