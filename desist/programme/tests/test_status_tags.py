"""No duplicated status tags (issue 20 item 7): the referral page's header shows the engagement
police see beside the referral's status only when it says something the status does not
('Completed' once, not twice)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from desist.programme.models import Programme
from desist.programme.tests.conftest import S, referral_at

pytestmark = pytest.mark.django_db


def header_tags(html: str) -> list[str]:
    """The tags between the page's heading and its first section."""
    header = html.split('<h1 class="govuk-heading-l">', 1)[1].split("<h2", 1)[0]
    return re.findall(r'<strong class="govuk-tag[^"]*"[^>]*>([^<]+)</strong>', header)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.COMPLETED, ["Completed"]),
        (S.DISENGAGED, ["Disengaged"]),
        (S.WAITING, ["On the waiting list"]),
        (S.ACTIVE, ["Active", "Attending"]),
        (S.WITHDRAWN, ["Withdrawn", "Did not take part"]),
    ],
)
def test_the_referral_header_shows_each_tag_once(
    client: Any,
    programme: Programme,
    officer: Any,
    practitioner: Any,
    status: str,
    expected: list[str],
) -> None:
    referral = referral_at(programme, officer, status, practitioner=practitioner)
    client.force_login(practitioner)
    html = client.get(reverse("programme:referral", args=[referral.pk])).content.decode()
    assert header_tags(html) == expected


def test_header_tags_reads_the_tags_before_the_first_section() -> None:
    html = (
        '<h1 class="govuk-heading-l">X</h1><p><strong class="govuk-tag a">One</strong>'
        '<strong class="govuk-tag b" id="e">Two</strong></p><h2>Later</h2>'
        '<strong class="govuk-tag">Three</strong>'
    )
    assert header_tags(html) == ["One", "Two"]
