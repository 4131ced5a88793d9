"""Each session command checks its permission on the session's referral (the pipeline's `on=`),
not only the role: a practitioner of another provider is refused before anything is read or
written. Views reach sessions through selectors (404 out of scope); this is the second line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.programme import actions
from desist.programme.models import Referral
from desist.programme.tests.conftest import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(make_user: Any, make_org: Any) -> Any:
    """A practitioner (and supervisor) of a provider outside the programme."""
    return make_user(RoleCode.CLINICAL_SUPERVISOR, organisation=make_org(OrganisationKind.PROVIDER))


def test_session_commands_refuse_another_providers_staff(
    outsider: Any, practitioner: Any, active: Referral
) -> None:
    session = book(practitioner, active, days_ago=1)
    v = session.version
    calls = {
        "reschedule": lambda: actions.session_reschedule(
            actor=outsider,
            session=session,
            version=v,
            starts_at=timezone.now(),
            duration_minutes=60,
            remote=True,
            place="",
            reason="Moved",
        ),
        "cancel": lambda: actions.session_cancel(
            actor=outsider, session=session, version=v, reason="Ill"
        ),
        "attendance": lambda: actions.session_record_attendance(
            actor=outsider, session=session, version=v, attendance="attended"
        ),
        "delivery": lambda: actions.session_record_delivery(
            actor=outsider,
            session=session,
            version=v,
            module_delivered="formulation",
            content="Formulation",
            fidelity=[],
            engagement="good",
        ),
        "notes": lambda: actions.clinical_note_save(
            actor=outsider, session=session, text="Notes", base_revision=0
        ),
        "concern": lambda: actions.risk_disclosure_record(
            actor=outsider, session=session, disclosed="A concern", urgency="high"
        ),
        "review": lambda: actions.session_review(
            actor=outsider, session=session, version=v, comment="Fine"
        ),
        "schedule": lambda: actions.session_schedule(
            actor=outsider, referral=active, starts_at=timezone.now(), remote=True
        ),
        "series": lambda: actions.session_series_book(
            actor=outsider,
            referral=active,
            request=actions.SeriesRequest(
                first_day=timezone.localdate(),
                at=dt.time(10),
                duration_minutes=60,
                remote=True,
                place="",
            ),
        ),
        "series_preview": lambda: actions.session_series_preview(
            actor=outsider,
            referral=active,
            request=actions.SeriesRequest(
                first_day=timezone.localdate(),
                at=dt.time(10),
                duration_minutes=60,
                remote=True,
                place="",
            ),
        ),
    }
    before = AuditEvent.objects.count()
    for name, call in calls.items():
        with pytest.raises(PermissionDenied):
            call()
        assert AuditEvent.objects.count() == before, name
