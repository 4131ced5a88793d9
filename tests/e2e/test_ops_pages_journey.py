"""Operations pages in the browser, each checked with axe: the administrator's red banner when
the alerts pass has stopped (issue 15), and the page shown when a form's CSRF check fails."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from desist.jobs.models import Heartbeat
from desist.jobs.tasks import ALERT_JOBS

pytestmark = pytest.mark.e2e


def test_the_admin_sees_why_alerts_stopped(
    page: Any,
    seeded: Any,
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    for job in ALERT_JOBS:  # the worker stopped four minutes ago
        Heartbeat.objects.update_or_create(
            name=f"job:{job}",
            defaults={"kind": "job", "at": timezone.now() - dt.timedelta(minutes=4)},
        )
    login(page, "admin")
    banner = page.get_by_role("alert")
    assert "Background jobs are not running" in banner.inner_text()
    assert "Alerts are not being sent or escalated on time" in banner.inner_text()
    assert_accessible(page)


def test_a_form_whose_csrf_check_fails_explains_itself(
    page: Any, seeded: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page.goto("/accounts/login/")
    page.context.clear_cookies()  # as when the cookie has gone: the form's token no longer matches
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "anything")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text().strip() == "Your form could not be sent"
    e2e = sys.modules[assert_accessible.__module__]  # the conftest as pytest loaded it
    # The browser reports the 403 itself; that one is expected, nothing else is.
    assert [p for p in e2e.page_problems(page).take() if "403" not in p] == []
    assert_accessible(page)
