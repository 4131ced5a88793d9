"""The audit log's "Who": a system job is named as itself, not as another organisation, and
only real break-glass access carries the break-glass tag."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from desist.core.roles import RoleCode as R
from desist.people.tests.factories import make_subject
from desist.retention.services import retention_list_due
from desist.sharing.break_glass import break_glass_request

TAG = "Break-glass</strong>"


def _row(page: str, verb: str) -> str:
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, flags=re.S)
    found = [r for r in rows if f">{verb}<" in r]
    assert found, f"no row for {verb}"
    return found[0]


def test_the_retention_job_is_shown_as_the_system_job(client: Any, users: dict[R, Any]) -> None:
    retention_list_due()  # the monthly job, as the scheduler runs it
    client.force_login(users[R.OVERSEER])
    row = _row(client.get(reverse("audit:list")).content.decode(), "retention.list_due")
    assert "Retention job (system)" in row
    assert "Another organisation" not in row and TAG not in row


def test_a_typed_username_is_not_taken_for_the_job(client: Any, users: dict[R, Any]) -> None:
    """A failed sign-in records what was typed: typing the job's name makes no system row."""
    client.post(reverse("accounts:login"), {"username": "retention job", "password": "wrong"})
    client.force_login(users[R.OVERSEER])
    row = _row(client.get(reverse("audit:list")).content.decode(), "auth.login_failed")
    assert "retention job" in row and "(system)" not in row and TAG not in row


def test_real_break_glass_keeps_its_tag(
    client: Any, users: dict[R, Any], orgs: Any, make_user: Any
) -> None:
    """Another force's officer opening this force's record: their row, under their force's
    name, tagged for this force's auditor."""
    holder = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    auditor = make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"])
    break_glass_request(
        actor=users[R.POLICE_OFFICER],
        record=make_subject(holder),
        justification="Urgent risk to a victim tonight, checking history",
    )
    retention_list_due()  # a system row this auditor does not read: not theirs, not a grant
    client.force_login(auditor)
    page = client.get(reverse("audit:list")).content.decode()
    row = _row(page, "break_glass.request")
    assert users[R.POLICE_OFFICER].username in row and TAG in row
    assert orgs["police_force"].name in row
    assert "retention.list_due" not in page
