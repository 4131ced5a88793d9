"""Commands on case reviews (issue 19 §6): convene, add and record items, add actions, write
minutes, sign.

Each runs through the write pipeline (`audit.pipeline.command`): the permission first, the
redaction guard (on text provider staff will read) before the transaction, then one
transaction holding validation, the write and its audit event. Signed minutes are read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.models import Organisation
from desist.core.roles import RoleCode
from desist.people.models import Subject
from desist.policy import Perm
from desist.reviews.models import (
    ItemSource,
    MeetingKind,
    ReviewAction,
    ReviewItem,
    ReviewMeeting,
    ReviewMinutes,
    Visibility,
)
from desist.sharing.redaction import RedactionBlocked, guard_text
from desist.tasks.services import assignable, task_for_review_action

SIGNED = "The minutes are signed. Nothing can be changed"
NO_SUBJECT_MINUTES = "Add the people discussed to the agenda before writing provider-safe minutes"
NO_SUBJECT_ACTION = (
    "Add the people discussed to the agenda before giving an action to staff outside the police"
)
ACTION_MAX = 500
TEXT_MAX = 10_000
POLICE_ROLES = (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR)


def _open(meeting: ReviewMeeting) -> None:
    if meeting.signed:
        raise ValidationError(SIGNED)


def agenda_subjects(meeting: ReviewMeeting) -> list[Subject]:
    """Every subject on the agenda, once: text a provider reads is guarded against the victims
    of all of them, not only of the item it hangs on (an item may have no subject)."""
    found: dict[int, Subject] = {}
    for item in meeting.items.select_related("subject"):
        if item.subject is not None:
            found.setdefault(item.subject.pk, item.subject)
    return list(found.values())


def _outside_police(meeting: ReviewMeeting, owner: User | None) -> bool:
    return owner is not None and owner.organisation_id != meeting.force_id


def _provider_visible(meeting: ReviewMeeting) -> dict[str, tuple[str, str]]:
    """Text of the meeting that staff outside the police read, by key: (where to change it,
    the text). The provider-safe minutes and the wording of actions owned outside the police."""
    found: dict[str, tuple[str, str]] = {}
    section = meeting.minutes.filter(visibility=Visibility.PROVIDER).first()
    if section is not None and section.text.strip():
        found["minutes"] = ("the provider-safe minutes", section.text)
    actions = ReviewAction.objects.filter(item__meeting=meeting).exclude(
        owner__organisation_id=meeting.force_id
    )
    for action in actions.select_related("item").order_by("pk"):
        found[f"action-{action.pk}"] = (
            f"the action \u201c{action.description[:60]}\u201d on \u201c{action.item.title}\u201d",
            action.description,
        )
    return found


def _tripped(
    *, actor: User, subjects: Iterable[Subject], texts: dict[str, tuple[str, str]], where: str
) -> list[str]:
    """The places (as `_provider_visible` names them) holding an identifier of a victim of any
    of `subjects`. Each block is audited by the guard; call before the command's transaction."""
    hit: set[str] = set()
    fields = {key: text for key, (_, text) in texts.items()}
    for subject in subjects:
        try:
            guard_text(actor=actor, subject=subject, fields=fields, where=where)
        except RedactionBlocked as exc:
            hit.update(exc.errors)
    return [texts[key][0] for key in texts if key in hit]


def agency_choices(actor: User) -> QuerySet[Organisation]:
    """The agencies a force may invite: the other live organisations of its partnerships."""
    return (
        Organisation.objects.filter(pk__in=policy.partnership_organisation_ids(actor))
        .exclude(pk=actor.organisation_id or 0)
        .exclude(kind="police_force")
        .order_by("name")
    )


def people_of(org_ids: Iterable[int]) -> QuerySet[User]:
    """Active people of the given organisations: who may attend or own an action."""
    return (
        User.objects.filter(organisation_id__in=list(org_ids), is_active=True)
        .filter(disabled_at__isnull=True)
        .exclude(roles__isnull=True)
        .distinct()
        .order_by("organisation__name", "last_name", "first_name", "username")
    )


def _convene_values(meeting: ReviewMeeting) -> dict[str, Any]:
    return {
        "kind": meeting.kind,
        "held_on": meeting.held_on.isoformat(),
        "chair_id": meeting.chair_id,
        "agency_ids": sorted(meeting.agencies.values_list("pk", flat=True)),
        "attendee_ids": sorted(meeting.attendees.values_list("pk", flat=True)),
    }


