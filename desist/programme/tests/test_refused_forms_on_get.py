"""A form whose submit is refused in the record's state says so when opened by its address
(issue 20 tester finding): the same reason the command gives, no form to fill in for nothing.
The project's pattern (`programme/form.html` `refused`, as the referral change page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from desist.programme import actions
from desist.programme.models import Attendance, Referral
from desist.programme.tests.conftest import book

pytestmark = pytest.mark.django_db

CHANGED = "This session was rescheduled or cancelled: it can no longer be changed"


def _cancelled(practitioner: Any, referral: Referral) -> Any:
    session = book(practitioner, referral, days_ago=3)
    return actions.session_cancel(
        actor=practitioner, session=session, version=session.version, reason="Unwell"
    )


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _refused(client: Any, url: str, reason: str) -> None:
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert reason in html, url
    assert 'method="post"' not in _main(html), url


def test_forms_on_a_cancelled_session_say_so_on_get(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    session = _cancelled(practitioner, active)
    client.force_login(practitioner)
    for name in ("attendance", "reschedule", "cancel"):
        _refused(client, reverse(f"programme:{name}", args=[session.pk]), CHANGED)
    _refused(
        client,
        reverse("programme:notes", args=[session.pk]),
        "This session was cancelled: there are no clinical notes to write",
    )
    client.force_login(clin)
    _refused(
        client,
        reverse("programme:review", args=[session.pk]),
        "This session was cancelled: there is nothing to rate",
    )


def test_a_review_form_says_so_when_the_session_is_not_reviewable(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    session = book(practitioner, active, days_ago=3)
    client.force_login(clin)
    url = reverse("programme:review", args=[session.pk])
    _refused(client, url, "Attendance must be recorded before review")
    session = actions.session_record_attendance(
        actor=practitioner, session=session, version=session.version, attendance=Attendance.ATTENDED
    )
    html = client.get(url).content.decode()
    assert 'method="post"' in _main(html)  # reviewable now: the form is offered


def test_an_ended_intervention_cannot_be_ended_again_from_its_address(
    client: Any, active: Referral, practitioner: Any
) -> None:
    client.force_login(practitioner)
    url = reverse("programme:change", args=[active.pk, "withdrawn"])
    # Already refused on GET for an ended referral (the referral change page's own check).
    Referral.objects.filter(pk=active.pk).update(status="completed")
    html = client.get(url).content.decode()
    assert 'method="post"' not in _main(html)
