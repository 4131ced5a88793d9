"""The referral transition table: every pair of statuses, every role, through the rule and
the one service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from desist.core.roles import RoleCode
from desist.programme import actions, suitability, workflow
from desist.programme.models import Programme, Referral, ReferralStatus, ReferralStatusChange
from desist.programme.tests.conftest import COMPLETING_SLOTS, held_sessions, referral_at
from desist.programme.workflow import NEW, TRANSITIONS, TransitionError

R = RoleCode
S = ReferralStatus
POLICE = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}
CLIN = {R.PRACTITIONER, R.CLINICAL_SUPERVISOR}
CS = {R.CLINICAL_SUPERVISOR}

# The table, written out again by hand: changing the rules means changing this on purpose.
EXPECTED: dict[tuple[str, str], tuple[set[RoleCode], bool]] = {
    (NEW, S.PUT_FORWARD): (POLICE, False),
    (S.PUT_FORWARD, S.RECEIVED): (CS, False),
    (S.PUT_FORWARD, S.WITHDRAWN): (POLICE | CS, True),
    (S.RECEIVED, S.ALLOCATED): (CS, False),
    (S.RECEIVED, S.WITHDRAWN): (POLICE | CS, True),
    (S.ALLOCATED, S.SUITABLE): (CLIN, False),
    (S.ALLOCATED, S.WAITING): (CLIN, False),
    (S.ALLOCATED, S.NOT_SUITABLE): (CLIN, True),
    (S.ALLOCATED, S.NOT_READY): (CLIN, True),
    (S.ALLOCATED, S.WITHDRAWN): (POLICE | CS, True),
    (S.NOT_READY, S.SUITABLE): (CLIN, False),
    (S.NOT_READY, S.WAITING): (CLIN, False),
    (S.NOT_READY, S.NOT_SUITABLE): (CLIN, True),
    (S.NOT_READY, S.WITHDRAWN): (POLICE | CS, True),
    (S.WAITING, S.SUITABLE): (CS, False),
    (S.WAITING, S.NOT_SUITABLE): (CLIN, True),
    (S.WAITING, S.WITHDRAWN): (POLICE | CS, True),
    (S.SUITABLE, S.CONSENTED): (CLIN, False),
    (S.SUITABLE, S.DECLINED): (CLIN, True),
    (S.CONSENTED, S.ACTIVE): (CLIN, False),
    (S.CONSENTED, S.WITHDRAWN): (POLICE | CS, True),
    (S.ACTIVE, S.COMPLETED): (CLIN, False),
    (S.ACTIVE, S.DISENGAGED): (CLIN, True),
    (S.ACTIVE, S.WITHDRAWN): (POLICE | CS, True),
    (S.ACTIVE, S.EXCLUDED): (CS, True),
}
SOURCES = [NEW, *S.values]


def test_table_is_pinned() -> None:
    assert {
        (t.source, t.target): (set(t.roles), t.reason_required) for t in TRANSITIONS
    } == EXPECTED


def test_table_is_acyclic_and_every_status_reachable() -> None:
    assert workflow.is_acyclic()
    assert {t.target for t in TRANSITIONS} == set(S.values)


def test_every_reason_required_change_has_coded_reasons() -> None:
    for t in TRANSITIONS:
        if t.reason_required:
            assert workflow.REASONS[t.target], t


def test_rule_for_every_pair_and_role() -> None:
    """Pure rule: every (from, to, role). Allowed ones pass; others fail with a clear message."""
    for source in SOURCES:
        for target in S.values:
            for role in RoleCode:
                expected = EXPECTED.get((source, target))
                code = workflow.REASONS.get(target, [("", "")])[0][0]
                if expected and role in expected[0]:
                    workflow.check_transition(
                        role_codes=[role], source=source, target=target, reason_code=code
                    )
                    continue
                with pytest.raises(TransitionError) as exc:
                    workflow.check_transition(
                        role_codes=[role], source=source, target=target, reason_code=code
                    )
                message = exc.value.message_dict["status"][0]
                if expected is None:
                    assert "cannot be changed" in message or "already" in message, message
                else:
                    assert message.startswith("Only a "), message


def test_reason_required_is_enforced() -> None:
    with pytest.raises(TransitionError) as exc:
        workflow.check_transition(
            role_codes=[R.PRACTITIONER], source=S.ALLOCATED, target=S.NOT_SUITABLE, reason_code=""
        )
    assert exc.value.message_dict["reason_code"] == ["Select the reason for this change"]
    with pytest.raises(TransitionError):
        workflow.check_transition(
            role_codes=[R.PRACTITIONER],
            source=S.ALLOCATED,
            target=S.NOT_SUITABLE,
            reason_code="custody",
        )


def _kwargs(
    t: workflow.Transition, referral: Referral, programme: Programme, users: dict[RoleCode, Any]
) -> dict[str, Any]:
    kw: dict[str, Any] = {"target": t.target, "version": referral.version}
    if t.reason_required:
        kw["reason_code"] = workflow.REASONS[t.target][0][0]
    if t.target == S.ALLOCATED:
        kw["practitioner"] = users[R.PRACTITIONER]
    if t.target == S.CONSENTED:
        kw["sharing_explained"] = "Attendance is shared with the police; notes are not."
        kw["attendance_required_by_order"] = True
    return kw


def _assess(actor: Any, referral: Referral, kwargs: dict[str, Any]) -> Any:
    """The assessment whose outcome leads to the change's target."""
    outcome = suitability.SUITABLE if kwargs["target"] == S.WAITING else kwargs["target"]
    reason_code = kwargs.get("reason_code", "")
    return actions.referral_assess(
        actor=actor,
        referral=referral,
        version=kwargs["version"],
        outcome=outcome,
        answers=suitability.answers_for(outcome, reason_code),
        reason_code=reason_code,
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )


