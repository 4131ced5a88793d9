"""Reads of case reviews (issue 19 §6): every one through the policy's review scopes.

What a reader sees of a meeting is cut here, once, by `policy.review_sections_for` (minute
sections), `policy.review_items_visible` (agenda items, police only) and
`policy.scope_review_actions` (the actions of their own organisation's staff).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User
from desist.people.models import Subject
from desist.policy import Perm
from desist.reviews.models import ReviewAction, ReviewItem, ReviewMeeting, ReviewMinutes


def meeting_list_for(*, actor: User) -> QuerySet[ReviewMeeting]:
    return (
        policy.scope_review_meetings(actor, ReviewMeeting.objects.all())
        .select_related("chair", "signed_by")
        .prefetch_related("agencies")
        .order_by("-held_on", "-id")
    )


def meeting_get_for(*, actor: User, meeting_id: int) -> ReviewMeeting:
    """One meeting: 404 out of scope (another force's meeting is not revealed)."""
    meeting = meeting_list_for(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    policy.require(actor, Perm.REVIEW_VIEW, meeting)
    return meeting


def item_get_for(*, actor: User, meeting: ReviewMeeting, item_id: int) -> ReviewItem:
    if not policy.review_items_visible(actor, meeting):
        raise Http404
    item = meeting.items.select_related("subject").filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def section_get_for(*, actor: User, meeting: ReviewMeeting, visibility: str) -> ReviewMinutes:
    if visibility not in policy.review_sections_for(actor, meeting):
        raise Http404
    section = meeting.minutes.filter(visibility=visibility).first()
    if section is None:
        raise Http404
    return section


def subject_choices_for(*, actor: User) -> list[tuple[int, str]]:
    """Subjects an item may be about: the actor's force's."""
    qs = policy.scope_subjects(actor, Subject.objects.all()).order_by("last_name", "first_names")
    return [(s.pk, s.full_name) for s in qs[:500]]


def subject_get_for(*, actor: User, subject_id: int) -> Subject:
    subject = policy.scope_subjects(actor, Subject.objects.all()).filter(pk=subject_id).first()
    if subject is None:
        raise Http404
    return subject


@dataclass(frozen=True)
class MeetingPage:
    meeting: ReviewMeeting
    items: list[ReviewItem]  # empty unless the reader may see items
    sections: list[ReviewMinutes]  # only the sections the reader may read
    actions: list[ReviewAction]  # only those the reader may see
    can_edit: bool
    can_sign: bool


def meeting_page_for(*, actor: User, meeting_id: int) -> MeetingPage:
    """The meeting as the actor may see it. A fixed number of queries, whatever the rows."""
    meeting = meeting_get_for(actor=actor, meeting_id=meeting_id)
    actions = policy.scope_review_actions(actor, ReviewAction.objects.filter(item__meeting=meeting))
    actions = actions.select_related("owner", "agency", "task", "item")
    items: list[ReviewItem] = []
    if policy.review_items_visible(actor, meeting):
        items = list(
            meeting.items.select_related("subject").prefetch_related(
                Prefetch("actions", queryset=actions)
            )
        )
    allowed = policy.review_sections_for(actor, meeting)
    sections = [s for s in meeting.minutes.all() if s.visibility in allowed]
    order = {"police": 0, "advocacy": 1, "provider": 2}
    sections.sort(key=lambda s: order.get(s.visibility, 9))
    return MeetingPage(
        meeting=meeting,
        items=items,
        sections=sections,
        actions=list(actions),
        can_edit=not meeting.signed and policy.can(actor, Perm.REVIEW_EDIT, meeting),
        can_sign=not meeting.signed and policy.can(actor, Perm.REVIEW_SIGN, meeting),
    )


def overdue_actions(*, today: object) -> QuerySet[ReviewAction]:
    """Actions whose task is still open past its due date (the escalation job's read, as the
    system: no actor)."""
    return ReviewAction.objects.filter(task__status="open", due_on__lt=today).select_related(
        "item__meeting", "item__meeting__chair", "owner", "task"
    )