@command(Perm.REVIEW_CONVENE)
def meeting_convene(
    *,
    actor: User,
    kind: str,
    held_on: dt.date | None,
    chair_id: int | None,
    agency_ids: list[int],
    attendee_ids: list[int],
) -> ReviewMeeting:
    """A meeting of the actor's force, chaired by one of its police, with partner agencies."""
    errors = Errors()
    force_id = int(actor.organisation_id or 0)
    if kind not in MeetingKind.values:
        errors.add("kind", "Select the kind of meeting")
    if held_on is None:
        errors.add("held_on", "Enter the date of the meeting")
    chair = assignable(force_id).filter(pk=chair_id).first() if chair_id else None
    if chair is None:
        errors.add("chair", "Select a police officer of this force to chair the meeting")
    agencies = list(agency_choices(actor).filter(pk__in=agency_ids))
    if len(agencies) != len(set(agency_ids)) or not agencies:
        errors.add("agencies", "Select the agencies taking part, from this partnership")
    allowed = people_of([force_id, *(a.pk for a in agencies)])
    attendees = list(allowed.filter(pk__in=attendee_ids))
    if len(attendees) != len(set(attendee_ids)):
        errors.add("attendees", "Select people of this force or of the agencies taking part")
    errors.raise_if_any()
    assert held_on is not None and chair is not None
    meeting = ReviewMeeting.objects.create(
        force_id=force_id, kind=kind, held_on=held_on, chair=chair, created_by=actor
    )
    meeting.agencies.set(agencies)
    meeting.attendees.set(attendees)
    for visibility in Visibility.values:
        ReviewMinutes.objects.create(meeting=meeting, visibility=visibility)
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="review.convene",
        obj=meeting,
        new=_convene_values(meeting),
    )
    return meeting


def _item_values(item: ReviewItem) -> dict[str, Any]:
    # Lengths, not text: free text about people never goes into the audit log.
    return {
        "source": item.source,
        "subject_id": item.subject_id,
        "discussion_chars": len(item.discussion),
        "decisions_chars": len(item.decisions),
    }


def _item_check(
    *, actor: User, meeting: ReviewMeeting, subject: Subject | None, **kw: Any
) -> dict[str, Any]:
    """A subject new to the agenda brings victims the provider-visible text was never checked
    against: check it all now, before the transaction, and refuse naming what to change."""
    if subject is None or any(s.pk == subject.pk for s in agenda_subjects(meeting)):
        return {}
    policy.require(actor, Perm.SUBJECT_VIEW, subject)
    places = _tripped(
        actor=actor,
        subjects=[subject],
        texts=_provider_visible(meeting),
        where="reviews.item_add",
    )
    if places:
        raise ValidationError(
            {
                "subject": [
                    f"Change {place} before adding this subject: the provider reads it and it "
                    "looks like it contains a victim's personal details"
                    for place in places
                ]
            }
        )
    return {}


@command(Perm.REVIEW_EDIT, on="meeting", check=_item_check)
def item_add(
    *,
    actor: User,
    meeting: ReviewMeeting,
    title: str,
    subject: Subject | None,
    source: str = ItemSource.MANUAL,
    source_key: str = "",
) -> ReviewItem:
    """An agenda item, by hand or from a live signal (once a meeting per signal)."""
    _open(meeting)
    errors = Errors()
    title = (title or "").strip()
    if not title:
        errors.add("title", "Enter what the item is about")
    elif len(title) > 200:
        errors.add("title", "The item must be 200 characters or fewer")
    if subject is not None:
        policy.require(actor, Perm.SUBJECT_VIEW, subject)
    if source_key and meeting.items.filter(source_key=source_key).exists():
        errors.add("title", "This item is already on the agenda")
    errors.raise_if_any()
    item = ReviewItem.objects.create(
        meeting=meeting, title=title, subject=subject, source=source, source_key=source_key
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="review.item_add",
        obj=item,
        new={**_item_values(item), "meeting_id": meeting.pk},
    )
    return item


@command(Perm.REVIEW_EDIT, on=lambda kw: kw["item"].meeting)
def item_record(
    *, actor: User, item: ReviewItem, version: int, discussion: str, decisions: str
) -> ReviewItem:
    """The discussion and decisions on one item (police only), versioned."""
    _open(item.meeting)
    errors = Errors()
    discussion, decisions = (discussion or "").strip(), (decisions or "").strip()
    for name, value in (("discussion", discussion), ("decisions", decisions)):
        if len(value) > TEXT_MAX:
            errors.add(name, f"This must be {TEXT_MAX:,} characters or fewer")
    if not discussion and not decisions:
        errors.add("discussion", "Enter the discussion or the decisions")
    errors.raise_if_any()
    old = _item_values(item)
    item.discussion, item.decisions = discussion, decisions
    try:
        save_versioned(item, expected_version=version, fields=["discussion", "decisions"])
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="review.item_record",
        obj=item,
        old=old,
        new=_item_values(item),
    )
    return item


def _owner(meeting: ReviewMeeting, owner_id: int | None) -> User | None:
    orgs = [meeting.force_id, *meeting.agencies.values_list("pk", flat=True)]
    return people_of(orgs).filter(pk=owner_id).first() if owner_id else None


def _action_check(
    *, actor: User, item: ReviewItem, description: str, owner_id: int | None, **kw: Any
) -> dict[str, Any]:
    """An action for staff outside the police is read by them (on the meeting page and in their
    tasks): guard it against the victims of every subject on the agenda, before the write."""
    description = (description or "").strip()
    meeting = item.meeting
    if _outside_police(meeting, _owner(meeting, owner_id)) and description:
        subjects = agenda_subjects(meeting)
        if not subjects:
            raise ValidationError({"description": [NO_SUBJECT_ACTION]})
        for subject in subjects:
            guard_text(
                actor=actor,
                subject=subject,
                fields={"description": description},
                where="reviews.action_add",
            )
    return {"description": description}


