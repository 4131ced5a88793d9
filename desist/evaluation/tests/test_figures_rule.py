"""Suppression protects people, not failures (privacy.FIGURES), and the programme manager's
home page and dashboard show the same places figures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from desist.core import figures
from desist.evaluation import privacy
from desist.evaluation.tests.test_dashboards import _programme
from desist.programme.models import ReferralStatus
from desist.programme.tests.conftest import referral_at


def test_the_rule_is_data() -> None:
    about = privacy.FIGURES
    assert about["funnel.people"] is privacy.About.PEOPLE
    # A person-count is suppressed for an aggregates-only viewer, and only for them.
    assert privacy.shown_count("funnel.people", 3, aggregate=True) == "<5"
    assert privacy.shown_count("funnel.people", 3, aggregate=False) == 3
    assert privacy.shown_rate("completion_rate", 3, 40, aggregate=True).startswith("Withheld")
    # A service figure never is.
    assert privacy.shown_count("alerts.on_time", 3, aggregate=True) == 3
    assert privacy.shown_rate("alerts.share_on_time", 3, 209, aggregate=True) == "1.4%"
    # A figure nobody classified cannot be shown.
    with pytest.raises(KeyError, match="not in privacy.FIGURES"):
        privacy.shown_count("something.new", 7, aggregate=False)


def test_one_rounding_rule() -> None:
    assert figures.percent(3 / 209) == "1.4%" == figures.share(3, 209)
    assert figures.percent(0.5) == "50.0%" and figures.share(1, 0) == ""
    assert figures.hours(2.45) == "2.5 h" and figures.hours(None) == ""


def test_manager_home_and_dashboard_agree_on_waiting(
    client: Any, manager: Any, officer: Any, orgs: dict[str, Any], force: Any, pilot: Any
) -> None:
    """4 waiting: the home page's capacity queue and the dashboard's places table both say 4
    (the dashboard said "<5"; seen red with places.waiting classified as about people)."""
    programme = _programme(manager, orgs, force)
    for _ in range(4):
        referral_at(programme, officer, ReferralStatus.WAITING)
    client.force_login(manager)
    home = client.get(reverse("core:home")).content.decode()
    board = client.get(reverse("evaluation:programme_dashboard"))
    [on_home] = re.findall(r"([^\s>]+) of 30 places taken; ([^\s>]+) waiting", home)
    [row] = board.context["board"].places
    assert on_home == (str(row.in_use), str(row.waiting)) == ("0", "4")
    html = board.content.decode()
    assert re.search(r'numeric">4</td>\s*</tr>', html), "the dashboard's waiting cell"
