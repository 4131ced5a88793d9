"""The public self-referral form says, near its submit button, who holds what is sent, why,
and how long: the periods come from the retention schedule, not from the template (issue 18)."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

import pytest
from django.urls import reverse

from desist.retention import registry
from desist.safeguarding import retention


def _privacy(client: Any) -> str:
    page = client.get(reverse("safeguarding:self_refer")).content.decode()
    start = page.index("How we use what you tell us")
    assert start < page.index('type="submit"')  # before the button, not after it
    return html.unescape(re.sub(r"<[^>]+>", "", page[start:]))


def _years(text: str, pattern: str) -> int:
    match = re.search(pattern, " ".join(text.split()))
    assert match, pattern
    return int(match.group(1))


NOT_TAKEN_UP = r"if we never start supporting you, we delete it (\d+) years? after"
SUPPORTED = r"for (\d+) years? after our support ends"


@pytest.mark.django_db
def test_the_periods_shown_are_the_schedule_s(client: Any) -> None:
    text = _privacy(client)
    assert _years(text, NOT_TAKEN_UP) == registry.get(retention.SELF_REFERRAL).years
    assert _years(text, SUPPORTED) == registry.get(retention.ADVOCACY).years
    assert "Read our full privacy notice" in text and "data controller" in text


@pytest.mark.django_db
def test_a_changed_schedule_changes_the_form(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen red: with the period written into the template, the form kept saying 1 year."""
    changed = dataclasses.replace(registry.get(retention.SELF_REFERRAL), years=3)
    monkeypatch.setitem(registry._classes, retention.SELF_REFERRAL, changed)
    text = _privacy(client)
    assert _years(text, NOT_TAKEN_UP) == 3
    assert "3 years after we close your request" in " ".join(text.split())
    page = client.get(reverse("safeguarding:self_refer")).content.decode()
    assert f'href="{reverse("privacy")}"' in page