@command(Perm.REVIEW_EDIT, on=lambda kw: kw["item"].meeting, check=_action_check)
def action_add(
    *,
    actor: User,
    item: ReviewItem,
    description: str,
    owner_id: int | None,
    due_on: dt.date | None,
) -> ReviewAction:
    """An action with an owner (anyone of the force or an agency at the meeting), their agency
    and a due date. It lands in the owner's tasks."""
    meeting = item.meeting
    _open(meeting)
    errors = Errors()
    if not description:
        errors.add("description", "Enter what is to be done")
    elif len(description) > ACTION_MAX:
        errors.add("description", f"The action must be {ACTION_MAX} characters or fewer")
    owner = _owner(meeting, owner_id)
    if owner is None:
        errors.add("owner", "Select someone of this force or of an agency at the meeting")
    if due_on is None:
        errors.add("due_on", "Enter the date the action is due")
    elif due_on < meeting.held_on:
        errors.add("due_on", "The date the action is due must be on or after the meeting date")
    errors.raise_if_any()
    assert owner is not None and due_on is not None
    action = ReviewAction(
        item=item,
        description=description,
        owner=owner,
        agency_id=int(owner.organisation_id or 0),
        due_on=due_on,
        created_by=actor,
    )
    action.task = task_for_review_action(
        actor=actor,
        force_id=meeting.force_id,
        title=f"Case review action: {description}",
        due_on=due_on,
        assignee=owner,
        rule_key="",
    )
    action.save()
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="review.action_add",
        obj=action,
        new={
            "item_id": item.pk,
            "owner_id": owner.pk,
            "agency_id": owner.organisation_id,
            "due_on": due_on.isoformat(),
            "task_id": action.task_id,
        },
    )
    return action


def _minutes_check(*, actor: User, section: ReviewMinutes, text: str, **kw: Any) -> dict[str, Any]:
    """Provider-safe minutes: the redaction guard runs against the victims of every subject
    on the agenda, before the transaction (a refusal is audited in its own). With no subject
    on the agenda there is nothing to check them against, so they wait for one."""
    text = (text or "").strip()
    if section.visibility == Visibility.PROVIDER and text:
        subjects = agenda_subjects(section.meeting)
        if not subjects:
            raise ValidationError({"text": [NO_SUBJECT_MINUTES]})
        for subject in subjects:
            guard_text(actor=actor, subject=subject, fields={"text": text}, where="reviews.minutes")
    return {"text": text}


@command(Perm.REVIEW_EDIT, on=lambda kw: kw["section"].meeting, check=_minutes_check)
def minutes_write(*, actor: User, section: ReviewMinutes, text: str, version: int) -> ReviewMinutes:
    """One section of the minutes, versioned (a stale form is refused, the text kept)."""
    _open(section.meeting)
    if len(text) > TEXT_MAX:
        Errors({"text": [f"The minutes must be {TEXT_MAX:,} characters or fewer"]}).raise_if_any()
    old = len(section.text)
    section.text = text
    try:
        save_versioned(section, expected_version=version, fields=["text"])
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="review.minutes_write",
        obj=section,
        old={"visibility": section.visibility, "chars": old},
        new={"visibility": section.visibility, "chars": len(text)},
    )
    return section


def _sign_check(*, actor: User, meeting: ReviewMeeting, **kw: Any) -> dict[str, Any]:
    """Before the signature fixes it for good: a held meeting with an agenda, and everything
    the provider reads checked again against the victims of every subject on the agenda
    (victims linked since the text was saved count)."""
    _open(meeting)
    messages: list[str] = []
    if meeting.held_on > timezone.localdate():
        messages.append("The meeting has not been held yet. Sign the minutes on or after its date")
    if not meeting.items.exists():
        messages.append("Add at least one item to the agenda before signing the minutes")
    texts = _provider_visible(meeting)
    subjects = agenda_subjects(meeting)
    if texts and not subjects:
        messages.append(
            "Add the people discussed to the agenda before signing: the provider-safe minutes "
            "and actions for staff outside the police must be checked against their victims"
        )
    for place in _tripped(actor=actor, subjects=subjects, texts=texts, where="reviews.sign"):
        messages.append(
            f"Change {place} before signing: the provider reads it and it looks like it "
            "contains a victim's personal details"
        )
    if messages:
        raise ValidationError(messages)
    return {}


@command(Perm.REVIEW_SIGN, on="meeting", check=_sign_check)
def meeting_sign(*, actor: User, meeting: ReviewMeeting, version: int) -> ReviewMeeting:
    """The chair signs the minutes; after that the meeting is read-only."""
    _open(meeting)
    meeting.signed_at = timezone.now()
    meeting.signed_by = actor
    try:
        save_versioned(meeting, expected_version=version, fields=["signed_at", "signed_by"])
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="review.sign",
        obj=meeting,
        new={"signed_at": meeting.signed_at.isoformat()},
    )
    return meeting
