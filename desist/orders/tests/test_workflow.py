"""The transition table: every pair of statuses, every role, through the rule and the service."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders import actions as services
from desist.orders import workflow
from desist.orders.models import ENDED_STATUSES, Order, OrderStatus, OrderStatusChange
from desist.orders.tests.helpers import COURT, ago, ahead, counts, fresh
from desist.orders.workflow import NEW, TRANSITIONS, TransitionError

R = RoleCode
S = OrderStatus
POLICE = (R.POLICE_OFFICER, R.POLICE_SUPERVISOR)
_seq = itertools.count(1)

# The table, written out again by hand: changing the rules means changing this on purpose.
EXPECTED: dict[tuple[str, str], tuple[set[RoleCode], bool]] = {
    (NEW, S.APPLIED): ({*POLICE}, False),
    (S.APPLIED, S.INTERIM): ({*POLICE}, False),
    (S.APPLIED, S.FULL): ({*POLICE}, False),
    (S.APPLIED, S.REFUSED): ({*POLICE}, True),
    (S.APPLIED, S.WITHDRAWN): ({R.POLICE_SUPERVISOR}, True),
    (S.INTERIM, S.FULL): ({*POLICE}, False),
    (S.INTERIM, S.REFUSED): ({*POLICE}, True),
    (S.INTERIM, S.WITHDRAWN): ({R.POLICE_SUPERVISOR}, True),
    (S.INTERIM, S.EXPIRED): ({*POLICE}, False),
    (S.INTERIM, S.DISCHARGED): ({*POLICE}, True),
    (S.FULL, S.EXPIRED): ({*POLICE}, False),
    (S.FULL, S.DISCHARGED): ({*POLICE}, True),
    (S.REFUSED, S.FULL): ({*POLICE}, True),
}
SOURCES = [NEW, *S.values]
PAIRS = [(a, b) for a in SOURCES for b in S.values]


def test_table_is_pinned() -> None:
    assert {
        (t.source, t.target): (set(t.roles), t.reason_required) for t in TRANSITIONS
    } == EXPECTED


def test_status_values_are_the_ones_other_apps_rely_on() -> None:
    assert S.values == [
        "applied",
        "interim",
        "full",
        "refused",
        "withdrawn",
        "expired",
        "discharged",
    ]


def test_ended_statuses_have_no_way_out() -> None:
    # Except a refusal overturned on appeal, when the Crown Court makes the full order.
    for t in TRANSITIONS:
        assert t.source not in ENDED_STATUSES or (t.source, t.target) == (S.REFUSED, S.FULL)


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a or 'new'}->{b}" for a, b in PAIRS])
def test_rule_for_every_pair_and_role(source: str, target: str) -> None:
    expected = EXPECTED.get((source, target))
    for role in RoleCode:
        allowed = expected is not None and role in expected[0]
        if allowed:
            rule = workflow.check_transition(
                role_codes=[role.value], source=source, target=target, reason="because"
            )
            assert (rule.source, rule.target) == (source, target)
            assert target in workflow.allowed_targets([role.value], source)
            continue
        with pytest.raises(TransitionError) as caught:
            workflow.check_transition(
                role_codes=[role.value], source=source, target=target, reason="because"
            )
        message = caught.value.message_dict["status"][0]
        if expected is None:
            assert "cannot be changed to" in message or "already" in message
        else:
            who = " or ".join(sorted(r.label.lower() for r in expected[0]))
            assert message.startswith(f"Only a {who} can record this change")
        assert target not in workflow.allowed_targets([role.value], source)


def test_messages_are_clear() -> None:
    with pytest.raises(TransitionError) as caught:
        workflow.check_transition(
            role_codes=["police_officer"], source=S.FULL, target=S.APPLIED, reason=""
        )
    assert caught.value.message_dict == {
        "status": [
            "An order with the status 'Full order' cannot be changed to "
            "'Application awaiting hearing'"
        ]
    }
    with pytest.raises(TransitionError) as caught:
        workflow.check_transition(
            role_codes=["police_officer"], source=S.APPLIED, target=S.WITHDRAWN, reason="x"
        )
    assert caught.value.message_dict == {
        "status": ["Only a police supervisor can record this change (application withdrawn)"]
    }
    with pytest.raises(TransitionError) as caught:
        workflow.check_transition(
            role_codes=["police_supervisor"], source=S.APPLIED, target=S.WITHDRAWN, reason=" "
        )
    assert caught.value.message_dict == {"reason": ["Enter the reason for this change"]}
    with pytest.raises(TransitionError) as caught:
        workflow.check_transition(
            role_codes=["police_officer"], source=S.FULL, target=S.FULL, reason=""
        )
    assert caught.value.message_dict == {"status": ["The order's status is already 'Full order'"]}


# --- through the one service ------------------------------------------------------------------


def _order_in(status: str, force: Any, subject: Any) -> Order:
    fields: dict[str, Any] = {}
    if status in (S.INTERIM, S.FULL) or status in ENDED_STATUSES:
        fields.update(interim_made_on=ago(90), interim_expires_on=ahead(100))
    if status == S.FULL:
        fields.update(full_made_on=ago(80), full_ends_on=ahead(700))
    if status in ENDED_STATUSES:
        fields.update(ended_on=ago(10))
    return Order.objects.create(
        force=force,
        subject=subject,
        applying_force=force,
        reference=f"T-{next(_seq)}",
        status=status,
        application_date=ago(100),
        court=COURT,
        **fields,
    )


SERVICE_PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(
    ("source", "target"), SERVICE_PAIRS, ids=[f"{a}->{b}" for a, b in SERVICE_PAIRS]
)
def test_service_enforces_every_pair_by_role(
    source: str, target: str, users: dict[RoleCode, Any], force: Any, subject: Any
) -> None:
    expected = EXPECTED.get((source, target))
    for role in POLICE:
        order = _order_in(source, force, subject)
        before = counts()
        allowed = expected is not None and role in expected[0]
        if not allowed:
            with pytest.raises(TransitionError):
                services.order_transition(
                    actor=users[role],
                    order=order,
                    version=order.version,
                    to_status=target,
                    effective_on=ago(1),
                    reason="The court's decision",
                )
            assert counts() == before, (source, target, role)
            assert fresh(order).status == source
            continue
        change = services.order_transition(
            actor=users[role],
            order=order,
            version=order.version,
            to_status=target,
            effective_on=ago(1),
            reason="The court's decision",
        )
        saved = fresh(order)
        assert saved.status == target and saved.version == 2
        assert (change.from_status, change.to_status) == (source, target)
        assert change.changed_by == users[role] and change.effective_on == ago(1)
        if target in ENDED_STATUSES:
            assert saved.ended_on == ago(1)
        event = AuditEvent.objects.filter(verb="order.status_change").latest("id")
        assert event.object_id == str(order.pk)
        assert event.old_values["status"] == source and event.new_values["status"] == target
        assert "The court's decision" not in str(event.new_values)
        after = counts()
        assert after["OrderStatusChange"] == before["OrderStatusChange"] + 1
        assert after["AuditEvent"] == before["AuditEvent"] + 1


@pytest.mark.parametrize("role", [r for r in RoleCode if r not in POLICE])
def test_other_roles_cannot_change_status(
    role: RoleCode, users: dict[RoleCode, Any], force: Any, subject: Any
) -> None:
    order = _order_in(S.APPLIED, force, subject)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.order_transition(
            actor=users[role],
            order=order,
            version=order.version,
            to_status=S.REFUSED,
            effective_on=ago(1),
            reason="x",
        )
    assert counts() == before


def test_reason_required_by_the_table(supervisor: Any, force: Any, subject: Any) -> None:
    order = _order_in(S.APPLIED, force, subject)
    before = counts()
    with pytest.raises(TransitionError) as caught:
        services.order_transition(
            actor=supervisor,
            order=order,
            version=order.version,
            to_status=S.WITHDRAWN,
            effective_on=ago(1),
        )
    assert caught.value.message_dict == {"reason": ["Enter the reason for this change"]}
    assert counts() == before


def test_effective_date_rules(officer: Any, force: Any, subject: Any) -> None:
    order = _order_in(S.APPLIED, force, subject)
    before = counts()
    for when, message in [
        (None, "Enter the date of the change"),
        (ahead(1), "The date of the change must be today or in the past"),
        (
            ago(101),
            "The date of the change must be the same as or after the date of the application",
        ),
    ]:
        with pytest.raises(Exception) as caught:
            services.order_transition(
                actor=officer,
                order=order,
                version=order.version,
                to_status=S.REFUSED,
                effective_on=when,
                reason="x",
            )
        assert caught.value.message_dict["effective_on"][0].startswith(message)  # type: ignore[attr-defined]
    assert counts() == before
    assert OrderStatusChange.objects.filter(order=order).count() == 0


# --- the diagram --------------------------------------------------------------------------------


def test_table_is_acyclic_and_diagram_shows_everything() -> None:
    assert workflow.is_acyclic()
    svg = workflow.diagram_svg()
    assert svg.startswith("<svg") and " style=" not in svg and "<script" not in svg
    for status in S:
        assert f">{status.label}</text>" in svg
    for n, t in enumerate(TRANSITIONS, 1):
        assert f"<title>{n}. {t.label}</title>" in svg
    assert svg.count('stroke-dasharray="6 4"') == 2  # the supervisor-only withdrawals
    dot = workflow.diagram_dot()
    for t in TRANSITIONS:
        assert f"  {t.source or 'new'} -> {t.target} " in dot


def test_committed_docs_match_the_table() -> None:
    """docs/workflows/spo-lifecycle.{svg,md} are generated; regenerate them with
    `desist orders_workflow_docs` after changing the table."""
    call_command("orders_workflow_docs", "--check")