def _fill(programme: Programme, officer: Any) -> None:
    """Take every place so that a newly suitable person must wait."""
    Programme.objects.filter(pk=programme.pk).update(capacity=1)
    programme.capacity = 1
    referral_at(programme, officer, S.ACTIVE)


@pytest.mark.parametrize(
    "t", [t for t in TRANSITIONS if t.source], ids=lambda t: f"{t.source}->{t.target}"
)
def test_service_allows_exactly_the_table(
    t: workflow.Transition, programme: Programme, users: dict[RoleCode, Any], officer: Any
) -> None:
    if t.target == S.WAITING:
        _fill(programme, officer)
    for role in RoleCode:
        referral = referral_at(programme, officer, t.source, practitioner=users[R.PRACTITIONER])
        # Earlier people left waiting by refused attempts would be ahead in the queue.
        Referral.objects.filter(programme=programme, status=S.WAITING).exclude(
            pk=referral.pk
        ).update(status=S.WITHDRAWN)
        actor = users[role]
        if t.target == S.COMPLETED and role in t.roles:
            held_sessions(users[R.PRACTITIONER], referral, COMPLETING_SLOTS)
            referral.refresh_from_db()
        kwargs = _kwargs(t, referral, programme, users)
        # The assessment's changes go through its own door, with answers.
        change_by = _assess if (t.source, t.target) in workflow.ASSESSMENT_CHANGES else None
        if role in t.roles:
            if change_by is not None:
                change = change_by(actor, referral, kwargs).status_change
            else:
                change = actions.referral_transition(actor=actor, referral=referral, **kwargs)
            referral.refresh_from_db()
            assert referral.status == t.target, role
            assert change.from_status == t.source and change.changed_by == actor
            continue
        with pytest.raises((TransitionError, PermissionDenied)) as exc:
            if change_by is not None:
                change_by(actor, referral, kwargs)
            else:
                actions.referral_transition(actor=actor, referral=referral, **kwargs)
        if isinstance(exc.value, TransitionError):
            assert exc.value.message_dict["status"][0].startswith("Only a "), role
        referral.refresh_from_db()
        assert referral.status == t.source


@pytest.mark.parametrize("source", S.values)
def test_service_refuses_pairs_not_in_the_table(
    source: str, programme: Programme, users: dict[RoleCode, Any], officer: Any
) -> None:
    referral = referral_at(programme, officer, source, practitioner=users[R.PRACTITIONER])
    before = ReferralStatusChange.objects.filter(referral=referral).count()
    for target in S.values:
        if (source, target) in EXPECTED:
            continue
        with pytest.raises(TransitionError) as exc:
            actions.referral_transition(
                actor=users[R.CLINICAL_SUPERVISOR],
                referral=referral,
                version=referral.version,
                target=target,
                reason_code=workflow.REASONS.get(target, [("", "")])[0][0],
            )
        assert exc.value.message_dict["status"][0]
    assert ReferralStatusChange.objects.filter(referral=referral).count() == before


def test_docs_match_the_table() -> None:
    from desist.programme.management.commands.programme_workflow_docs import doc_files

    for path, text in doc_files(Path(settings.BASE_DIR)).items():
        assert path.read_text() == text, (
            f"{path} is out of date: run `desist programme_workflow_docs`"
        )


def test_diagram_is_csp_safe_and_numbered() -> None:
    svg = workflow.diagram_svg()
    assert "style=" not in svg and "<script" not in svg
    for n in range(1, len(TRANSITIONS) + 1):
        assert f">{n}</text>" in svg
