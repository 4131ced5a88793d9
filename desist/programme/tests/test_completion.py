"""Completion as a rule (issue 20): the programme settings say what "completed" means; the
status change is refused short of it; ending an intervention cancels what is still to come,
so it leaves the calendar and the feed; the evaluation counts completers by the same rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.evaluation.programme_source import programme_facts
from desist.programme import actions, completion
from desist.programme.models import Programme, Referral, SessionState
from desist.programme.tests.conftest import S, held_sessions, referral_at

pytestmark = pytest.mark.django_db


def _future(practitioner: Any, referral: Referral, n: int) -> list[Any]:
    base = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0)
    return [
        actions.session_schedule(
            actor=practitioner,
            referral=referral,
            starts_at=base + dt.timedelta(days=7 * (i + 1)),
            remote=True,
            place="",
        )
        for i in range(n)
    ]


def _complete(actor: Any, referral: Referral) -> Any:
    referral.refresh_from_db()
    return actions.referral_transition(
        actor=actor, referral=referral, version=referral.version, target=S.COMPLETED
    )


def test_the_pilot_rule_is_ten_of_twelve_including_maintenance(programme: Programme) -> None:
    rule = completion.programme_rule(programme)
    assert rule == completion.CompletionRule(sessions=10, module="maintenance", partial=6)
    assert programme.versions.get().settings["completion_sessions"] == 10


def test_completing_with_too_few_sessions_is_refused_naming_the_rule_and_the_count(
    active: Referral, practitioner: Any
) -> None:
    held_sessions(practitioner, active, [1, 2, 3])
    with pytest.raises(ValidationError) as exc:
        _complete(practitioner, active)
    [message] = exc.value.message_dict["status"]
    assert "at least 10 sessions attended" in message
    assert "Maintaining non-offending behaviour" in message
    assert "So far 3 sessions have been attended" in message
    active.refresh_from_db()
    assert active.status == S.ACTIVE


def test_ten_sessions_without_the_maintenance_module_do_not_complete(
    active: Referral, practitioner: Any
) -> None:
    held_sessions(practitioner, active, list(range(1, 11)))
    with pytest.raises(ValidationError) as exc:
        _complete(practitioner, active)
    assert (
        "and no Maintaining non-offending behaviour session" in exc.value.message_dict["status"][0]
    )
    held_sessions(practitioner, active, [11], days_ago=50)
    _complete(practitioner, active)
    active.refresh_from_db()
    assert active.status == S.COMPLETED


def test_the_change_page_shows_the_rule_as_an_error(
    client: Any, active: Referral, practitioner: Any
) -> None:
    held_sessions(practitioner, active, [1, 2])
    client.force_login(practitioner)
    response = client.post(
        reverse("programme:change", args=[active.pk, S.COMPLETED]),
        {"version": active.version, "effective_on": timezone.localdate().isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "So far 2 sessions have been attended" in page


@pytest.mark.parametrize(
    ("target", "who", "reason_code"),
    [
        (S.COMPLETED, "practitioner", ""),
        (S.DISENGAGED, "practitioner", "stopped_contact"),
        (S.WITHDRAWN, "clin", "moved_away"),
    ],
)
def test_ending_cancels_future_sessions_and_takes_them_off_the_calendar_and_feed(
    client: Any,
    active: Referral,
    practitioner: Any,
    clin: Any,
    target: str,
    who: str,
    reason_code: str,
) -> None:
    held_sessions(practitioner, active, [1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
    future = _future(practitioner, active, 2)
    token = actions.calendar_token_create(actor=practitioner)
    feed = client.get(reverse("programme:calendar_ics", args=[token])).content.decode()
    assert all(f"programme-session-{s.pk}@" in feed for s in future)

    active.refresh_from_db()
    actions.referral_transition(
        actor=practitioner if who == "practitioner" else clin,
        referral=active,
        version=active.version,
        target=target,
        reason_code=reason_code,
    )
    for s in future:
        s.refresh_from_db()
        assert s.state == SessionState.CANCELLED
        assert s.change_reason.startswith("The intervention ended:")
        event = AuditEvent.objects.get(verb="programme.session_cancel", object_id=str(s.pk))
        assert event.new_values["because"] == "intervention_ended"
        assert event.new_values["referral_status"] == target
    # Past sessions keep their attendance; nothing else was cancelled.
    assert active.sessions.filter(state=SessionState.CANCELLED).count() == 2

    feed = client.get(reverse("programme:calendar_ics", args=[token])).content.decode()
    assert "BEGIN:VCALENDAR" in feed
    assert not any(f"programme-session-{s.pk}@" in feed for s in future)
    client.force_login(practitioner)
    week = timezone.localdate(future[0].starts_at).isoformat()
    page = client.get(reverse("programme:calendar") + f"?week={week}").content.decode()
    assert reverse("programme:session", args=[future[0].pk]) not in page


def test_outcome_completed_partial_or_ended_early() -> None:
    rule = completion.CompletionRule(sessions=10, module="maintenance", partial=6)
    ended = {"status": S.COMPLETED, "started": True}
    assert completion.outcome(rule, **ended, attended=10, modules={"maintenance"}) == "completed"
    # Recorded completed before the rule existed, short of it: not a completer.
    assert completion.outcome(rule, **ended, attended=7, modules={"maintenance"}) == "partial"
    assert completion.outcome(rule, **ended, attended=10, modules={"mindfulness"}) == "partial"
    gone = {"status": S.DISENGAGED, "started": True}
    assert completion.outcome(rule, **gone, attended=11, modules={"maintenance"}) == "partial"
    assert completion.outcome(rule, **gone, attended=5, modules=set()) == "ended_early"
    assert completion.outcome(rule, status=S.ACTIVE, started=True, attended=12, modules=()) == ""
    assert completion.outcome(rule, status=S.WITHDRAWN, started=False, attended=0, modules=()) == ""


def test_the_evaluation_counts_completers_by_the_rule(
    programme: Programme, officer: Any, practitioner: Any
) -> None:
    """A referral recorded as completed with 3 sessions (as the old code allowed) is not in
    the completer cohort; one that met the rule is."""
    short = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    held_sessions(practitioner, short, [1, 2, 3])
    Referral.objects.filter(pk=short.pk).update(status=S.COMPLETED, ended_on=timezone.localdate())
    full = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    held_sessions(practitioner, full, list(range(1, 13)), days_ago=40)
    _complete(practitioner, full)
    facts = programme_facts(subject_ids=[short.subject_id, full.subject_id])
    assert not facts[short.subject_id].completed
    assert facts[short.subject_id].completion == "ended_early"
    assert facts[full.subject_id].completed and facts[full.subject_id].completion == "completed"


def test_a_referral_follows_the_rule_of_the_version_it_started_under(
    programme: Programme, officer: Any, practitioner: Any, users: Any
) -> None:
    referral = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    held_sessions(practitioner, referral, [1, 2, 3, 4, 11])
    programme.refresh_from_db()
    actions.programme_save(
        actor=users["programme_manager"],
        programme=programme,
        version=programme.version,
        name=programme.name,
        provider=programme.provider,
        forces=list(programme.forces.all()),
        capacity=programme.capacity,
        funding=Decimal("98000"),
        sessions=12,
        completion_sessions=5,
        completion_module="maintenance",
        partial_sessions=2,
    )
    with pytest.raises(ValidationError):
        _complete(practitioner, referral)  # started under 10 of 12
    Referral.objects.filter(pk=referral.pk).update(
        programme_version=programme.versions.order_by("-number").first()
    )
    _complete(practitioner, referral)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"completion_sessions": 13}, "completion_sessions", "between 1 and 12"),
        ({"completion_sessions": 0}, "completion_sessions", "between 1 and 12"),
        ({"partial_sessions": 10}, "partial_sessions", "fewer than the 10 needed"),
        ({"completion_module": "maintenance", "modules": ["formulation", "mindfulness"]}, "", ""),
    ],
)
def test_settings_check_the_rule(
    users: Any, orgs: Any, partnership: Any, values: dict[str, Any], field: str, message: str
) -> None:
    kwargs: dict[str, Any] = {
        "actor": users["programme_manager"],
        "name": "Rule check",
        "provider": orgs["provider"],
        "forces": [orgs["police_force"]],
        "capacity": 30,
        "funding": Decimal("0"),
        "sessions": 12,
        "completion_sessions": 10,
        "completion_module": "maintenance",
        "partial_sessions": 6,
    }
    if not field:  # a module the plan does not teach cannot be required
        with pytest.raises(ValidationError) as exc:
            actions.programme_save(**(kwargs | values))
        assert "which this plan no longer has" in exc.value.message_dict["completion_module"][0]
        return
    with pytest.raises(ValidationError) as exc:
        actions.programme_save(**(kwargs | values))
    assert message in exc.value.message_dict[field][0]
