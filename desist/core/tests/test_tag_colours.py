"""Issue 19: tag colours follow meaning. Red urgent or overdue, orange due soon, blue waiting,
green in force or done, grey ended; no tag is yellow any more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desist.core.tags import BLUE, GREEN, GREY, ORANGE, PURPLE, RED, TURQUOISE, queue_tag_class
from desist.orders.dates import NotificationState
from desist.orders.templatetags.orders_tags import notification_tag_class, status_tag_class

DESIST = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "colour"),
    [
        ("Overdue", RED),
        ("Overdue by 12 days", RED),
        ("Urgent", RED),
        ("End date passed", RED),
        ("Due today", ORANGE),
        ("Due", ORANGE),
        ("Today", ORANGE),
        ("Review for renewal", ORANGE),
        ("Decision needed", ORANGE),
        ("Awaiting hearing", BLUE),
        ("Arrest", BLUE),
        ("Full", GREY),
    ],
)
def test_queue_tags_by_meaning(text: str, colour: str) -> None:
    assert queue_tag_class(text) == colour


def test_urgent_never_looks_like_awaiting_hearing() -> None:
    assert queue_tag_class("Urgent") != queue_tag_class("Awaiting hearing")


def test_order_and_notification_tags_by_meaning() -> None:
    assert status_tag_class("applied") == BLUE
    assert status_tag_class("interim") == TURQUOISE
    assert status_tag_class("full") == GREEN
    for ended in ("refused", "withdrawn", "expired", "discharged"):
        assert status_tag_class(ended) == GREY
    assert notification_tag_class(NotificationState.OVERDUE) == RED
    assert notification_tag_class(NotificationState.DUE) == ORANGE
    assert notification_tag_class(NotificationState.ON_TIME) == GREEN
    assert notification_tag_class(NotificationState.LATE) == PURPLE
    assert notification_tag_class(NotificationState.LAPSED) == GREY


def test_no_page_uses_a_yellow_tag() -> None:
    found = [
        str(p.relative_to(DESIST))
        for p in [*DESIST.rglob("*.html"), *DESIST.rglob("*.py")]
        if "tests" not in p.parts and re.search(r"govuk-tag--yellow", p.read_text())
    ]
    assert not found, found
