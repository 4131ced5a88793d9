"""The structured safety plan (issue 20): what it records, its rules, its versions, its audit
and who may see it (the advocacy service only)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.safeguarding import selectors, services
from desist.safeguarding.models import AdvocacyCase, SafetyPlanVersion

R = RoleCode

SAFE_CONTACTS = "Sister Jo Pemberton 07700 900412; neighbour at number 14"
DIGITAL_NOTES = "Old tablet still signed in to the family cloud account"


def _answers(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "risk_level": "high",
        "marac": "referred",
        "marac_referred_on": timezone.localdate() - dt.timedelta(days=2),
        "evidence_guidance": ["diary", "messages"],
        "digital_checks": ["passwords", "location", "trackers"],
        "digital_notes": DIGITAL_NOTES,
        "home_security": ["camera", "police_marker"],
        "safe_contacts": SAFE_CONTACTS,
        "risks": "He waits near the bus stop she uses.",
        "measures": "Different stop; travels with a colleague.",
        "review_on": timezone.localdate() + dt.timedelta(days=14),
    }
    values.update(over)
    return values


def _save(actor: Any, case: AdvocacyCase, based_on: int = 0, **over: Any) -> SafetyPlanVersion:
    return services.safety_plan_save(actor=actor, case=case, based_on=based_on, **_answers(**over))


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_structured_plan_is_stored_versioned_and_audited_without_free_text(
    allocated: AdvocacyCase, advocate: Any
) -> None:
    one = _save(advocate, allocated)
    assert (one.number, one.risk_level, one.marac) == (1, "high", "referred")
    assert one.digital_checks == ["passwords", "location", "trackers"]
    assert one.home_security_labels() == [
        "Video doorbell or camera",
        "Police marker on the address",
    ]
    two = _save(
        advocate,
        allocated,
        based_on=1,
        risk_level="medium",
        marac="planned",
        marac_referred_on=None,
    )
    assert two.number == 2 and two.marac_referred_on is None  # no date without a referral
    assert [p.number for p in SafetyPlanVersion.objects.filter(case=allocated)] == [2, 1]
    event = AuditEvent.objects.filter(verb="advocacy.safety_plan_save").order_by("id").first()
    assert event is not None and event.new_values["risk_level"] == "high"
    assert event.new_values["digital_checks"] == ["passwords", "location", "trackers"]
    assert set(event.new_values["free_text_recorded"]) == {
        "risks",
        "measures",
        "safe_contacts",
        "digital_notes",
    }
    dumped = str(event.new_values) + str(event.old_values)
    for typed in (SAFE_CONTACTS, DIGITAL_NOTES, "bus stop"):
        assert typed not in dumped


def test_typed_parts_are_encrypted_at_rest(allocated: AdvocacyCase, advocate: Any) -> None:
    plan = _save(advocate, allocated)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT safe_contacts, digital_notes, risks, measures, risk_level "
            "FROM safeguarding_safetyplanversion WHERE id = %s",
            [plan.pk],
        )
        safe_contacts, digital_notes, risks, measures, risk_level = cursor.fetchone()
    for raw in (safe_contacts, digital_notes, risks, measures):
        assert raw.startswith("gAAAA") and "Pemberton" not in raw and "tablet" not in raw
    assert risk_level == "high"  # a code, kept clear so it can be counted


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"risk_level": ""}, "risk_level", "Select the risk level"),
        (
            {"marac": ""},
            "marac",
            "Select whether the victim has been referred to MARAC",
        ),
        (
            {"marac_referred_on": None},
            "marac_referred_on",
            "Enter the date of the MARAC referral",
        ),
        (
            {"marac_referred_on": timezone.localdate() + dt.timedelta(days=1)},
            "marac_referred_on",
            "The MARAC referral date must be today or in the past",
        ),
        (
            {"marac": "not_needed"},
            "marac",
            "A high risk case is referred to MARAC: select 'Referral to be made' or 'Referred'",
        ),
        (
            {"digital_checks": ["passwords", "read_her_diary"]},
            "digital_checks",
            "Select the digital and online safety checks made from the list",
        ),
        (
            {"home_security": ["moat"]},
            "home_security",
            "Select the home security in place from the list",
        ),
        (
            {"evidence_guidance": ["guess"]},
            "evidence_guidance",
            "Select the evidence guidance given from the list",
        ),
        ({"safe_contacts": "x" * 2001}, "safe_contacts", "This must be 2000 characters or fewer"),
        ({"risks": "  "}, "risks", "Enter the risks to the victim"),
        ({"review_on": None}, "review_on", "Enter the review date"),
        (
            {"review_on": timezone.localdate() - dt.timedelta(days=1)},
            "review_on",
            "The review date must be today or in the future",
        ),
        (
            {"review_on": timezone.localdate() + dt.timedelta(days=367)},
            "review_on",
            "The review date must be within a year of today",
        ),
    ],
)
def test_validation(
    allocated: AdvocacyCase, advocate: Any, over: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _save(advocate, allocated, **over)
    assert _messages(exc)[field] == [message]
    assert not SafetyPlanVersion.objects.filter(case=allocated).exists()


def test_a_standard_risk_case_need_not_go_to_marac(allocated: AdvocacyCase, advocate: Any) -> None:
    plan = _save(
        advocate, allocated, risk_level="standard", marac="not_needed", marac_referred_on=None
    )
    assert plan.marac == "not_needed" and plan.marac_referred_on is None


def test_form_shows_errors_and_the_new_version_starts_from_the_last(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    client.force_login(advocate)
    url = reverse("safeguarding:safety_plan", args=[allocated.pk])
    html = client.post(url, {"based_on": "0", "marac": "referred"}).content.decode()
    assert "govuk-error-summary" in html
    for message in (
        "Select the risk level",
        "Enter the date of the MARAC referral",
        "Enter the risks to the victim",
    ):
        assert message in html
    _save(advocate, allocated)
    form = client.get(url).content.decode()
    # The boxes ticked in the current version come back ticked; the typed text comes back.
    assert 'value="trackers" checked' in form and 'value="high" checked' in form
    assert "Sister Jo Pemberton" in form
    page = client.get(reverse("safeguarding:case", args=[allocated.pk])).content.decode()
    assert "Car and bags checked for tracking devices" in page
    referred = timezone.localdate() - dt.timedelta(days=2)
    assert f"Referred on {referred.day} {referred:%B %Y}" in page


def test_only_the_advocacy_service_reads_the_plan(
    client: Any,
    users: dict[RoleCode, Any],
    officer: Any,
    other_advocate: Any,
    allocated: AdvocacyCase,
    advocate: Any,
) -> None:
    _save(advocate, allocated)
    for role in (R.POLICE_OFFICER, R.POLICE_SUPERVISOR, R.PRACTITIONER, R.CLINICAL_SUPERVISOR):
        user = users[role]
        with pytest.raises(PermissionDenied):
            selectors.latest_safety_plan_for(actor=user, case=allocated)
        with pytest.raises(PermissionDenied):
            services.safety_plan_save(actor=user, case=allocated, based_on=1, **_answers())
    with pytest.raises(PermissionDenied):
        selectors.latest_safety_plan_for(actor=other_advocate, case=allocated)
    # The police victim page: that a plan exists and when it is reviewed, nothing in it.
    client.force_login(officer)
    html = client.get(reverse("safeguarding:victim", args=[allocated.victim_id])).content.decode()
    assert "Referrals to advocacy (summary only)" in html
    for secret in ("Jo Pemberton", "family cloud", "MARAC", "Police marker", "High"):
        assert secret not in html


def test_the_form_shows_every_error_at_once_with_a_date_out_of_range(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    """Tester finding: with a review date out of range only the date error showed; the risks,
    the measures and a future MARAC date were not told until it was put right."""
    client.force_login(advocate)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("safeguarding:safety_plan", args=[allocated.pk]),
        {
            "based_on": "0",
            "risk_level": "high",
            "marac": "referred",
            "marac_referred_on": tomorrow.isoformat(),
            "risks": "",
            "measures": "",
            "review_on": "2099-01-01",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["review_on"] == ["The review date must be within a year of today"]
    assert errors["risks"] == ["Enter the risks to the victim"]
    assert errors["measures"] == ["Enter the safety measures"]
    assert errors["marac_referred_on"] == ["The MARAC referral date must be today or in the past"]
    page = response.content.decode()
    assert "govuk-error-summary" in page and "1 January 2051" not in page
    assert not SafetyPlanVersion.objects.filter(case=allocated).exists()


def test_the_review_date_may_be_today_or_up_to_a_year_on(
    allocated: AdvocacyCase, advocate: Any
) -> None:
    today = timezone.localdate()
    latest = services.review_latest(today)
    assert _save(advocate, allocated, review_on=today).review_on == today
    assert _save(advocate, allocated, based_on=1, review_on=latest).review_on == latest
    with pytest.raises(ValidationError) as exc:
        _save(advocate, allocated, based_on=2, review_on=latest + dt.timedelta(days=1))
    assert _messages(exc)["review_on"] == ["The review date must be within a year of today"]


def test_a_year_on_from_29_february_is_28_february() -> None:
    assert services.review_latest(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_a_marac_answer_other_than_referred_clears_the_date_and_says_so(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    """Tester finding (issue 20): choosing 'not needed' kept the old referral date. The date
    belongs to a referral made: any other answer clears it, and the advocate is told."""
    _save(advocate, allocated)  # version 1: referred, with a date
    for number, marac in ((2, "not_needed"), (3, "planned")):
        plan = _save(advocate, allocated, based_on=number - 1, risk_level="medium", marac=marac)
        assert (plan.number, plan.marac, plan.marac_referred_on) == (number, marac, None)
    client.force_login(advocate)
    answers = _answers(risk_level="medium", marac="not_needed")
    answers["marac_referred_on"] = answers["marac_referred_on"].isoformat()
    answers["review_on"] = answers["review_on"].isoformat()
    response = client.post(
        reverse("safeguarding:safety_plan", args=[allocated.pk]),
        {"based_on": "3", **answers},
        follow=True,
    )
    assert response.status_code == 200
    latest = SafetyPlanVersion.objects.filter(case=allocated).order_by("-number").first()
    assert latest is not None and (latest.number, latest.marac_referred_on) == (4, None)
    assert "The MARAC referral date has been removed, as no referral has been made" in (
        response.content.decode()
    )


def test_the_plan_form_counts_characters_instead_of_cutting_pasted_text(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    """Tester finding (issue 20): a maxlength attribute cut pasted text without a word."""
    client.force_login(advocate)
    url = reverse("safeguarding:safety_plan", args=[allocated.pk])
    html = client.get(url).content.decode()
    assert html.count("<textarea") >= 4 and " maxlength=" not in html
    assert 'data-maxlength="2000"' in html and "govuk-character-count" in html
    answers = _answers(safe_contacts="x" * 2001)
    answers["marac_referred_on"] = answers["marac_referred_on"].isoformat()
    answers["review_on"] = answers["review_on"].isoformat()
    page = client.post(url, {"based_on": "0", **answers}).content.decode()
    assert "Safe contacts must be 2000 characters or fewer" in page
    assert not SafetyPlanVersion.objects.filter(case=allocated).exists()


def test_changing_the_plan_keeps_its_review_date_while_it_is_ahead(
    client: Any, allocated: AdvocacyCase, advocate: Any
) -> None:
    """A change is not a review: the form offers the current plan's review date, not today
    plus four weeks (a tester saw the date pushed on unnoticed)."""
    client.force_login(advocate)
    url = reverse("safeguarding:safety_plan", args=[allocated.pk])
    ahead = timezone.localdate() + dt.timedelta(days=9)
    _save(advocate, allocated, review_on=ahead)
    form = client.get(url).content.decode()
    day = re.search(r'<input[^>]*id="id_review_on-day"[^>]*>', form)
    assert day is not None and f'value="{ahead.day}"' in day.group(), day


def test_a_marac_referral_years_before_the_case_is_refused(
    allocated: AdvocacyCase, advocate: Any
) -> None:
    """Tester finding: a referral dated 1 January 2016 was saved on a case opened today."""
    from desist.safeguarding.services import marac_earliest

    earliest = marac_earliest(allocated)
    with pytest.raises(ValidationError) as refused:
        _save(advocate, allocated, marac_referred_on=earliest - dt.timedelta(days=1))
    assert _messages(refused)["marac_referred_on"] == [
        f"The MARAC referral date must be on or after {earliest.day} {earliest:%B %Y}, a year "
        "before the case was referred to the service"
    ]
    assert _save(advocate, allocated, marac_referred_on=earliest).number == 1
