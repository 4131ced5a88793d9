"""Removing a module the session plan still uses: the error is on the modules field, names
the sessions, and the summary links to the checkboxes (issue 11 test finding 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from desist.core.roles import RoleCode
from desist.programme.models import MODULES, Programme

pytestmark = pytest.mark.django_db


def test_unticking_a_module_in_use_says_where_and_what_to_do(
    client: Any, users: dict[RoleCode, Any], programme: Programme
) -> None:
    using = [str(r["session"]) for r in programme.session_plan if r["module"] == "mindfulness"]
    assert using, "the default plan teaches mindfulness"
    client.force_login(users[RoleCode.PROGRAMME_MANAGER])
    url = reverse("programme:settings_edit", args=[programme.pk])
    data = {
        "version": programme.version,
        "name": programme.name,
        "provider": programme.provider_id,
        "forces": [f.pk for f in programme.forces.all()],
        "capacity": programme.capacity,
        "funding": str(programme.funding),
        "sessions": programme.sessions,
        "modules": [c for c, _ in MODULES if c != "mindfulness"],
        "caseload_limit": programme.caseload_limit,
        "review_every": programme.review_every,
        "completion_sessions": programme.completion_sessions,
        "completion_module": programme.completion_module,
        "partial_sessions": programme.partial_sessions,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    sessions = ", ".join(using)
    message = f"Mindfulness is used by session{'s' if len(using) > 1 else ''} {sessions}"
    assert message in html
    # The summary links to the first checkbox; the message sits next to the checkboxes.
    assert 'href="#id_modules_0"' in html or 'href="#id_modules"' in html
    assert 'href="#id_version"' not in html
    assert 'id="id_modules-error"' in html or 'id="modules-error"' in html
    programme.refresh_from_db()
    assert "mindfulness" in programme.modules and programme.versions.count() == 1
