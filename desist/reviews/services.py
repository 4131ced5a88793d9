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
from desist.sharing.redaction import guard_text
from desist.tasks.services import assignable, task_for_review_action

SIGNED = "The minutes are signed. Nothing can be changed"
TEXT_MAX = 10_000
POLICE_ROLES = (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR)


def _open(meeting: ReviewMeeting) -> None:
    if meeting.signed:
        raise ValidationError(SIGNED)


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


@command(Perm.REVIEW_EDIT, on="meeting")
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
    """An action for staff outside the police is read by them: guard it before the write."""
    description = (description or "").strip()
    owner = _owner(item.meeting, owner_id)
    if owner is not None and owner.organisation_id != item.meeting.force_id and description:
        guard_text(
            actor=actor,
            subject=item.subject,
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
    elif len(description) > 200:
        errors.add("description", "The action must be 200 characters or fewer")
    owner = _owner(meeting, owner_id)
    if owner is None:
        errors.add("owner", "Select someone of this force or of an agency at the meeting")
    if due_on is None:
        errors.add("due_on", "Enter the date the action is due")
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
    on the agenda, before the transaction (a refusal is audited in its own)."""
    text = (text or "").strip()
    if section.visibility == Visibility.PROVIDER and text:
        subjects = {i.subject_id: i.subject for i in section.meeting.items.all() if i.subject}
        for subject in subjects.values():
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


@command(Perm.REVIEW_SIGN, on="meeting")
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
