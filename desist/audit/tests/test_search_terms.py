"""Search terms can be a name: only auditors of the searching organisation see them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from desist.core.roles import RoleCode as R
from desist.core.tests.exporting import download


def _search(client: Any, officer: Any) -> None:
    client.force_login(officer)
    client.get(reverse("people:search"), {"q": "Quillfeather", "date_of_birth": ""})


def test_own_force_auditor_sees_the_terms(client: Any, users: dict[R, Any]) -> None:
    _search(client, users[R.POLICE_OFFICER])
    client.force_login(users[R.POLICE_SUPERVISOR])
    page = client.get(reverse("audit:list")).content.decode()
    assert "Searched for: text &quot;Quillfeather&quot;" in page
    export = b"".join(download(client, reverse("audit:export")).streaming_content).decode()
    assert "Quillfeather" in export


def test_overseer_sees_only_the_kind_of_search(client: Any, users: dict[R, Any]) -> None:
    _search(client, users[R.POLICE_OFFICER])
    client.force_login(users[R.OVERSEER])
    page = client.get(reverse("audit:list")).content.decode()
    assert "Subject search by name, PNC number or reference" in page
    assert "Quillfeather" not in page
    export = b"".join(download(client, reverse("audit:export")).streaming_content).decode()
    assert "subject.search" in export and "Quillfeather" not in export
