"""Retention reasons are bounded (tester finding, issue 18): a 5,000-character 'why kept' was
accepted, shown unbroken and written in full into the audit log. Now 1,000 characters at
most, with a GOV.UK error, and long words wrap where a reason is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.retention import clock, services
from desist.retention.models import RetentionReview

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 1001
LONGEST = "y" * 1000
MESSAGE = "The reason must be 1,000 characters or fewer"


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_SUPERVISOR]


@pytest.fixture
def review(supervisor: Any) -> RetentionReview:
    # A listed review needs no real record to be kept or held.
    return RetentionReview.objects.create(
        record_class="cases.group-3",
        record_type="cases.Case",
        record_id=4242,
        reference="CR/4242",
        organisation=supervisor.organisation,
        due_on=clock.today(),
        listed_at=clock.now(),
    )


def _next_year() -> dt.date:
    return clock.today() + dt.timedelta(days=365)


def test_the_commands_refuse_a_reason_over_1000_characters(
    supervisor: Any, review: RetentionReview
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.retention_keep(
            actor=supervisor, review=review, reason=TOO_LONG, next_review_on=_next_year()
        )
    assert caught.value.message_dict == {"reason": [MESSAGE]}
    with pytest.raises(ValidationError) as caught:
        services.retention_hold_place(actor=supervisor, review=review, reason=TOO_LONG)
    assert caught.value.message_dict == {"reason": [MESSAGE]}
    services.retention_hold_place(actor=supervisor, review=review, reason=LONGEST)
    with pytest.raises(ValidationError) as caught:
        services.retention_hold_lift(actor=supervisor, review=review, reason=TOO_LONG)
    assert caught.value.message_dict == {"reason": [MESSAGE]}
    assert not AuditEvent.objects.filter(verb__in=["retention.keep", "retention.hold_lift"])


def test_the_keep_form_shows_the_error_and_writes_nothing(
    client: Any, supervisor: Any, review: RetentionReview
) -> None:
    client.force_login(supervisor)
    url = reverse("retention:review", args=[review.pk])
    response = client.post(url, {"reason": "z" * 5000, "next_review_on": _next_year().isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and page.count(MESSAGE) == 2  # summary and field
    assert "z" * 5000 in page  # kept in the box, to be shortened rather than retyped
    assert not AuditEvent.objects.filter(verb="retention.keep").exists()
    review.refresh_from_db()
    assert review.keep_reason == ""


def test_the_longest_reason_is_kept_and_shown_wrapped(
    client: Any, supervisor: Any, review: RetentionReview
) -> None:
    client.force_login(supervisor)
    url = reverse("retention:review", args=[review.pk])
    response = client.post(url, {"reason": LONGEST, "next_review_on": _next_year().isoformat()})
    assert response.status_code == 302
    assert AuditEvent.objects.get(verb="retention.keep").justification == LONGEST
    page = client.get(url).content.decode()
    assert f'govuk-!-text-break-word">{LONGEST}' in page
