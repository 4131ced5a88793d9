"""Multi-agency case reviews (issue 19 §6): convening, the agenda from live signals, actions
into the owner's tasks, minutes by audience with the redaction guard on the provider-safe
section, each agency seeing its own part, the chair's signature, and late actions escalating."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import ago, ahead, make_subject
from desist.reviews import escalation, services
from desist.reviews.models import ReviewMeeting, ReviewMinutes
from desist.sharing.redaction import RedactionBlocked
from desist.tasks.models import Task, TaskKind

R = RoleCode
POLICE_TEXT = "Police only: the intelligence report from the neighbouring force"
ADVOCACY_TEXT = "Advocacy: safety planning review with the victim this week"
PROVIDER_TEXT = "Provider-safe: sessions to focus on fixation and rumination"


def _section(meeting: Any, visibility: str) -> ReviewMinutes:
    return ReviewMinutes.objects.get(meeting=meeting, visibility=visibility)


def _write(actor: Any, meeting: Any, visibility: str, text: str) -> None:
    section = _section(meeting, visibility)
    services.minutes_write(actor=actor, section=section, text=text, version=section.version)


@pytest.fixture
def minuted(supervisor: Any, meeting: Any, item: Any, practitioner: Any, officer: Any) -> Any:
    _write(supervisor, meeting, "police", POLICE_TEXT)
    _write(supervisor, meeting, "advocacy", ADVOCACY_TEXT)
    _write(supervisor, meeting, "provider", PROVIDER_TEXT)
    services.item_record(
        actor=supervisor,
        item=item,
        version=item.version,
        discussion="Discussed the breach",
        decisions="Refer",
    )
    services.action_add(
        actor=supervisor,
        item=item,
        description="Offer an extra session",
        owner_id=practitioner.pk,
        due_on=ahead(7),
    )
    services.action_add(
        actor=supervisor,
        item=item,
        description="Check the alarm was fitted",
        owner_id=officer.pk,
        due_on=ahead(7),
    )
    return meeting


def test_the_supervisor_convenes_and_it_is_audited(meeting: Any, supervisor: Any) -> None:
    assert meeting.chair_id == supervisor.pk and meeting.kind == "stalking_clinic"
    assert meeting.minutes.count() == 3
    assert AuditEvent.objects.filter(verb="review.convene", object_id=str(meeting.pk)).count() == 1


def test_an_officer_may_not_convene(officer: Any, orgs: dict[str, Any], partnership: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.meeting_convene(
            actor=officer,
            kind="marac",
            held_on=ahead(1),
            chair_id=officer.pk,
            agency_ids=[orgs["provider"].pk],
            attendee_ids=[],
        )


def test_convening_is_validated_with_govuk_messages(
    client: Any, supervisor: Any, partnership: Any, orgs: dict[str, Any]
) -> None:
    other = make_subject(orgs["other_police_force"])
    assert other  # another force's people are never offered
    client.force_login(supervisor)
    response = client.post(reverse("reviews:new"), {"kind": "marac"})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    for message in (
        "Enter the date of the meeting",
        "Select a police officer of this force to chair the meeting",
        "Select the agencies taking part, from this partnership",
    ):
        assert message in page
    assert not ReviewMeeting.objects.exists()


def test_provider_safe_minutes_refuse_a_victims_address(
    client: Any, supervisor: Any, meeting: Any, item: Any
) -> None:
    section = _section(meeting, "provider")
    with pytest.raises(RedactionBlocked):
        services.minutes_write(
            actor=supervisor,
            section=section,
            text="Visit at 17 Wisteria Crescent",
            version=section.version,
        )
    client.force_login(supervisor)
    url = reverse("reviews:minutes", args=[meeting.pk, "provider"])
    response = client.post(
        url, {"text": "She lives at 17 Wisteria Crescent, Hove", "version": section.version}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "looks like it contains a victim" in page
    assert _section(meeting, "provider").text == ""
    assert AuditEvent.objects.filter(verb="redaction.blocked").count() == 2
    # Police-only minutes may hold it: the provider never reads them.
    _write(supervisor, meeting, "police", "Victim at 17 Wisteria Crescent, Hove")
    assert _section(meeting, "police").text.startswith("Victim at")


def test_an_action_for_the_provider_is_guarded(
    supervisor: Any, item: Any, practitioner: Any
) -> None:
    with pytest.raises(RedactionBlocked):
        services.action_add(
            actor=supervisor,
            item=item,
            description="Tell Philippa Quorndon-Zeal",
            owner_id=practitioner.pk,
            due_on=ahead(3),
        )
    assert not Task.objects.exists()


def test_an_action_lands_in_the_owners_tasks(
    client: Any, minuted: Any, practitioner: Any, users: dict[RoleCode, Any]
) -> None:
    task = Task.objects.get(assignee=practitioner)
    assert task.kind == TaskKind.REVIEW_ACTION and task.force_id == minuted.force_id
    client.force_login(practitioner)
    page = client.get(reverse("tasks:list")).content.decode()
    assert "Case review action: Offer an extra session" in page
    assert "Check the alarm was fitted" not in page  # police work is not theirs
    detail = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert reverse("reviews:meeting", args=[minuted.pk]) in detail  # back to the meeting
    assert "Mark as done" in detail and "Cancel task" not in detail  # theirs to finish only
    client.post(reverse("tasks:complete", args=[task.pk]), {"version": task.version})
    task.refresh_from_db()
    assert task.status == "done" and task.closed_by_id == practitioner.pk
    assert AuditEvent.objects.filter(verb="task.complete", actor_id=practitioner.pk).count() == 1
    police_task = Task.objects.get(assignee__organisation=minuted.force)
    assert client.get(reverse("tasks:detail", args=[police_task.pk])).status_code == 404


def _page(client: Any, user: Any, meeting: Any) -> Any:
    client.force_login(user)
    return client.get(reverse("reviews:meeting", args=[meeting.pk]))


def test_police_see_every_section(client: Any, minuted: Any, officer: Any) -> None:
    page = _page(client, officer, minuted).content.decode()
    for text in (
        POLICE_TEXT,
        ADVOCACY_TEXT,
        PROVIDER_TEXT,
        "Discussed the breach",
        "Offer an extra session",
        "Check the alarm was fitted",
    ):
        assert text in page, text


def test_the_provider_sees_only_its_part(
    client: Any, minuted: Any, practitioner: Any, subject: Any
) -> None:
    response = _page(client, practitioner, minuted)
    page = response.content.decode()
    assert response.status_code == 200
    assert PROVIDER_TEXT in page and "Offer an extra session" in page
    for hidden in (
        POLICE_TEXT,
        ADVOCACY_TEXT,
        "Discussed the breach",
        "Check the alarm was fitted",
        "Quorndon-Zeal",
        subject.last_name,
        "Escalating contact",
    ):
        assert hidden not in page, hidden
    assert AuditEvent.objects.filter(verb="review.view", actor_id=practitioner.pk).count() == 1
    # Nor can they open the police-only parts by address.
    for url in (
        reverse("reviews:minutes", args=[minuted.pk, "police"]),
        reverse("reviews:item", args=[minuted.pk, minuted.items.get().pk]),
    ):
        assert client.get(url).status_code == 403


def test_advocacy_sees_advocacy_and_provider_safe(client: Any, minuted: Any, advocate: Any) -> None:
    page = _page(client, advocate, minuted).content.decode()
    assert ADVOCACY_TEXT in page and PROVIDER_TEXT in page
    for hidden in (
        POLICE_TEXT,
        "Discussed the breach",
        "Offer an extra session",
        "Check the alarm was fitted",
    ):
        assert hidden not in page, hidden


def test_another_force_and_absent_agencies_see_nothing(
    client: Any, minuted: Any, make_user: Any, orgs: dict[str, Any]
) -> None:
    stranger = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    assert _page(client, stranger, minuted).status_code == 404
    client.force_login(stranger)
    assert f"/reviews/{minuted.pk}/" not in client.get(reverse("reviews:list")).content.decode()
    minuted.agencies.remove(orgs["advocacy"])
    assert _page(client, make_user(R.VICTIM_ADVOCATE), minuted).status_code == 404
    client.logout()
    assert client.get(reverse("reviews:meeting", args=[minuted.pk])).status_code == 302


def test_only_the_chair_signs_and_then_it_is_read_only(
    client: Any, minuted: Any, supervisor: Any, officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.meeting_sign(actor=officer, meeting=minuted, version=minuted.version)
    client.force_login(supervisor)
    client.post(reverse("reviews:sign", args=[minuted.pk]), {"version": minuted.version})
    minuted.refresh_from_db()
    assert minuted.signed_by_id == supervisor.pk
    page = _page(client, officer, minuted).content.decode()
    assert f"Signed by {supervisor.display_name()}" in page and "Sign the minutes" not in page
    with pytest.raises(ValidationError, match="signed"):
        _write(supervisor, minuted, "provider", "Later change")
    assert AuditEvent.objects.filter(verb="review.sign").count() == 1


def test_a_stale_minutes_form_is_refused(supervisor: Any, meeting: Any) -> None:
    section = _section(meeting, "advocacy")
    old_version = section.version
    services.minutes_write(actor=supervisor, section=section, text="First", version=old_version)
    stale = _section(meeting, "advocacy")
    with pytest.raises(ValidationError, match="Someone else changed"):
        services.minutes_write(actor=supervisor, section=stale, text="Second", version=old_version)
    assert _section(meeting, "advocacy").text == "First"


def test_a_late_action_escalates_to_the_chair_once(minuted: Any, supervisor: Any) -> None:
    action = minuted.items.get().actions.get(owner__organisation__kind="provider")
    assert escalation.escalate_overdue(today=ahead(6)) == {"raised": 0}
    assert escalation.escalate_overdue(today=ahead(8)) == {"raised": 2}
    assert escalation.escalate_overdue(today=ahead(9)) == {"raised": 0}
    raised = Task.objects.get(rule_key=f"review_overdue:{action.pk}")
    assert raised.assignee_id == supervisor.pk and raised.kind == TaskKind.REVIEW_ACTION_OVERDUE


def test_the_agenda_offers_live_signals(
    client: Any, supervisor: Any, meeting: Any, subject: Any
) -> None:
    from desist.orders.models import Breach
    from desist.orders.tests.helpers import applied

    order = applied(supervisor, subject)
    order.full_made_on = ago(3)
    order.status = "full"
    order.save(update_fields=["full_made_on", "status"])
    client.force_login(supervisor)
    page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
    assert f"Order made for {subject.full_name}" in page
    response = client.post(
        reverse("reviews:signal_add", args=[meeting.pk]), {"key": f"new_order:{order.pk}"}
    )
    assert response.status_code == 302
    added = meeting.items.get(source="new_order")
    assert added.subject_id == subject.pk
    page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
    assert f'value="new_order:{order.pk}"' not in page  # on the agenda, no longer offered
    assert not Breach.objects.exists()
    # A key not live for this force is refused.
    client.post(reverse("reviews:signal_add", args=[meeting.pk]), {"key": "breach:999999"})
    assert meeting.items.count() == 1


def test_every_page_is_audited_as_a_consultation(
    client: Any, minuted: Any, supervisor: Any
) -> None:
    item = minuted.items.get()
    client.force_login(supervisor)
    pages = {
        reverse("reviews:list"): "review.list",
        reverse("reviews:new"): "review.convene_form",
        reverse("reviews:meeting", args=[minuted.pk]): "review.view",
        reverse("reviews:item", args=[minuted.pk, item.pk]): "review.item_view",
        reverse("reviews:item_new", args=[minuted.pk]): "review.item_form",
        reverse("reviews:minutes", args=[minuted.pk, "provider"]): "review.minutes_view",
    }
    for url, verb in pages.items():
        before = AuditEvent.objects.filter(verb=verb).count()
        assert client.get(url).status_code == 200, url
        assert AuditEvent.objects.filter(verb=verb).count() == before + 1, url


def test_an_empty_or_future_meeting_cannot_be_signed(
    client: Any, supervisor: Any, meeting: Any, subject: Any
) -> None:
    with pytest.raises(ValidationError, match="Add at least one item to the agenda"):
        services.meeting_sign(actor=supervisor, meeting=meeting, version=meeting.version)
    services.item_add(actor=supervisor, meeting=meeting, title="Contact", subject=subject)
    ReviewMeeting.objects.filter(pk=meeting.pk).update(held_on=ahead(2))
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="The meeting has not been held yet"):
        services.meeting_sign(actor=supervisor, meeting=meeting, version=meeting.version)
    client.force_login(supervisor)
    page = client.post(
        reverse("reviews:sign", args=[meeting.pk]), {"version": meeting.version}, follow=True
    ).content.decode()
    assert "The meeting has not been held yet" in page
    meeting.refresh_from_db()
    assert not meeting.signed and not AuditEvent.objects.filter(verb="review.sign").exists()


def test_after_signing_the_edit_pages_show_the_refusal_not_a_form(
    client: Any, minuted: Any, supervisor: Any
) -> None:
    services.meeting_sign(actor=supervisor, meeting=minuted, version=minuted.version)
    client.force_login(supervisor)
    item = minuted.items.get()
    buttons = ("Save minutes", "Add item", "Add action", "Save discussion and decisions")
    for url in (
        reverse("reviews:minutes", args=[minuted.pk, "provider"]),
        reverse("reviews:item_new", args=[minuted.pk]),
        reverse("reviews:item", args=[minuted.pk, item.pk]),
    ):
        response = client.get(url)
        page = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        assert response.status_code == 200, url
        assert "The minutes are signed. Nothing can be changed" in page, url
        assert "<textarea" not in page and 'type="submit"' not in page, url
        for button in buttons:
            assert button not in page, (url, button)
    # What was recorded is still readable there.
    page = client.get(reverse("reviews:item", args=[minuted.pk, item.pk])).content.decode()
    assert "Discussed the breach" in page


def _action(supervisor: Any, item: Any, owner: Any, **kw: Any) -> Any:
    return services.action_add(
        actor=supervisor,
        item=item,
        **{"description": "Offer a session", "owner_id": owner.pk, "due_on": ahead(7), **kw},
    )


def test_an_actions_wording_is_limited_to_500_characters(
    client: Any, supervisor: Any, meeting: Any, item: Any, practitioner: Any
) -> None:
    with pytest.raises(ValidationError, match="500 characters or fewer"):
        _action(supervisor, item, practitioner, description="x" * 501)
    assert _action(supervisor, item, practitioner, description="y" * 500).description == "y" * 500
    client.force_login(supervisor)
    due = ahead(7)
    page = client.post(
        reverse("reviews:item", args=[meeting.pk, item.pk]),
        {
            "form": "action",
            "description": "z" * 5000,
            "owner": practitioner.pk,
            "due_on-day": due.day,
            "due_on-month": due.month,
            "due_on-year": due.year,
        },
    ).content.decode()
    assert "There is a problem" in page and "The action must be 500 characters or fewer" in page
    assert item.actions.count() == 1
    # The meeting page lets a long word wrap (it would widen the page on a phone).
    client.force_login(practitioner)
    page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
    assert 'class="govuk-table__cell desist-break-anywhere">' + "y" * 500 in page


def test_an_action_due_before_the_meeting_is_refused(
    client: Any, supervisor: Any, meeting: Any, item: Any, officer: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        _action(supervisor, item, officer, due_on=ago(1))
    assert refused.value.message_dict["due_on"] == [
        "The date the action is due must be on or after the meeting date"
    ]
    assert not Task.objects.exists()
    assert _action(supervisor, item, officer, due_on=meeting.held_on).due_on == meeting.held_on


def test_an_alert_signal_names_the_subject_once(
    supervisor: Any, subject: Any, meeting: Any
) -> None:
    from django.utils import timezone

    from desist.reviews import signals
    from desist.sharing.kinds import EventKind
    from desist.sharing.models import Alert

    for title in (f"Risk disclosed in a session: {subject.full_name}", "Sessions missed"):
        Alert.objects.create(
            kind=EventKind.RISK_DISCLOSURE,
            priority="high",
            recipient=supervisor,
            recipient_organisation=supervisor.organisation,
            subject=subject,
            title=title,
            due_by=timezone.now(),
        )
    titles = sorted(s.title for s in signals.signals_for(actor=supervisor, exclude_keys=set()))
    assert titles == [
        f"Risk disclosed in a session: {subject.full_name}",
        f"Sessions missed: {subject.full_name}",
    ]
