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


def test_nobody_reviews_a_session_they_delivered(
    client: Any, practitioner: Any, clin: Any, active: Referral
) -> None:
    """Tester finding (issue 20): the supervisor could sign off her own session, and the rating
    counted in her own adherence figures. The service refuses it, the link is not offered, and
    her reviews due leave it for another supervisor."""
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from desist.programme import selectors
    from desist.programme.models import ProgrammeSession, SupervisionEntry

    session = book(practitioner, active, days_ago=1)
    actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance="attended"
    )
    ProgrammeSession.objects.filter(pk=session.pk).update(practitioner=clin)
    session.refresh_from_db()
    assert session not in selectors.reviews_due_for(actor=clin)
    client.force_login(clin)
    page = client.get(reverse("programme:session", args=[session.pk])).content.decode()
    assert "Review and sign off" not in page
    with pytest.raises(ValidationError) as exc:
        actions.session_review(
            actor=clin,
            session=session,
            version=session.version,
            comment="Fine",
            adherence=2,
            competence=2,
        )
    assert exc.value.message_dict["comment"] == [
        "You delivered this session: another clinical supervisor must review it"
    ]
    # By the form too: a GOV.UK error, nothing signed off.
    response = client.post(
        reverse("programme:review", args=[session.pk]),
        {"version": session.version, "comment": "Fine", "adherence": 2, "competence": 2},
    )
    assert "another clinical supervisor must review it" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not SupervisionEntry.objects.exists()
    # Another supervisor of the provider sees it due and may sign it off.
    ProgrammeSession.objects.filter(pk=session.pk).update(practitioner=practitioner)
    assert session in selectors.reviews_due_for(actor=clin)
