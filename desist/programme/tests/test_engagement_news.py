"""Engagement news (issue 20): when an intervention starts, is completed or ends early, the
advocate of each linked victim who asked to hear about the perpetrator's engagement gets one
alert, through the sharing rules (so the disclosure and its lawful basis are logged), with the
status and date only. Nobody else is told by it, and a victim who did not ask is not."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from desist.core.roles import RoleCode
from desist.orders.tests.helpers import make_case, make_victim
from desist.programme import actions
from desist.programme.models import Programme, Referral
from desist.programme.tests.conftest import COMPLETING_SLOTS, S, held_sessions, referral_at
from desist.safeguarding.models import AdvocacyCase
from desist.sharing.events import EventKind, publish
from desist.sharing.models import Alert, Disclosure, LawfulBasis

pytestmark = pytest.mark.django_db

E = EventKind
NEWS = (E.ENGAGEMENT_STARTED, E.ENGAGEMENT_COMPLETED, E.ENGAGEMENT_ENDED_EARLY)


def _victim_supported(referral: Referral, officer: Any, advocate: Any, *, wants: bool) -> Any:
    case = make_case(referral.subject, created_by=officer)
    victim = make_victim(case, wants_engagement_news=wants)
    return AdvocacyCase.objects.create(
        victim=victim,
        service=advocate.organisation,
        origin="police",
        advocate=advocate,
        allocated_at=timezone.now(),
    )


def _move(actor: Any, referral: Referral, target: str, reason_code: str = "") -> None:
    referral.refresh_from_db()
    actions.referral_transition(
        actor=actor,
        referral=referral,
        version=referral.version,
        target=target,
        reason_code=reason_code,
    )


def _news() -> list[Alert]:
    return list(Alert.objects.filter(kind__in=NEWS).order_by("id"))


@pytest.fixture
def advocate(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.VICTIM_ADVOCATE]


def test_the_start_reaches_the_advocate_of_a_victim_who_asked_and_nobody_else(
    programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    referral = referral_at(programme, officer, S.CONSENTED, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=True)
    _move(practitioner, referral, S.ACTIVE)

    [alert] = _news()
    assert alert.kind == E.ENGAGEMENT_STARTED
    assert alert.recipient == advocate
    assert alert.link_url.endswith(f"/for-subject/{referral.subject_id}/?news=1")
    today = timezone.localdate()
    assert alert.body == (
        f"The person's intervention started on {today.day} {today:%B} {today.year} "
        f"(referral {referral.reference}). No details of the sessions are shared."
    )
    # Provider to advocacy service: logged as a disclosure with its lawful basis.
    disclosure = Disclosure.objects.get(alert=alert)
    assert disclosure.from_organisation == practitioner.organisation
    assert disclosure.to_organisation == advocate.organisation
    assert disclosure.lawful_basis == LawfulBasis.GDPR_6_1_E
    assert "engagement with the intervention" in disclosure.purpose


def test_no_news_for_a_victim_who_did_not_ask(
    programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    referral = referral_at(programme, officer, S.CONSENTED, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=False)
    _move(practitioner, referral, S.ACTIVE)
    assert _news() == []
    assert not Disclosure.objects.filter(to_organisation=advocate.organisation).exists()


def test_completion_is_told_once(
    programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    referral = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=True)
    held_sessions(practitioner, referral, COMPLETING_SLOTS)
    _move(practitioner, referral, S.COMPLETED)
    [alert] = _news()
    assert alert.kind == E.ENGAGEMENT_COMPLETED
    assert "was completed on" in alert.body

    # The same event reported again raises nothing new (one alert per event).
    again = publish(
        kind=E.ENGAGEMENT_COMPLETED,
        actor=practitioner,
        subject=referral.subject,
        source=referral,
        summary="x",
        dedupe_key=alert.dedupe_key,
    )
    assert again == []
    assert len(_news()) == 1


@pytest.mark.parametrize(
    ("target", "who", "reason_code", "word"),
    [
        (S.WITHDRAWN, RoleCode.POLICE_OFFICER, "moved_away", "withdrawn"),
        (S.EXCLUDED, RoleCode.CLINICAL_SUPERVISOR, "violence_to_staff", "excluded"),
    ],
)
def test_ending_early_is_told_without_the_reason(
    programme: Programme,
    officer: Any,
    practitioner: Any,
    advocate: Any,
    users: dict[RoleCode, Any],
    target: str,
    who: RoleCode,
    reason_code: str,
    word: str,
) -> None:
    referral = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=True)
    _move(users[who], referral, target, reason_code)
    [alert] = _news()
    assert alert.kind == E.ENGAGEMENT_ENDED_EARLY
    assert alert.recipient == advocate
    assert f"ended early: {word} on" in alert.body
    # The coded reason (where he went, what he did) is not news for the victim.
    assert "moved" not in alert.body.lower() and "violence" not in alert.body.lower()


def test_disengaging_is_told_by_its_own_alert_not_twice(
    programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    referral = referral_at(programme, officer, S.ACTIVE, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=True)
    _move(practitioner, referral, S.DISENGAGED, "stopped_contact")
    assert _news() == []
    assert Alert.objects.filter(kind=E.DISENGAGED, recipient=advocate).count() == 1


def test_an_end_before_the_start_is_not_engagement_news(
    programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    referral = referral_at(programme, officer, S.CONSENTED, practitioner=practitioner)
    _victim_supported(referral, officer, advocate, wants=True)
    _move(officer, referral, S.WITHDRAWN, "moved_away")
    assert _news() == []


def test_the_alert_opens_the_case_of_the_victim_who_asked_not_another_of_his_victims(
    client: Any, programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    """Tester finding: the link opened the advocate's newest case for the subject, a victim who
    had said she did not want to hear of his engagement."""
    referral = referral_at(programme, officer, S.CONSENTED, practitioner=practitioner)
    asked = _victim_supported(referral, officer, advocate, wants=True)
    not_asked = _victim_supported(referral, officer, advocate, wants=False)
    assert not_asked.referred_at >= asked.referred_at  # the plain link would pick not_asked
    _move(practitioner, referral, S.ACTIVE)

    [alert] = _news()
    client.force_login(advocate)
    opened = client.get(alert.link_url)
    assert opened.status_code == 302
    assert opened["Location"] == f"/safeguarding/advocacy/{asked.pk}/"


def test_the_case_page_of_a_victim_who_did_not_ask_lists_no_engagement_alert(
    client: Any, programme: Programme, officer: Any, practitioner: Any, advocate: Any
) -> None:
    """Tester finding: two victims of one person, one asked for news. The alerts list on the
    other's case page was chosen by the person alone, so it showed "Intervention started" and
    "Disengaged from the intervention", made because the first victim asked."""
    referral = referral_at(programme, officer, S.CONSENTED, practitioner=practitioner)
    asked = _victim_supported(referral, officer, advocate, wants=True)
    not_asked = _victim_supported(referral, officer, advocate, wants=False)
    _move(practitioner, referral, S.ACTIVE)
    _move(practitioner, referral, S.DISENGAGED, "stopped_contact")
    assert Alert.objects.filter(recipient=advocate, kind=E.DISENGAGED).exists()
    client.force_login(advocate)

    page = client.get(f"/safeguarding/advocacy/{not_asked.pk}/").content.decode()
    assert "Alerts sent to you about the person" in page
    assert "Intervention started" not in page
    assert "Disengaged from the intervention" not in page

    # The victim who asked still sees both on her own page.
    page = client.get(f"/safeguarding/advocacy/{asked.pk}/").content.decode()
    assert "Intervention started" in page
    assert "Disengaged from the intervention" in page
