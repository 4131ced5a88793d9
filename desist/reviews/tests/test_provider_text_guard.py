"""The provider-visible text of a case review (provider-safe minutes, the wording of actions
owned outside the police) is guarded against the victims of every subject on the agenda: it
waits for a subject, a subject added later re-checks what was written, and signing checks it
all again (tester findings 1 and 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.orders.tests.helpers import ahead
from desist.reviews import services
from desist.reviews.models import ReviewAction, ReviewMinutes
from desist.sharing.redaction import RedactionBlocked
from desist.tasks.models import Task

LEAKY = "Philippa Quorndon-Zeal, 17 Wisteria Crescent, BN3 7QZ, 07700 900461"
SAFE = "Sessions to focus on fixation and rumination"


def _section(meeting: Any) -> ReviewMinutes:
    return ReviewMinutes.objects.get(meeting=meeting, visibility="provider")


def _write(actor: Any, meeting: Any, text: str) -> None:
    section = _section(meeting)
    services.minutes_write(actor=actor, section=section, text=text, version=section.version)


def _no_subject_item(actor: Any, meeting: Any) -> Any:
    return services.item_add(actor=actor, meeting=meeting, title="General matters", subject=None)


def test_provider_safe_minutes_wait_for_a_subject_on_the_agenda(
    client: Any, supervisor: Any, meeting: Any
) -> None:
    with pytest.raises(ValidationError, match="Add the people discussed to the agenda"):
        _write(supervisor, meeting, LEAKY)
    _no_subject_item(supervisor, meeting)
    with pytest.raises(ValidationError, match="Add the people discussed to the agenda"):
        _write(supervisor, meeting, SAFE)
    client.force_login(supervisor)
    section = _section(meeting)
    response = client.post(
        reverse("reviews:minutes", args=[meeting.pk, "provider"]),
        {"text": LEAKY, "version": section.version},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Add the people discussed to the agenda before writing provider-safe minutes" in page
    assert _section(meeting).text == ""
    # Police-only and advocacy minutes are not read by the provider: they need no subject.
    for visibility in ("police", "advocacy"):
        section = ReviewMinutes.objects.get(meeting=meeting, visibility=visibility)
        services.minutes_write(
            actor=supervisor, section=section, text=LEAKY, version=section.version
        )


def test_provider_safe_minutes_are_guarded_against_every_subject_on_the_agenda(
    supervisor: Any, meeting: Any, subject: Any, orgs: dict[str, Any]
) -> None:
    from desist.orders.tests.helpers import make_subject

    other = make_subject(orgs["police_force"])  # no victims of their own
    services.item_add(actor=supervisor, meeting=meeting, title="Other", subject=other)
    services.item_add(actor=supervisor, meeting=meeting, title="Main", subject=subject)
    for text in ("Philippa Quorndon-Zeal", "BN3 7QZ", "call 07700 900461", "17 Wisteria Crescent"):
        with pytest.raises(RedactionBlocked):
            _write(supervisor, meeting, text)
    _write(supervisor, meeting, SAFE)
    assert _section(meeting).text == SAFE


def test_a_subject_added_later_rechecks_what_the_provider_reads(
    client: Any, supervisor: Any, meeting: Any, subject: Any, practitioner: Any, orgs: Any
) -> None:
    from desist.orders.tests.helpers import make_subject

    # Written while only a victimless subject was on the agenda: the guard had nothing to match.
    other = make_subject(orgs["police_force"])
    item = services.item_add(actor=supervisor, meeting=meeting, title="Other", subject=other)
    _write(supervisor, meeting, "Visit at 17 Wisteria Crescent")
    services.action_add(
        actor=supervisor,
        item=item,
        description="Ring Philippa on 07700 900461",
        owner_id=practitioner.pk,
        due_on=ahead(3),
    )
    with pytest.raises(ValidationError) as refused:
        services.item_add(actor=supervisor, meeting=meeting, title="Main", subject=subject)
    messages = refused.value.message_dict["subject"]
    assert any("provider-safe minutes" in m for m in messages)
    assert any("Ring Philippa" in m for m in messages)
    assert not meeting.items.filter(subject=subject).exists()
    assert AuditEvent.objects.filter(verb="redaction.blocked").exists()
    # The same through the page: the form says what to change.
    client.force_login(supervisor)
    response = client.post(
        reverse("reviews:item_new", args=[meeting.pk]), {"title": "Main", "subject": subject.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Change the provider-safe minutes before adding this subject" in page
    # Once changed, the subject may be added.
    _write(supervisor, meeting, SAFE)
    ReviewAction.objects.all().delete()  # stand-in for a changed action: none may be edited
    services.item_add(actor=supervisor, meeting=meeting, title="Main", subject=subject)
    assert meeting.items.filter(subject=subject).exists()


def test_signing_rechecks_everything_the_provider_reads(
    client: Any, supervisor: Any, meeting: Any, item: Any, practitioner: Any
) -> None:
    _write(supervisor, meeting, SAFE)
    services.action_add(
        actor=supervisor,
        item=item,
        description="Offer an extra session",
        owner_id=practitioner.pk,
        due_on=ahead(3),
    )
    # A victim linked to the subject after the text was saved, whom the text names.
    from desist.orders.tests.helpers import make_victim

    make_victim(item.subject.cases.first(), first_names="Rosalind", last_name="Extraordinary")
    section = _section(meeting)
    ReviewMinutes.objects.filter(pk=section.pk).update(text="Rosalind Extraordinary is scared")
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="Change the provider-safe minutes before signing"):
        services.meeting_sign(actor=supervisor, meeting=meeting, version=meeting.version)
    client.force_login(supervisor)
    response = client.post(
        reverse("reviews:sign", args=[meeting.pk]), {"version": meeting.version}, follow=True
    )
    assert "Change the provider-safe minutes before signing" in response.content.decode()
    meeting.refresh_from_db()
    assert not meeting.signed
    _write(supervisor, meeting, SAFE)
    services.meeting_sign(actor=supervisor, meeting=meeting, version=meeting.version)
    meeting.refresh_from_db()
    assert meeting.signed


def test_an_action_outside_the_police_waits_for_a_subject(
    client: Any, supervisor: Any, meeting: Any, practitioner: Any, advocate: Any, officer: Any
) -> None:
    item = _no_subject_item(supervisor, meeting)
    for owner in (practitioner, advocate):
        with pytest.raises(ValidationError, match="Add the people discussed to the agenda"):
            services.action_add(
                actor=supervisor,
                item=item,
                description=LEAKY,
                owner_id=owner.pk,
                due_on=ahead(3),
            )
    assert not Task.objects.exists()
    # A police owner's action is never read outside the force.
    services.action_add(
        actor=supervisor, item=item, description=LEAKY, owner_id=officer.pk, due_on=ahead(3)
    )
    client.force_login(supervisor)
    response = client.post(
        reverse("reviews:item", args=[meeting.pk, item.pk]),
        {
            "form": "action",
            "description": LEAKY,
            "owner": practitioner.pk,
            "due_on-day": ahead(3).day,
            "due_on-month": ahead(3).month,
            "due_on-year": ahead(3).year,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Add the people discussed to the agenda" in page
    assert not Task.objects.filter(assignee=practitioner).exists()


def test_an_action_on_a_no_subject_item_is_guarded_against_the_agendas_subjects(
    client: Any, supervisor: Any, meeting: Any, item: Any, practitioner: Any
) -> None:
    general = _no_subject_item(supervisor, meeting)
    for text in ("Tell Philippa Quorndon-Zeal", "Ring 07700 900461", "Go to BN3 7QZ"):
        with pytest.raises(RedactionBlocked):
            services.action_add(
                actor=supervisor,
                item=general,
                description=text,
                owner_id=practitioner.pk,
                due_on=ahead(3),
            )
    assert not Task.objects.exists()
    client.force_login(practitioner)
    page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
    assert "Quorndon-Zeal" not in page and "900461" not in page


def test_the_providers_page_withholds_wording_that_matches_a_victim_linked_since(
    client: Any, supervisor: Any, meeting: Any, item: Any, practitioner: Any, advocate: Any
) -> None:
    from django.utils.html import escape

    from desist.orders.tests.helpers import make_victim
    from desist.sharing.shown import WITHHELD_TEXT

    _write(supervisor, meeting, "Rosalind Extraordinary is scared")
    services.action_add(
        actor=supervisor,
        item=item,
        description="Ask about Rosalind Extraordinary",
        owner_id=practitioner.pk,
        due_on=ahead(3),
    )
    services.meeting_sign(actor=supervisor, meeting=meeting, version=meeting.version)
    # A victim linked to the subject after the signature, whom the wording names.
    make_victim(item.subject.cases.first(), first_names="Rosalind", last_name="Extraordinary")
    client.force_login(practitioner)
    page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
    assert "Extraordinary" not in page
    assert page.count(escape(WITHHELD_TEXT)) == 2
    assert AuditEvent.objects.filter(verb="redaction.withheld_on_display").count() == 2
    assert _section(meeting).text == "Rosalind Extraordinary is scared"  # only the page's copy
    # Police and advocacy read the wording as written.
    for reader in (supervisor, advocate):
        client.force_login(reader)
        page = client.get(reverse("reviews:meeting", args=[meeting.pk])).content.decode()
        assert "Rosalind Extraordinary is scared" in page
