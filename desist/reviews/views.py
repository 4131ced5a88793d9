"""Case review pages (issue 19 §6). Thin: selectors read (cut to the reader's part by the
policy), commands write, and every page that shows people or minutes is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.accounts.models import User
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.policy import Perm
from desist.reviews import selectors, services, signals
from desist.reviews.forms import (
    ActionForm,
    ConveneForm,
    ItemForm,
    ItemRecordForm,
    MinutesForm,
    SignalForm,
    SignForm,
)
from desist.reviews.models import ReviewMeeting, Visibility
from desist.sharing.redaction import RedactionBlocked
from desist.sharing.shown import ProviderScreen
from desist.tasks.services import assignable

SERVICE_ERRORS = (ValidationError, RedactionBlocked)


def _people(users: object) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.display_name()} ({u.organisation.name})") for u in users]  # type: ignore[attr-defined]


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.REVIEW_VIEW)
    meetings = list(selectors.meeting_list_for(actor=request.user)[:200])
    audit_consultation(
        actor=request.user,
        object_type="reviews.ReviewMeeting",
        verb="review.list",
        new={"count": len(meetings)},
    )
    return render(
        request,
        "reviews/meeting_list.html",
        {
            "meetings": meetings,
            "can_convene": policy.has_perm(request.user, Perm.REVIEW_CONVENE),
        },
    )


@login_required
def meeting_new(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.REVIEW_CONVENE)
    actor = request.user
    agencies = services.agency_choices(actor)
    force_id = int(actor.organisation_id or 0)
    people = services.people_of([force_id, *agencies.values_list("pk", flat=True)]).select_related(
        "organisation"
    )
    form = ConveneForm(
        request.POST or None,
        chairs=[(u.pk, u.display_name()) for u in assignable(force_id)],
        agencies=[(a.pk, a.name) for a in agencies],
        people=_people(people),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_convene(
                actor=actor,
                kind=data["kind"],
                held_on=data["held_on"],
                chair_id=data["chair"],
                agency_ids=data["agencies"],
                attendee_ids=data["attendees"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Meeting convened")
            return redirect("reviews:meeting", meeting_id=meeting.pk)
    if request.method == "GET":  # the lists of people name staff of several agencies
        audit_consultation(actor=actor, object_type="accounts.User", verb="review.convene_form")
    return render(request, "reviews/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.REVIEW_VIEW)
    page = selectors.meeting_page_for(actor=request.user, meeting_id=meeting_id)
    live: list[signals.Signal] = []
    if page.can_edit:
        taken = {i.source_key for i in page.items if i.source_key}
        live = signals.signals_for(actor=request.user, exclude_keys=taken)
    _screen_for_provider(request.user, page)
    audit_consultation(actor=request.user, obj=page.meeting, verb="review.view")
    return render(
        request,
        "reviews/meeting_detail.html",
        {
            "page": page,
            "meeting": page.meeting,
            "signals": live,
            "sign_form": SignForm(initial={"version": page.meeting.version}),
        },
    )


def _screen_for_provider(actor: User, page: selectors.MeetingPage) -> None:
    """A reader of the provider-safe part alone (provider staff) sees its text checked again
    against the victims linked now to every subject on the agenda (`sharing.shown`): wording
    that matches is withheld, audited, and the police alerted. Only the page's copy changes."""
    if policy.review_sections_for(actor, page.meeting) != {Visibility.PROVIDER.value}:
        return
    screens = [
        ProviderScreen(actor=actor, subject=subject, where="reviews.meeting")
        for subject in services.agenda_subjects(page.meeting)
    ]
    for screen in screens:
        for section in page.sections:
            section.text = screen.show(section.text, field=f"minutes-{section.visibility}")
        for action in page.actions:
            action.description = screen.show(action.description, field=f"action-{action.pk}")


def _refused(meeting: ReviewMeeting) -> str:
    """Why the page shows no form: once signed, nothing can be changed (a submit would only be
    refused, so none is offered)."""
    return services.SIGNED if meeting.signed else ""


def _editable(request: AuthedRequest, meeting_id: int) -> ReviewMeeting:
    policy.require_perm(request.user, Perm.REVIEW_EDIT)  # 403 before anything is looked up
    meeting = selectors.meeting_get_for(actor=request.user, meeting_id=meeting_id)
    policy.require(request.user, Perm.REVIEW_EDIT, meeting)
    return meeting


