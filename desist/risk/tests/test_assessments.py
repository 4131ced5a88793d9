"""Recording assessments: the service, the pages, the trend, the queue and query budgets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent, Category
from desist.core.roles import RoleCode
from desist.risk import services
from desist.risk.models import Assessment, Instrument
from desist.risk.queues import risk_reviews
from desist.risk.tests.conftest import (
    SCREENING_ITEMS,
    make_subject,
    screening_answers,
    spj_answers,
)
from desist.risk.tests.test_engine import frequency_measure

R = RoleCode
TODAY = timezone.localdate


def record(actor: Any, subject: Any, instrument: Instrument, **kwargs: Any) -> Assessment:
    today = TODAY()
    values: dict[str, Any] = {
        "answers": screening_answers(5),
        "assessed_on": today,
        "context": "initial",
        "review_date": today + dt.timedelta(days=90),
    }
    values.update(kwargs)
    return services.assessment_record(actor=actor, subject=subject, instrument=instrument, **values)


# --- the service ------------------------------------------------------------------------------


def test_record_scores_stores_and_audits(officer: Any, subject: Any, screening: Any) -> None:
    a = record(officer, subject, screening, answers=screening_answers(9), rationale="Notes.")
    a.refresh_from_db()
    assert a.score == 9 and a.risk_level == "high"
    assert a.assessor == officer and a.answers["duration"] == "yes"
    assert subject.assessments.get() == a
    event = AuditEvent.objects.get(verb="risk.assessment_record", object_id=str(a.pk))
    assert event.category == Category.COLLECTION
    assert event.new_values["risk_level"] == "high" and event.new_values["score"] == "9"
    assert event.new_values["subject"] == subject.pk
    # No free text and no answers in the audit trail.
    assert "Notes." not in str(event.new_values) and "answers" not in event.new_values


@pytest.mark.parametrize(
    ("yes", "level"), [(0, "standard"), (3, "standard"), (4, "medium"), (8, "high")]
)
def test_screening_levels(officer: Any, subject: Any, screening: Any, yes: int, level: str) -> None:
    assert record(officer, subject, screening, answers=screening_answers(yes)).risk_level == level


def test_bad_answers_give_errors_and_save_nothing(
    officer: Any, subject: Any, screening: Any
) -> None:
    answers = screening_answers(2)
    del answers["turning_up"]
    answers["violence"] = "perhaps"
    before = (Assessment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as info:
        record(
            officer,
            subject,
            screening,
            answers=answers,
            assessed_on=TODAY() + dt.timedelta(days=1),
            context="whenever",
            review_date=TODAY(),
        )
    errors = {k: v[0] for k, v in info.value.message_dict.items()}
    assert errors == {
        "assessed_on": "The date of the assessment must be today or in the past",
        "context": "Select when this assessment was made",
        "item_turning_up": "Answer question 3: select yes or no",
        "item_violence": "Answer question 9: select one of the options shown",
    }
    assert (Assessment.objects.count(), AuditEvent.objects.count()) == before


def test_review_date_rules(officer: Any, subject: Any, screening: Any) -> None:
    with pytest.raises(ValidationError) as info:
        record(officer, subject, screening, review_date=None)
    assert info.value.message_dict == {"review_date": ["Enter the date of the next review"]}
    with pytest.raises(ValidationError) as info:
        record(officer, subject, screening, review_date=TODAY())
    assert info.value.message_dict == {
        "review_date": ["The date of the next review must be after the date of the assessment"]
    }


def test_structured_judgement(officer: Any, subject: Any, spj: Any) -> None:
    review = TODAY() + dt.timedelta(days=28)
    a = record(officer, subject, spj, answers=spj_answers(review, "high"), review_date=None)
    assert a.risk_level == "high" and a.score is None
    assert a.review_date == review
    assert a.rationale == "Synthetic reasons for the judgement."
    assert a.answers["motivation"] == "rejected" and a.answers["persistence"] == "high"
    with pytest.raises(ValidationError) as info:
        record(officer, subject, spj, answers=spj_answers(TODAY()), review_date=None)
    assert info.value.message_dict == {
        "item_review_date": ["Answer question 8: the date must be after the date of the assessment"]
    }


def test_other_forces_and_other_roles_cannot_record(
    users: dict[RoleCode, Any], make_user: Any, orgs: Any, subject: Any, screening: Any
) -> None:
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    for actor in (outsider, users[R.PRACTITIONER], users[R.SYSTEM_ADMIN]):
        with pytest.raises(PermissionDenied):
            record(actor, subject, screening)
    assert not Assessment.objects.exists()


def test_another_organisations_instrument_cannot_be_used(
    officer: Any, subject: Any, make_user: Any, orgs: Any
) -> None:
    admin = make_user(R.SYSTEM_ADMIN, organisation=orgs["other_police_force"])
    theirs, _ = services.instrument_load(
        actor=admin, organisation=admin.organisation, data=frequency_measure()
    )
    with pytest.raises(ValidationError) as info:
        record(officer, subject, theirs, answers={})
    assert info.value.message_dict == {
        "instrument": ["Select an instrument your organisation can use"]
    }


# --- permission ladders -----------------------------------------------------------------------

POLICE = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}
ADMINS = {R.SYSTEM_ADMIN}


@pytest.fixture
def pages(officer: Any, subject: Any, screening: Any) -> dict[str, str]:
    a = record(officer, subject, screening)
    return {
        "risk:subject": reverse("risk:subject", args=[subject.pk]),
        "risk:assess": reverse("risk:assess", args=[subject.pk]),
        "risk:assess_form": reverse("risk:assess_form", args=[subject.pk, screening.pk]),
        "risk:assessment": reverse("risk:assessment", args=[a.pk]),
        "risk:reviews": reverse("risk:reviews"),
        "risk:instruments": reverse("risk:instruments"),
        "risk:instrument_load": reverse("risk:instrument_load"),
        "risk:instrument": reverse("risk:instrument", args=[screening.pk]),
    }


EXPECTED = {
    "risk:subject": POLICE,
    "risk:assess": POLICE,
    "risk:assess_form": POLICE,
    "risk:assessment": POLICE,
    "risk:reviews": POLICE,
    "risk:instruments": ADMINS,
    "risk:instrument_load": ADMINS,
    "risk:instrument": ADMINS,
}
OBJECT_PAGES = ["risk:subject", "risk:assess", "risk:assess_form", "risk:assessment"]


def test_every_risk_route_is_in_the_ladder() -> None:
    from desist.risk.urls import urlpatterns

    assert {f"risk:{p.name}" for p in urlpatterns} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_anonymous_is_sent_to_login(client: Any, pages: dict[str, str], name: str) -> None:
    response = client.get(pages[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_each_role(
    client: Any, users: dict[RoleCode, Any], pages: dict[str, str], name: str, role: RoleCode
) -> None:
    client.force_login(users[role])
    response = client.get(pages[name])
    assert response.status_code == (200 if role in EXPECTED[name] else 403), response.status_code
    if response.status_code == 200:
        assert " style=" not in response.content.decode()


@pytest.mark.parametrize("name", OBJECT_PAGES)
@pytest.mark.parametrize("role", sorted(POLICE))
def test_another_force_gets_404(
    client: Any, make_user: Any, orgs: Any, pages: dict[str, str], name: str, role: RoleCode
) -> None:
    client.force_login(make_user(role, organisation=orgs["other_police_force"]))
    assert client.get(pages[name]).status_code == 404


def test_another_force_cannot_post_an_assessment(
    client: Any, make_user: Any, orgs: Any, pages: dict[str, str]
) -> None:
    client.force_login(make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"]))
    before = Assessment.objects.count()
    response = client.post(pages["risk:assess_form"], {"action": "confirm"})
    assert response.status_code == 404
    assert Assessment.objects.count() == before


def test_another_force_sees_no_reviews(
    client: Any, make_user: Any, orgs: Any, officer: Any, subject: Any, screening: Any
) -> None:
    old = TODAY() - dt.timedelta(days=60)
    record(officer, subject, screening, assessed_on=old, review_date=old + dt.timedelta(days=1))
    outsider = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    client.force_login(outsider)
    response = client.get(reverse("risk:reviews"))
    assert response.status_code == 200
    assert subject.full_name not in response.content.decode()
    assert risk_reviews(outsider).count == 0
    assert risk_reviews(officer).count == 1


def test_another_organisations_admin_cannot_see_its_instrument(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    mine, _ = services.instrument_load(
        actor=admin, organisation=admin.organisation, data=frequency_measure()
    )
    other = make_user(R.SYSTEM_ADMIN, organisation=orgs["other_police_force"])
    client.force_login(other)
    assert client.get(reverse("risk:instrument", args=[mine.pk])).status_code == 404
    assert "test-frequency" not in client.get(reverse("risk:instruments")).content.decode()
    # Nor may they withdraw it.
    assert client.post(reverse("risk:instrument", args=[mine.pk]), {}).status_code == 404
    mine.refresh_from_db()
    assert mine.is_active


# --- the assessment journey -------------------------------------------------------------------


def form_data(answers: dict[str, str], **extra: str) -> dict[str, str]:
    data = {f"item_{k}": v for k, v in answers.items()}
    data.update(
        {
            "assessed_on": TODAY().isoformat(),
            "context": "referral",
            "review_date": (TODAY() + dt.timedelta(days=30)).isoformat(),
            "rationale": "",
        }
    )
    data.update(extra)
    return data


def test_choose_an_instrument(client: Any, officer: Any, subject: Any, screening: Any) -> None:
    client.force_login(officer)
    url = reverse("risk:assess", args=[subject.pk])
    page = client.get(url).content.decode()
    assert "Desist stalking risk screening" in page
    assert "Desist structured professional judgement summary" in page
    response = client.post(url, {})
    assert "Select an instrument" in response.content.decode()
    assert 'href="#id_instrument"' in response.content.decode()
    response = client.post(url, {"instrument": screening.pk})
    assert response["Location"] == reverse("risk:assess_form", args=[subject.pk, screening.pk])


def test_form_check_change_and_confirm(
    client: Any, officer: Any, subject: Any, screening: Any
) -> None:
    client.force_login(officer)
    url = reverse("risk:assess_form", args=[subject.pk, screening.pk])
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 2 * len(SCREENING_ITEMS) + 5
    assert "3. Has the person turned up at places the victim goes" in page

    data = form_data(screening_answers(5))
    response = client.post(url, {**data, "action": "check"})
    page = response.content.decode()
    assert "Check your answers before recording the assessment" in page
    assert "Risk level: Medium" in page and "Score 5 out of 12" in page
    assert not Assessment.objects.exists()

    response = client.post(url, {**data, "action": "change"})
    page = response.content.decode()
    assert 'value="yes" checked' in page and "There is a problem" not in page

    response = client.post(url, {**data, "action": "confirm"})
    a = Assessment.objects.get()
    assert response["Location"] == reverse("risk:assessment", args=[a.pk])
    assert (a.score, a.risk_level, a.context) == (5, "medium", "referral")
    page = client.get(response["Location"]).content.decode()
    assert "The assessment has been recorded" in page
    assert "Medium" in page and "5 out of 12" in page


def test_form_errors_are_summarised(
    client: Any, officer: Any, subject: Any, screening: Any
) -> None:
    client.force_login(officer)
    url = reverse("risk:assess_form", args=[subject.pk, screening.pk])
    answers = screening_answers(1)
    del answers["turning_up"]
    response = client.post(
        url, {**form_data(answers, assessed_on="2025-02-30", context=""), "action": "confirm"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert '<a href="#id_item_turning_up">Answer question 3: select yes or no</a>' in page
    assert "The date of the assessment must be a real date" in page
    assert not Assessment.objects.exists()


def test_structured_judgement_journey(client: Any, officer: Any, subject: Any, spj: Any) -> None:
    client.force_login(officer)
    url = reverse("risk:assess_form", args=[subject.pk, spj.pk])
    page = client.get(url).content.decode()
    assert "Intimacy seeking" in page and "Incompetent suitor" in page
    assert 'name="review_date"' not in page and 'name="rationale"' not in page
    data = form_data(spj_answers(TODAY() + dt.timedelta(days=14), "high"))
    del data["review_date"], data["rationale"]
    response = client.post(url, {**data, "action": "check"})
    assert "Risk level: High" in response.content.decode()
    response = client.post(url, {**data, "action": "confirm"})
    a = Assessment.objects.get()
    assert a.risk_level == "high" and a.review_date == TODAY() + dt.timedelta(days=14)


def test_history_trend_and_consultation_audit(
    client: Any, officer: Any, subject: Any, screening: Any, spj: Any
) -> None:
    start = TODAY() - dt.timedelta(days=120)
    for n, yes in enumerate([9, 6, 2]):
        on = start + dt.timedelta(days=40 * n)
        record(officer, subject, screening, answers=screening_answers(yes), assessed_on=on)
    record(
        officer,
        subject,
        spj,
        answers=spj_answers(TODAY() + dt.timedelta(days=10)),
        review_date=None,
        assessed_on=TODAY() - dt.timedelta(days=1),
    )
    client.force_login(officer)
    page = client.get(reverse("risk:subject", args=[subject.pk])).content.decode()
    assert page.count('role="img"') == 2
    assert page.count("<circle") == 4
    assert "<polyline" in page
    assert " style=" not in page
    assert "The latest score is 2 (Standard)." in page
    assert "Data for this chart" in page
    # Newest first in the history table.
    dates = re.findall(r'href="/risk/assessments/(\d+)/"', page)
    by_date = Assessment.objects.order_by("-assessed_on")
    assert dates == [str(a.pk) for a in by_date]
    newest = by_date[0]
    assert AuditEvent.objects.filter(
        verb="risk.history_view", object_id=str(subject.pk), category=Category.CONSULTATION
    ).exists()
    client.get(reverse("risk:assessment", args=[newest.pk]))
    assert AuditEvent.objects.filter(verb="risk.assessment_view", object_id=str(newest.pk)).exists()


# --- uploads ----------------------------------------------------------------------------------


def test_upload_page(client: Any, users: dict[RoleCode, Any]) -> None:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = users[R.SYSTEM_ADMIN]
    client.force_login(admin)
    url = reverse("risk:instrument_load")

    bad = frequency_measure()
    bad["items"][3]["scale"] = "freq6"
    response = client.post(url, {"file": SimpleUploadedFile("bad.json", json.dumps(bad).encode())})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert '<a href="#id_file">items[3].scale: unknown scale &#x27;freq6&#x27;</a>' in page
    assert not Instrument.objects.filter(code="test-frequency").exists()

    response = client.post(url, {})
    assert "Select a JSON or YAML file" in response.content.decode()

    good = SimpleUploadedFile("good.json", json.dumps(frequency_measure()).encode())
    response = client.post(url, {"file": good})
    instrument = Instrument.objects.get(code="test-frequency")
    assert response["Location"] == reverse("risk:instrument", args=[instrument.pk])
    assert instrument.owner == admin.organisation
    assert AuditEvent.objects.filter(
        verb="risk.instrument_load", object_id=str(instrument.pk), actor_id=admin.pk
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "has been loaded" in page and "Synthetic test instrument" in page

    # Withdraw it from the detail page.
    client.post(reverse("risk:instrument", args=[instrument.pk]), {"is_active": ""})
    instrument.refresh_from_db()
    assert not instrument.is_active
    listing = client.get(reverse("risk:instruments")).content.decode()
    assert "Withdrawn" in listing and "Desist stalking risk screening" in listing


# --- queue and query budgets ------------------------------------------------------------------


def test_queue_lists_subjects_whose_latest_review_is_due(
    client: Any, officer: Any, screening: Any
) -> None:
    force = officer.organisation
    long_ago = TODAY() - dt.timedelta(days=100)
    due = make_subject(force, "Due", "Person")
    record(officer, due, screening, assessed_on=long_ago, review_date=TODAY())
    overdue = make_subject(force, "Overdue", "Person")
    record(
        officer,
        overdue,
        screening,
        assessed_on=long_ago,
        review_date=long_ago + dt.timedelta(days=7),
    )
    reassessed = make_subject(force, "Reassessed", "Person")
    record(
        officer,
        reassessed,
        screening,
        assessed_on=long_ago,
        review_date=long_ago + dt.timedelta(days=7),
    )
    record(officer, reassessed, screening)  # a later review date supersedes the earlier one
    make_subject(force, "Never", "Assessed")

    result = risk_reviews(officer)
    assert result.count == 2
    assert [r.label for r in result.rows] == ["Overdue Person", "Due Person"]
    assert [r.tag for r in result.rows] == ["Overdue", "Due today"]
    client.force_login(officer)
    home = client.get("/?view=force").content.decode()  # the home opens on "mine"
    assert "Overdue Person" in home and "Reassessed Person" not in home


def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(
    client: Any, officer: Any, screening: Any, spj: Any
) -> None:
    force = officer.organisation
    long_ago = TODAY() - dt.timedelta(days=100)
    subject = make_subject(force)

    def add(n: int) -> None:
        for _ in range(n):
            s = make_subject(force, "Queue", "Person")
            record(
                officer,
                s,
                screening,
                assessed_on=long_ago,
                review_date=long_ago + dt.timedelta(days=1),
            )
            record(officer, subject, screening, assessed_on=long_ago)
            record(
                officer,
                subject,
                spj,
                answers=spj_answers(TODAY() + dt.timedelta(days=5)),
                review_date=None,
            )

    client.force_login(officer)
    urls = [reverse("risk:subject", args=[subject.pk]), reverse("risk:reviews")]
    add(1)
    client.get(urls[0])  # warm caches (session, user, definitions)
    small = [_queries(lambda u=u: client.get(u)) for u in urls] + [
        _queries(lambda: risk_reviews(officer))
    ]
    add(6)
    large = [_queries(lambda u=u: client.get(u)) for u in urls] + [
        _queries(lambda: risk_reviews(officer))
    ]
    assert small == large
    assert risk_reviews(officer).count == 7


def test_instrument_list_query_count(client: Any, users: dict[RoleCode, Any]) -> None:
    admin = users[R.SYSTEM_ADMIN]
    client.force_login(admin)
    url = reverse("risk:instruments")
    client.get(url)
    small = _queries(lambda: client.get(url))
    for n in range(4):
        data = frequency_measure()
        data["version"] = f"v{n}"
        services.instrument_load(actor=admin, organisation=admin.organisation, data=data)
    assert _queries(lambda: client.get(url)) == small
