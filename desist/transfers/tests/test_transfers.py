"""Transfers between forces (issue 19): nothing moves until the receiving force accepts; then
the file moves in one transaction and the sending force keeps a read-only history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist import policy
from desist.audit.models import AuditEvent
from desist.cases import ownership
from desist.cases.models import Case
from desist.core.roles import RoleCode
from desist.orders.actions.ownership import order_assign
from desist.orders.models import Order
from desist.orders.tests.helpers import ago, applied, full, make_case, make_subject, make_victim
from desist.people.models import Subject
from desist.policy import Perm
from desist.safeguarding.models import Victim
from desist.tasks.models import Task, TaskStatus
from desist.transfers import services
from desist.transfers.models import ForceTransfer, TransferredRecord, TransferStatus

R = RoleCode


@dataclass
class World:
    sending: Any
    receiving: Any
    third: Any
    officer: Any
    supervisor: Any
    their_officer: Any
    their_supervisor: Any
    their_second_supervisor: Any
    third_officer: Any
    third_supervisor: Any
    subject: Subject
    case: Case
    order: Order
    victim: Victim
    task: Task


@pytest.fixture
def world(orgs: dict[str, Any], make_org: Any, make_user: Any) -> World:
    sending, receiving = orgs["police_force"], orgs["other_police_force"]
    third = make_org(name="Third force")
    officer = make_user(R.POLICE_OFFICER, organisation=sending)
    supervisor = make_user(R.POLICE_SUPERVISOR, organisation=sending)
    subject = make_subject(sending)
    case = make_case(subject)
    victim = make_victim(case)
    order = full(officer, subject, made=ago(100), case=case)
    order = Order.objects.get(pk=order.pk)
    order_assign(actor=supervisor, order=order, version=order.version, officer_id=officer.pk)
    task = Task.objects.create(
        force=sending, order=order, title="Check notification", due_on=ago(-5), assignee=officer
    )
    return World(
        sending=sending,
        receiving=receiving,
        third=third,
        officer=officer,
        supervisor=supervisor,
        their_officer=make_user(R.POLICE_OFFICER, organisation=receiving),
        their_supervisor=make_user(R.POLICE_SUPERVISOR, organisation=receiving),
        their_second_supervisor=make_user(R.POLICE_SUPERVISOR, organisation=receiving),
        third_officer=make_user(R.POLICE_OFFICER, organisation=third),
        third_supervisor=make_user(R.POLICE_SUPERVISOR, organisation=third),
        subject=subject,
        case=case,
        order=order,
        victim=victim,
        task=task,
    )


def _propose(w: World) -> ForceTransfer:
    return services.transfer_propose(
        actor=w.supervisor,
        subject=w.subject,
        to_force_id=w.receiving.pk,
        reason="Moved to the receiving force's area to live with family.",
        new_area="Guildford",
    )


def _accepted(w: World) -> ForceTransfer:
    transfer = _propose(w)
    return services.transfer_accept(
        actor=w.their_supervisor, transfer=transfer, version=transfer.version
    )


def _forces(w: World) -> dict[str, int]:
    return {
        "subject": Subject.objects.get(pk=w.subject.pk).force_id,
        "case": Case.objects.get(pk=w.case.pk).force_id,
        "order": Order.objects.get(pk=w.order.pk).force_id,
        "victim": Victim.objects.get(pk=w.victim.pk).force_id or 0,
    }


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


# --- proposing: nothing moves --------------------------------------------------------------


def test_a_proposal_moves_nothing_and_shows_the_receiving_force_only_the_summary(
    client: Any, world: World
) -> None:
    w = world
    transfer = _propose(w)
    assert transfer.status == TransferStatus.PENDING
    assert set(_forces(w).values()) == {w.sending.pk}
    assert "transfer.propose" in _verbs()
    client.force_login(w.their_supervisor)
    page = client.get(reverse("transfers:detail", args=[transfer.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert w.order.reference in body and w.case.crime_reference in body
    assert "Guildford" in body
    # The summary, never the case itself: the record pages are not theirs yet.
    for url in (
        reverse("people:detail", args=[w.subject.pk]),
        reverse("cases:detail", args=[w.case.pk]),
        reverse("orders:detail", args=[w.order.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert not policy.can(
        w.their_supervisor, Perm.VICTIM_IDENTITY_VIEW, Victim.objects.get(pk=w.victim.pk)
    )
    # The home page queue lists it.
    home = client.get(reverse("core:home")).content.decode()
    assert "Transfers to accept" in home and w.subject.full_name in home
    assert AuditEvent.objects.filter(verb="transfer.view", actor_id=w.their_supervisor.pk).exists()


@pytest.mark.parametrize(
    ("to", "reason", "field", "message"),
    [
        (None, "Moved.", "to_force", services.FORCE_REQUIRED),
        ("own", "Moved.", "to_force", services.FORCE_SAME),
        ("other", "  ", "reason", services.REASON_REQUIRED),
        ("other", "x", "reason", services.REASON_SHORT),
        ("other", "1234567890 .", "reason", services.REASON_SHORT),
    ],
)
def test_a_proposal_is_validated(
    world: World, to: Any, reason: str, field: str, message: str
) -> None:
    w = world
    force_id = {None: None, "own": w.sending.pk, "other": w.receiving.pk}[to]
    with pytest.raises(ValidationError) as exc:
        services.transfer_propose(
            actor=w.supervisor, subject=w.subject, to_force_id=force_id, reason=reason
        )
    assert exc.value.message_dict[field] == [message]
    assert not ForceTransfer.objects.exists()


def test_an_application_awaiting_its_hearing_blocks_a_transfer(world: World) -> None:
    w = world
    pending = applied(w.officer, w.subject)
    with pytest.raises(ValidationError) as exc:
        _propose(w)
    assert f"Order application {pending.reference} is awaiting a hearing" in str(exc.value)


def test_one_waiting_transfer_per_subject(world: World) -> None:
    _propose(world)
    with pytest.raises(ValidationError, match="already waiting"):
        _propose(world)


def test_the_form_shows_gov_uk_errors(client: Any, world: World) -> None:
    client.force_login(world.supervisor)
    url = reverse("transfers:propose", args=[world.subject.pk])
    body = client.post(url, {"to_force": "", "reason": ""}).content.decode()
    assert "govuk-error-summary" in body
    assert "Select the force the subject has moved to" in body
    assert "Enter why the subject&#x27;s file is being transferred" in body


# --- accepting: the file moves in one transaction ------------------------------------------


def test_accepting_moves_the_file_and_its_open_work(world: World) -> None:
    w = world
    transfer = _accepted(w)
    assert transfer.status == TransferStatus.ACCEPTED
    assert set(_forces(w).values()) == {w.receiving.pk}
    order = Order.objects.get(pk=w.order.pk)
    assert order.officer_in_charge_id is None and order.version > w.order.version
    task = Task.objects.get(pk=w.task.pk)
    assert (task.force_id, task.assignee_id, task.status) == (w.receiving.pk, None, TaskStatus.OPEN)
    moved = set(TransferredRecord.objects.values_list("record_type", "record_id"))
    assert moved == {
        ("people.Subject", w.subject.pk),
        ("cases.Case", w.case.pk),
        ("orders.Order", w.order.pk),
    }
    verbs = _verbs()
    assert "transfer.accept" in verbs and "subject.transfer" in verbs
    accept = AuditEvent.objects.get(verb="transfer.accept")
    # Ids only in the audit row: no victim's name.
    assert "Quorndon" not in str(accept.new_values)


def test_a_victim_the_sending_force_still_needs_stays_with_it(world: World) -> None:
    w = world
    other_case = make_case(make_subject(w.sending))
    other_case.victims.add(w.victim)
    _accepted(w)
    assert Victim.objects.get(pk=w.victim.pk).force_id == w.sending.pk
    assert Case.objects.get(pk=w.case.pk).force_id == w.receiving.pk


def test_the_sending_force_reads_the_history_with_a_banner_and_no_edit_buttons(
    client: Any, world: World
) -> None:
    w = world
    _accepted(w)
    client.force_login(w.officer)
    for name, pk in (
        ("people:detail", w.subject.pk),
        ("cases:detail", w.case.pk),
        ("orders:detail", w.order.pk),
    ):
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert f"Transferred to {w.receiving.name} on" in body, name
        assert "You can read it but not change it" in body
        for editing in ("/edit/", "/assign/", "/close/", "Record a case", "Record an SPO"):
            assert editing not in body, (name, editing)
    # Lists are the force's own work: the moved records are gone from them.
    assert w.order.reference not in client.get(reverse("orders:list")).content.decode()
    # Victims' details are the owning force's now.
    assert not policy.can(w.officer, Perm.VICTIM_IDENTITY_VIEW, Victim.objects.get(pk=w.victim.pk))
    body = client.get(reverse("cases:detail", args=[w.case.pk])).content.decode()
    assert "Quorndon" not in body
    # Each read is audited as any other.
    assert AuditEvent.objects.filter(verb="order.view", actor_id=w.officer.pk).exists()


def test_the_receiving_force_manages_the_order(client: Any, world: World) -> None:
    w = world
    _accepted(w)
    order = Order.objects.get(pk=w.order.pk)
    assert policy.can(w.their_officer, Perm.ORDER_EDIT, order)
    assert policy.can(
        w.their_officer, Perm.VICTIM_IDENTITY_VIEW, Victim.objects.get(pk=w.victim.pk)
    )
    client.force_login(w.their_officer)
    body = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"Transferred from {w.sending.name} on" in body
    assert "You can read it but not change it" not in body


def test_every_write_by_the_sending_force_is_refused_by_the_policy(world: World) -> None:
    """The read-only promise, asked of the policy and of the commands themselves."""
    w = world
    _accepted(w)
    subject = Subject.objects.get(pk=w.subject.pk)
    case = Case.objects.get(pk=w.case.pk)
    order = Order.objects.get(pk=w.order.pk)
    for actor in (w.officer, w.supervisor):
        assert policy.can(actor, Perm.SUBJECT_VIEW, subject)
        assert policy.can(actor, Perm.CASE_VIEW, case)
        assert policy.can(actor, Perm.ORDER_VIEW, order)
        for perm, record in (
            (Perm.SUBJECT_EDIT, subject),
            (Perm.RISK_ASSESS, subject),
            (Perm.INTERVENTION_DECIDE, subject),
            (Perm.REFERRAL_PUT_FORWARD, subject),
            (Perm.TRANSFER_PROPOSE, subject),
            (Perm.CASE_EDIT, case),
            (Perm.ORDER_EDIT, order),
            (Perm.CASEWORK_ASSIGN, order),
            (Perm.ORDER_CORRECT, order),
            (Perm.TASK_EDIT, order),
            (Perm.VICTIM_UPDATE_RECORD, order),
            (Perm.DOCUMENT_UPLOAD, order),
        ):
            assert not policy.can(actor, perm, record), (actor, perm)
    with pytest.raises(PermissionDenied):
        order_assign(
            actor=w.supervisor, order=order, version=order.version, officer_id=w.officer.pk
        )
    with pytest.raises(PermissionDenied):
        ownership.case_assign(
            actor=w.supervisor, case=case, version=case.version, officer_id=w.officer.pk
        )
    assert Order.objects.get(pk=order.pk).officer_in_charge_id is None


def test_the_sending_forces_edit_pages_are_closed(client: Any, world: World) -> None:
    w = world
    _accepted(w)
    client.force_login(w.supervisor)
    for url in (
        reverse("people:edit", args=[w.subject.pk]),
        reverse("cases:edit", args=[w.case.pk]),
        reverse("orders:assign", args=[w.order.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url


def test_a_third_force_sees_nothing(client: Any, world: World) -> None:
    w = world
    transfer = _accepted(w)
    for who in (w.third_officer, w.third_supervisor):
        client.force_login(who)
        for url in (
            reverse("transfers:detail", args=[transfer.pk]),
            reverse("people:detail", args=[w.subject.pk]),
            reverse("cases:detail", args=[w.case.pk]),
            reverse("orders:detail", args=[w.order.pk]),
        ):
            assert client.get(url).status_code in (
                {404} if who == w.third_supervisor else {403, 404}
            ), url
        assert not policy.can(who, Perm.ORDER_VIEW, Order.objects.get(pk=w.order.pk))


def test_without_the_history_source_the_sending_force_reads_nothing(world: World) -> None:
    """Fail closed: the read-only history comes only from the registered source."""
    from desist.transfers.history import SOURCE

    w = world
    _accepted(w)
    policy.unregister_history_source()
    try:
        assert not policy.can(w.officer, Perm.ORDER_VIEW, Order.objects.get(pk=w.order.pk))
    finally:
        policy.register_history_source(SOURCE)


# --- declining, and two supervisors at once ------------------------------------------------


def test_declining_needs_a_reason_and_moves_nothing(world: World) -> None:
    w = world
    transfer = _propose(w)
    with pytest.raises(ValidationError) as exc:
        services.transfer_decline(
            actor=w.their_supervisor, transfer=transfer, version=transfer.version, reason=""
        )
    assert exc.value.message_dict["reason"] == [services.DECLINE_REASON_REQUIRED]
    services.transfer_decline(
        actor=w.their_supervisor,
        transfer=transfer,
        version=transfer.version,
        reason="The subject's new address is in another force's area.",
    )
    assert ForceTransfer.objects.get(pk=transfer.pk).status == TransferStatus.DECLINED
    assert set(_forces(w).values()) == {w.sending.pk}
    assert "transfer.decline" in _verbs()


def test_only_the_receiving_force_decides(world: World) -> None:
    w = world
    transfer = _propose(w)
    for who in (w.supervisor, w.third_supervisor, w.their_officer):
        with pytest.raises(PermissionDenied):
            services.transfer_accept(actor=who, transfer=transfer, version=transfer.version)
    assert set(_forces(w).values()) == {w.sending.pk}


@pytest.mark.parametrize("second", ["accept", "decline"])
def test_two_supervisors_at_once_exactly_one_wins(world: World, second: str) -> None:
    """Both read the request at version v; the first accepts; the second, still holding v, is
    refused with what happened, and nothing is moved twice."""
    w = world
    transfer = _propose(w)
    seen = ForceTransfer.objects.get(pk=transfer.pk)  # the second supervisor's copy
    services.transfer_accept(actor=w.their_supervisor, transfer=transfer, version=transfer.version)
    with pytest.raises(ValidationError) as exc:
        if second == "accept":
            services.transfer_accept(
                actor=w.their_second_supervisor, transfer=seen, version=seen.version
            )
        else:
            services.transfer_decline(
                actor=w.their_second_supervisor,
                transfer=seen,
                version=seen.version,
                reason="Not our area after all.",
            )
    message = " ".join(exc.value.messages)
    assert "already accepted by" in message and "has not been saved" in message
    current = ForceTransfer.objects.get(pk=transfer.pk)
    assert (current.status, current.decided_by_id) == (
        TransferStatus.ACCEPTED,
        w.their_supervisor.pk,
    )
    assert TransferredRecord.objects.filter(transfer=transfer).count() == 3
    assert _verbs().count("transfer.accept") == 1


def test_the_loser_of_the_race_sees_a_clear_message_on_the_page(client: Any, world: World) -> None:
    w = world
    transfer = _propose(w)
    url = reverse("transfers:accept", args=[transfer.pk])
    client.force_login(w.their_second_supervisor)
    assert client.get(url).status_code == 200  # holds the form at this version
    services.transfer_decline(
        actor=w.their_supervisor,
        transfer=transfer,
        version=transfer.version,
        reason="Not our area after all.",
    )
    body = client.post(url, {"version": transfer.version}).content.decode()
    assert "govuk-error-summary" in body
    assert "This transfer was already declined by" in body
    assert set(_forces(w).values()) == {w.sending.pk}


def test_a_decline_reason_must_be_words(world: World) -> None:
    w = world
    transfer = _propose(w)
    with pytest.raises(ValidationError) as exc:
        services.transfer_decline(
            actor=w.their_supervisor, transfer=transfer, version=transfer.version, reason="no"
        )
    assert exc.value.message_dict["reason"] == [services.REASON_SHORT]
    assert ForceTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


# --- withdrawing: the sending force takes a waiting request back ---------------------------

WHY = "Proposed to the wrong force by mistake."


def test_withdrawing_frees_the_subject_for_a_corrected_request(world: World) -> None:
    w = world
    transfer = _propose(w)
    with pytest.raises(ValidationError) as exc:
        services.transfer_withdraw(
            actor=w.supervisor, transfer=transfer, version=transfer.version, reason="x"
        )
    assert exc.value.message_dict["reason"] == [services.REASON_SHORT]
    services.transfer_withdraw(
        actor=w.supervisor, transfer=transfer, version=transfer.version, reason=WHY
    )
    current = ForceTransfer.objects.get(pk=transfer.pk)
    assert (current.status, current.decided_by_id, current.decision_reason) == (
        TransferStatus.WITHDRAWN,
        w.supervisor.pk,
        WHY,
    )
    assert set(_forces(w).values()) == {w.sending.pk}
    assert "transfer.withdraw" in _verbs()
    # The corrected request is no longer blocked by the mistaken one.
    assert _propose(w).status == TransferStatus.PENDING


def test_only_the_sending_forces_supervisor_withdraws(world: World) -> None:
    w = world
    transfer = _propose(w)
    for who in (w.officer, w.their_supervisor, w.third_supervisor):
        with pytest.raises(PermissionDenied):
            services.transfer_withdraw(
                actor=who, transfer=transfer, version=transfer.version, reason=WHY
            )
    assert ForceTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


@pytest.mark.parametrize("first", ["accept", "decline", "withdraw"])
def test_a_withdrawal_and_a_decision_at_once_exactly_one_wins(world: World, first: str) -> None:
    """Both sides hold the request at version v; whichever acts first wins, the other is
    refused with what happened and nothing of theirs is written."""
    w = world
    transfer = _propose(w)
    seen = ForceTransfer.objects.get(pk=transfer.pk)  # the loser's copy
    why = "Not our area after all, say the neighbourhood team."
    if first == "accept":
        services.transfer_accept(
            actor=w.their_supervisor, transfer=transfer, version=transfer.version
        )
        loser = lambda: services.transfer_withdraw(  # noqa: E731
            actor=w.supervisor, transfer=seen, version=seen.version, reason=WHY
        )
        winner, expected = w.their_supervisor, "already accepted by"
    elif first == "decline":
        services.transfer_decline(
            actor=w.their_supervisor, transfer=transfer, version=transfer.version, reason=why
        )
        loser = lambda: services.transfer_withdraw(  # noqa: E731
            actor=w.supervisor, transfer=seen, version=seen.version, reason=WHY
        )
        winner, expected = w.their_supervisor, "already declined by"
    else:
        services.transfer_withdraw(
            actor=w.supervisor, transfer=transfer, version=transfer.version, reason=WHY
        )
        loser = lambda: services.transfer_accept(  # noqa: E731
            actor=w.their_supervisor, transfer=seen, version=seen.version
        )
        winner, expected = w.supervisor, "already withdrawn by"
    with pytest.raises(ValidationError) as exc:
        loser()
    message = " ".join(exc.value.messages)
    assert expected in message and "has not been saved" in message
    current = ForceTransfer.objects.get(pk=transfer.pk)
    assert current.decided_by_id == winner.pk
    verbs = _verbs()
    settled = [
        v for v in verbs if v in ("transfer.accept", "transfer.decline", "transfer.withdraw")
    ]
    assert settled == [f"transfer.{first}"]
    moved = {w.receiving.pk} if first == "accept" else {w.sending.pk}
    assert set(_forces(w).values()) == moved


def test_the_withdraw_page_and_the_loser_of_the_race(client: Any, world: World) -> None:
    w = world
    transfer = _propose(w)
    client.force_login(w.supervisor)
    detail = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "Withdraw this request" in detail
    url = reverse("transfers:withdraw", args=[transfer.pk])
    assert client.get(url).status_code == 200  # holds the form at this version
    body = client.post(url, {"version": transfer.version, "reason": "x"}).content.decode()
    assert "govuk-error-summary" in body and "at least 10 characters" in body
    services.transfer_accept(actor=w.their_supervisor, transfer=transfer, version=transfer.version)
    body = client.post(url, {"version": transfer.version, "reason": WHY}).content.decode()
    assert "govuk-error-summary" in body
    assert "This transfer was already accepted by" in body
    assert "Your request to withdraw it has not been saved" in body
    assert ForceTransfer.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED


def test_the_sending_forces_police_see_a_waiting_transfer(client: Any, world: World) -> None:
    w = world
    pages = [
        reverse("people:detail", args=[w.subject.pk]),
        reverse("cases:detail", args=[w.case.pk]),
        reverse("orders:detail", args=[w.order.pk]),
    ]
    client.force_login(w.officer)
    for url in pages:
        assert "transfer-pending-banner" not in client.get(url).content.decode(), url
    transfer = _propose(w)
    banner = f"A transfer to {w.receiving.name} is waiting for acceptance (proposed on"
    for who in (w.officer, w.supervisor):
        client.force_login(who)
        for url in pages:
            body = client.get(url).content.decode()
            assert banner in body, (who, url)
    services.transfer_withdraw(
        actor=w.supervisor, transfer=transfer, version=transfer.version, reason=WHY
    )
    client.force_login(w.officer)
    for url in pages:
        assert "transfer-pending-banner" not in client.get(url).content.decode(), url