@login_required
@require_POST
def signal_add(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable(request, meeting_id)
    form = SignalForm(request.POST)
    found = signals.signal_for(actor=request.user, key=request.POST.get("key", ""))
    if not form.is_valid() or found is None:
        messages.error(request, "That signal is no longer live. Nothing was added")
        return redirect("reviews:meeting", meeting_id=meeting.pk)
    try:
        services.item_add(
            actor=request.user,
            meeting=meeting,
            title=found.title,
            subject=found.subject,
            source=found.source,
            source_key=found.key,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Added to the agenda")
    return redirect("reviews:meeting", meeting_id=meeting.pk)


@login_required
def item_new(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable(request, meeting_id)
    form = ItemForm(
        request.POST or None, subjects=selectors.subject_choices_for(actor=request.user)
    )
    if request.method == "POST" and form.is_valid():
        subject_id = form.cleaned_data["subject"]
        try:
            services.item_add(
                actor=request.user,
                meeting=meeting,
                title=form.cleaned_data["title"],
                subject=selectors.subject_get_for(actor=request.user, subject_id=subject_id)
                if subject_id
                else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Item added")
            return redirect("reviews:meeting", meeting_id=meeting.pk)
    if request.method == "GET":  # the subject list names people
        audit_consultation(actor=request.user, obj=meeting, verb="review.item_form")
    return render(
        request,
        "reviews/item_form.html",
        {"form": form, "meeting": meeting, "refused": _refused(meeting)},
    )


@login_required
def item_detail(request: AuthedRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _editable(request, meeting_id)
    item = selectors.item_get_for(actor=request.user, meeting=meeting, item_id=item_id)
    people = services.people_of(
        [meeting.force_id, *meeting.agencies.values_list("pk", flat=True)]
    ).select_related("organisation")
    record_form = ItemRecordForm(
        initial={
            "version": item.version,
            "discussion": item.discussion,
            "decisions": item.decisions,
        }
    )
    action_form = ActionForm(owners=_people(people))
    if request.method == "POST" and request.POST.get("form") == "record":
        record_form = ItemRecordForm(request.POST)
        if record_form.is_valid():
            try:
                services.item_record(actor=request.user, item=item, **record_form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(record_form, exc)
            else:
                messages.success(request, "Discussion and decisions saved")
                return redirect("reviews:item", meeting_id=meeting.pk, item_id=item.pk)
    elif request.method == "POST" and request.POST.get("form") == "action":
        action_form = ActionForm(request.POST, owners=_people(people))
        if action_form.is_valid():
            data = action_form.cleaned_data
            try:
                services.action_add(
                    actor=request.user,
                    item=item,
                    description=data["description"],
                    owner_id=data["owner"],
                    due_on=data["due_on"],
                )
            except SERVICE_ERRORS as exc:
                add_service_errors(action_form, exc)
            else:
                messages.success(request, "Action added to the owner's tasks")
                return redirect("reviews:item", meeting_id=meeting.pk, item_id=item.pk)
    elif request.method == "POST":
        raise Http404
    audit_consultation(actor=request.user, obj=item, verb="review.item_view")
    return render(
        request,
        "reviews/item_detail.html",
        {
            "meeting": meeting,
            "item": item,
            "actions": list(item.actions.select_related("owner", "agency", "task")),
            "record_form": record_form,
            "action_form": action_form,
            "refused": _refused(meeting),
        },
    )


@login_required
def minutes_edit(request: AuthedRequest, meeting_id: int, visibility: str) -> HttpResponse:
    meeting = _editable(request, meeting_id)
    section = selectors.section_get_for(actor=request.user, meeting=meeting, visibility=visibility)
    form = MinutesForm(
        request.POST or None, initial={"version": section.version, "text": section.text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_write(actor=request.user, section=section, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{section.get_visibility_display()} minutes saved")
            return redirect("reviews:meeting", meeting_id=meeting.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=section, verb="review.minutes_view")
    return render(
        request,
        "reviews/minutes_form.html",
        {
            "form": form,
            "meeting": meeting,
            "section": section,
            "provider_safe": section.visibility == Visibility.PROVIDER,
            "refused": _refused(meeting),
        },
    )


@login_required
@require_POST
def meeting_sign(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.REVIEW_SIGN)
    meeting = selectors.meeting_get_for(actor=request.user, meeting_id=meeting_id)
    form = SignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Reload the page and try again")
        services.meeting_sign(actor=request.user, meeting=meeting, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Minutes signed")
    return redirect("reviews:meeting", meeting_id=meeting.pk)
