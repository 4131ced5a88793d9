"""Tasks (issue 19): added by hand on a case, an order or none; mine, my team and force views;
done and cancelled; another force's never seen; a leaver's handed to their manager."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.accounts.services import user_disable
from desist.audit.models import AuditEvent
from desist.core.reach import Reach
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import ago, ahead, applied, make_subject
from desist.tasks import selectors, services
from desist.tasks.models import Task, TaskStatus

R = RoleCode


def _add(
    actor: Any, record: Any, assignee: Any, title: str = "Visit the subject", **kw: Any
) -> Task:
    return services.task_create(
        actor=actor,
        record=record,
        title=title,
        due_on=kw.get("due_on", ahead(5)),
        assignee_id=assignee.pk,
    )


def test_add_on_a_case_is_audited_and_shown_on_the_case(
    client: Any, supervisor: Any, east: Any, case: Any
) -> None:
    client.force_login(supervisor)
    url = reverse("tasks:new_on", kwargs={"kind": "case", "record_id": case.pk})
    response = client.post(
        url,
        {
            "title": "Take the victim's statement",
            "due_on": ahead(3).isoformat(),
            "assignee": east.pk,
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.case_id, task.assignee_id, task.force_id) == (case.pk, east.pk, case.force_id)
    assert AuditEvent.objects.filter(verb="task.create", object_id=str(task.pk)).count() == 1
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Take the victim&#x27;s statement" in page and "Add a task" in page


def test_opening_the_form_is_audited_as_a_consultation(
    client: Any, supervisor: Any, east: Any, case: Any
) -> None:
    # The blank form lists the force's officers; on a record it is headed with the case.
    client.force_login(supervisor)
    blank = client.get(reverse("tasks:new"))
    assert blank.status_code == 200 and east.display_name() in blank.content.decode()
    on_case = client.get(reverse("tasks:new_on", kwargs={"kind": "case", "record_id": case.pk}))
    assert on_case.status_code == 200
    events = AuditEvent.objects.filter(category="consultation", actor_id=supervisor.pk)
    assert events.filter(verb="task.new_form", object_type="accounts.User").count() == 1
    assert events.filter(verb="task.view_for_new", object_id=str(case.pk)).count() == 1


def test_empty_form_gets_govuk_errors(client: Any, supervisor: Any, case: Any) -> None:
    client.force_login(supervisor)
    url = reverse("tasks:new_on", kwargs={"kind": "case", "record_id": case.pk})
    page = client.post(url, {"title": "", "due_on": "", "assignee": ""}).content.decode()
    assert "There is a problem" in page
    for message in (services.TITLE_REQUIRED, services.DUE_REQUIRED, services.ASSIGNEE_REQUIRED):
        assert message in page
    assert not Task.objects.exists()


def test_an_officer_of_another_force_cannot_be_given_the_task(
    supervisor: Any, outsider: Any, case: Any
) -> None:
    with pytest.raises(ValidationError) as raised:
        _add(supervisor, case, outsider)
    assert raised.value.message_dict == {"assignee": [services.ASSIGNEE_ELSEWHERE]}


def test_another_force_may_not_add_a_task_to_the_case(outsider: Any, east: Any, case: Any) -> None:
    with pytest.raises(PermissionDenied):
        _add(outsider, case, east)


def test_mine_team_and_force(supervisor: Any, east: Any, mate: Any, west: Any, case: Any) -> None:
    for who in (east, mate, west):
        _add(supervisor, case, who, title=f"For {who.username}")
    general = _add(supervisor, None, west, title="Unit briefing")
    assert general.case_id is None and general.force_id == case.force_id

    def titles(reach: Reach) -> set[str]:
        return {t.title for t in selectors.task_list_for(actor=east, reach=reach)}

    assert titles(Reach.MINE) == {f"For {east.username}"}
    assert titles(Reach.TEAM) == {f"For {east.username}", f"For {mate.username}"}
    assert len(titles(Reach.FORCE)) == 4


def test_another_forces_tasks_are_never_seen(
    client: Any, supervisor: Any, east: Any, outsider: Any, case: Any
) -> None:
    """Surrey never sees Sussex tasks: not in any view, not by address."""
    task = _add(supervisor, case, east)
    for reach in Reach:
        assert not selectors.task_list_for(actor=outsider, reach=reach).exists()
    client.force_login(outsider)
    page = client.get(reverse("tasks:list") + "?view=force").content.decode()
    assert task.title not in page
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    response = client.post(reverse("tasks:complete", args=[task.pk]), {"version": task.version})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


@pytest.mark.parametrize(
    "role",
    [R.PRACTITIONER, R.CLINICAL_SUPERVISOR, R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER, R.OVERSEER],
)
def test_providers_and_advocates_never_see_police_tasks(
    client: Any, users: dict[RoleCode, Any], supervisor: Any, east: Any, case: Any, role: RoleCode
) -> None:
    task = _add(supervisor, case, east)
    actor = users[role]
    assert not selectors.task_list_for(actor=actor, reach=Reach.FORCE).exists()
    client.force_login(actor)
    if role == R.OVERSEER:
        assert client.get(reverse("tasks:list")).status_code == 403
        assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 403
        return
    # Provider and advocacy staff have a task list for the case review actions given to them
    # (issue 19 §6), and police work is never in it, nor opened by address.
    listed = client.get(reverse("tasks:list", query={"view": "force"}))
    assert listed.status_code == 200 and task.title not in listed.content.decode()
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404


def test_complete_then_closed_and_a_stale_form_is_refused(
    client: Any, east: Any, supervisor: Any, case: Any
) -> None:
    task = _add(supervisor, case, east)
    client.force_login(east)
    response = client.post(reverse("tasks:complete", args=[task.pk]), {"version": task.version})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.closed_by_id == east.pk
    assert AuditEvent.objects.filter(verb="task.complete", object_id=str(task.pk)).exists()
    with pytest.raises(ValidationError):
        services.task_cancel(actor=east, task=task, version=task.version, reason="Duplicate")


def test_cancel_needs_a_reason(client: Any, east: Any, supervisor: Any, case: Any) -> None:
    task = _add(supervisor, case, east)
    client.force_login(east)
    url = reverse("tasks:cancel", args=[task.pk])
    page = client.post(url, {"version": task.version, "reason": ""}).content.decode()
    assert services.REASON_REQUIRED in page and "There is a problem" in page
    assert client.post(url, {"version": task.version, "reason": "Done by Kent"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.cancel_reason) == (TaskStatus.CANCELLED, "Done by Kent")
    event = AuditEvent.objects.get(verb="task.cancel")
    assert event.justification == "Done by Kent"


def test_two_officers_at_once_one_wins(east: Any, mate: Any, supervisor: Any, case: Any) -> None:
    task = _add(supervisor, case, east)
    stale = Task.objects.get(pk=task.pk)
    services.task_complete(actor=east, task=task, version=task.version)
    with pytest.raises(ValidationError):
        services.task_cancel(actor=mate, task=stale, version=stale.version, reason="Not needed")


def test_overdue_is_flagged(client: Any, east: Any, supervisor: Any, case: Any) -> None:
    late = _add(supervisor, case, east, title="Late one", due_on=ago(2))
    _add(supervisor, case, east, title="In time", due_on=ahead(2))
    assert late.overdue
    overdue = selectors.task_list_for(actor=east, overdue=True)
    assert [t.title for t in overdue] == ["Late one"]
    client.force_login(east)
    page = client.get(reverse("tasks:list")).content.decode()
    assert "Overdue" in page


def test_a_leavers_tasks_go_to_their_line_manager(
    users: dict[RoleCode, Any], supervisor: Any, east: Any, mate: Any, case: Any
) -> None:
    east.line_manager = supervisor
    east.save(update_fields=["line_manager"])
    open_task = _add(supervisor, case, east)
    done = _add(supervisor, case, east, title="Finished")
    services.task_complete(actor=east, task=done, version=done.version)
    admin = users[R.SYSTEM_ADMIN]
    user_disable(actor=admin, user=east, reason="Retired")
    open_task.refresh_from_db()
    done.refresh_from_db()
    assert open_task.assignee_id == supervisor.pk
    assert done.assignee_id == east.pk  # closed work keeps who did it
    event = AuditEvent.objects.get(verb="task.reassign")
    assert event.object_id == str(open_task.pk) and "Retired" in event.justification
    assert event.old_values["assignee_id"] == east.pk
    assert event.new_values["assignee_id"] == supervisor.pk


def test_without_a_manager_the_teams_supervisor_takes_them(
    users: dict[RoleCode, Any], supervisor: Any, west: Any, make_user: Any, force: Any, case: Any
) -> None:
    from desist.tasks.tests.conftest import teamed

    west_sup = teamed(make_user, force, "West", R.POLICE_SUPERVISOR)
    task = _add(supervisor, case, west)
    user_disable(actor=users[R.SYSTEM_ADMIN], user=west, reason="Left the force")
    task.refresh_from_db()
    assert task.assignee_id == west_sup.pk


def test_workload_per_officer(
    client: Any, supervisor: Any, east: Any, mate: Any, case: Any
) -> None:
    from desist.cases.ownership import case_assign

    _add(supervisor, case, east, due_on=ago(1))
    _add(supervisor, case, east)
    case_assign(actor=supervisor, case=case, version=case.version, officer_id=east.pk)
    labels, rows = selectors.workload_for(actor=supervisor)
    assert "Open cases in charge" in labels and "Live orders in charge" in labels
    row = next(r for r in rows if r.officer.pk == east.pk)
    assert (row.open, row.overdue, row.held["Open cases in charge"]) == (2, 1, 1)
    client.force_login(supervisor)
    assert client.get(reverse("tasks:workload")).status_code == 200
    client.force_login(east)
    assert client.get(reverse("tasks:workload")).status_code == 403


def test_workload_counts_only_the_supervisors_force(
    supervisor: Any, outsider: Any, make_user: Any, orgs: Any, case: Any
) -> None:
    other_sup = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    order = applied(other_sup, make_subject(orgs["other_police_force"]))
    _add(other_sup, order, outsider)
    _, rows = selectors.workload_for(actor=supervisor)
    assert outsider.pk not in {r.officer.pk for r in rows}
    assert all(r.open == 0 for r in rows)
