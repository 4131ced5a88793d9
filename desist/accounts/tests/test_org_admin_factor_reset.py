"""Issue 16: an organisation administrator may reset a lost authenticator for their own
organisation's staff, but not a system administrator's, and not another organisation's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from desist.accounts import services
from desist.accounts.tests.test_two_factor import _enrol
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R

pytestmark = pytest.mark.django_db


def test_organisation_administrator_resets_only_within_reach(
    users: dict[R, Any], make_user: Any, orgs: Any
) -> None:
    org_admin = users[R.ORGANISATION_ADMIN]
    officer, system_admin = users[R.POLICE_OFFICER], users[R.SYSTEM_ADMIN]
    assert org_admin.organisation == officer.organisation == system_admin.organisation
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])

    for target in (system_admin, outsider, org_admin):
        with pytest.raises(PermissionDenied):
            services.two_factor_reset(actor=org_admin, user=target, reason="Lost")

    _enrol(officer)
    services.two_factor_reset(actor=org_admin, user=officer, reason="Phone lost")
    event = AuditEvent.objects.get(verb="account.2fa_reset")
    assert (event.actor_id, event.object_id) == (org_admin.pk, str(officer.pk))
