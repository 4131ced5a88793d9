"""The clinical supervisor's pages (issue 20 tester findings): every review due can be reached
(the list is paged, not cut at a fixed number), and each log entry links to its session."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from desist.programme import actions, views
from desist.programme.models import Referral
from desist.programme.tests.conftest import held_sessions

pytestmark = pytest.mark.django_db


def test_every_review_due_can_be_reached_page_by_page(
    client: Any, monkeypatch: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    monkeypatch.setattr(views, "REVIEWS_PAGE_SIZE", 2)
    held_sessions(practitioner, active, [1, 2, 3])
    client.force_login(clin)
    url = reverse("programme:supervision")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "3 reviews due, oldest first" in first
    assert first.count("session 1<") + first.count("session 2<") == 2
    assert "govuk-pagination" in first and "page=2" in first
    assert "session 3<" in second


def test_a_log_entry_links_to_the_session_it_reviews(
    client: Any, active: Referral, practitioner: Any, clin: Any
) -> None:
    held_sessions(practitioner, active, [1])
    session = active.sessions.get(number=1)
    actions.session_review(
        actor=clin,
        session=session,
        version=session.version,
        comment="Fine",
        adherence=2,
        competence=2,
    )
    for viewer in (clin, practitioner):
        client.force_login(viewer)
        html = client.get(reverse("programme:supervision_log", args=[practitioner.pk])).content
        link = f'href="{reverse("programme:session", args=[session.pk])}"'
        assert link in html.decode()
