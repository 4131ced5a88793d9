"""Aggregate selectors for the dashboards and the evaluation: supervision coverage and the
per-session facts."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from desist.core.roles import RoleCode
from desist.programme import selectors
from desist.programme.models import ProgrammeSession, SessionState
from desist.programme.tests.conftest import book

R = RoleCode


def test_supervision_coverage_and_session_facts(
    active: Any,
    practitioner: Any,
    clin: Any,
    users: Any,
    make_user: Any,
    orgs: Any,
    make_org: Any,
    partnership: Any,
) -> None:
    s1, s2, s3, s4 = (book(practitioner, active, d) for d in (30, 20, 10, 5))
    ProgrammeSession.objects.filter(pk__in=[s1.pk, s2.pk]).update(attendance="attended")
    ProgrammeSession.objects.filter(pk=s3.pk).update(attendance="dna")
    ProgrammeSession.objects.filter(pk=s4.pk).update(
        attendance="attended", state=SessionState.CANCELLED
    )
    ProgrammeSession.objects.filter(pk=s1.pk).update(reviewed_at=timezone.now())

    # The sessions that took place: the missed one (s3) and the cancelled one are not counted.
    expected = {"sessions": 2, "reviewed": 1}
    assert selectors.supervision_coverage_for(actor=clin) == expected
    assert selectors.supervision_coverage_for(actor=users[R.PROGRAMME_MANAGER]) == expected
    overseer = users[R.OVERSEER]
    # An overseer outside the partnership counts nothing; inside it, every programme.
    assert selectors.supervision_coverage_for(actor=overseer) == {"sessions": 0, "reviewed": 0}
    partnership.organisations.add(overseer.organisation)
    assert selectors.supervision_coverage_for(actor=overseer) == expected
    nothing = {"sessions": 0, "reviewed": 0}
    for role in (R.POLICE_OFFICER, R.PRACTITIONER, R.VICTIM_ADVOCATE):
        assert selectors.supervision_coverage_for(actor=users[role]) == nothing
    other_clin = make_user(R.CLINICAL_SUPERVISOR, organisation=make_org("provider"))
    assert selectors.supervision_coverage_for(actor=other_clin) == nothing

    facts = next(
        f for f in selectors.programme_facts_for_evaluation() if f["referral_id"] == active.pk
    )
    assert [s["attended"] for s in facts["sessions"]] == [True, True, False]
    assert facts["sessions"][0]["date"] == timezone.localdate(s1.starts_at)
    assert facts["sessions_attended"] == 2
