"""The evaluator reads a complete evaluation report on a phone, a laptop and a wide screen.

At 375, 1280 and 1920 px wide, every chart stays inside its column and overlaps no data table
(measured from the laid-out bounding boxes), the page never scrolls sideways, and the report
passes axe. The report carries the hazard ratios, the log-rank result, the proportional-hazards
check and the balance tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from desist.core.tests.exporting import csv_dicts
from desist.evaluation.extract import DICTIONARY_FIELDS

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280, 1920)
# Every chart, every data table, the column each chart sits in, and the page's widths.
GEOMETRY_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; };
  const charts = Array.from(document.querySelectorAll('img.desist-chart')).map((img) => ({
    title: img.alt, box: box(img), column: box(img.parentElement), loaded: img.naturalWidth > 0,
  }));
  const tables = Array.from(document.querySelectorAll('.desist-table-scroll')).map((t) => ({
    caption: t.getAttribute('aria-label'), box: box(t),
  }));
  const main = box(document.querySelector('main'));
  return {charts, tables, main, scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth};
}"""
EPS = 0.5  # sub-pixel rounding


def _population() -> None:
    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.evaluation.tests.test_report_complete import report_population

    report_population(
        Organisation.objects.get(code="sussex-police"),
        User.objects.get(username="police.sussex"),
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > EPS
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > EPS
    )


def _layout_problems(g: dict[str, Any], width: int) -> list[str]:
    problems = []
    if g["scrollWidth"] > g["innerWidth"]:
        problems.append(f"{width}px: the page scrolls sideways ({g['scrollWidth']}px wide)")
    for c in g["charts"]:
        box, column = c["box"], c["column"]
        if not c["loaded"] or box["width"] < 100:
            problems.append(f"{width}px: chart not drawn or too small: {c['title']}")
        if box["left"] < column["left"] - EPS or box["right"] > column["right"] + EPS:
            problems.append(f"{width}px: chart wider than its column: {c['title']}")
        for t in g["tables"]:
            if _overlap(box, t["box"]):
                problems.append(f"{width}px: chart {c['title']!r} overlaps table {t['caption']!r}")
    for t in g["tables"]:
        if t["box"]["right"] > g["main"]["right"] + EPS:
            problems.append(f"{width}px: table spills out of the page: {t['caption']}")
    return problems


def test_report_layout_at_three_widths(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    _population()
    login(page, "evaluator")
    page.goto("/evaluation/report/")
    with page.expect_navigation():
        page.get_by_role("button", name="Generate report", exact=True).click()
    assert page.locator("h1").inner_text() == "Evaluation report"
    body = page.inner_text("main")
    for caption in (
        "Hazard ratios for first proven re-offence",
        "Comparison of the survival curves",
        "Proportional-hazards check per covariate",
        "Covariate balance of the matched groups, before and after matching",
    ):
        assert caption in body, caption
    assert "Days since the index date" in body

    assert re.search(r"/evaluation/runs/\d+/$", page.url), page.url
    _assert_fits(page)
    assert_accessible(page)

    # The programme manager's run page (suppressed cells, "Withheld" rows) fits as well.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "programme.manager")
    page.goto("/evaluation/report/")
    with page.expect_navigation():
        page.get_by_role("button", name="Generate report", exact=True).click()
    assert re.search(r"/evaluation/runs/\d+/$", page.url), page.url
    _assert_fits(page)
    assert_accessible(page)


def _assert_fits(page: Any) -> None:
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function("Array.from(document.images).every((i) => i.complete)")
        geometry = page.evaluate(GEOMETRY_JS)
        assert len(geometry["charts"]) >= 3 and len(geometry["tables"]) >= 6
        problems += _layout_problems(geometry, width)
    assert not problems, "\n".join(problems)


def _download(
    page: Any, link: str, purpose: str = "", check: Callable[[Any], None] | None = None
) -> list[dict[str, str]]:
    """Follow the download link; with a purpose, answer the question it leads to first
    (core.export_purpose), axe-checked by `check`."""
    if purpose:
        with page.expect_navigation():
            page.get_by_role("link", name=link).click()
        assert page.locator("h1").inner_text() == "Why are you exporting this?"
        if check is not None:
            check(page)
        page.get_by_label(purpose).check()
    with page.expect_download() as info:
        if purpose:
            page.get_by_role("button", name="Download").click()
        else:
            page.get_by_role("link", name=link).click()
    path = info.value.path()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return csv_dicts(fh.read())


def test_overseer_downloads_the_extract_and_its_dictionary(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """The overseer opens the extract page (axe), downloads the one-row-per-person extract (after
    saying why, axe) and the data dictionary, and every column of the extract is defined in the dictionary, on the
    page as in the file; the page never scrolls sideways at 375 px."""
    _population()
    login(page, "evaluator")
    page.goto("/evaluation/extract/")
    assert page.locator("h1").inner_text().startswith("Pseudonymised extract")
    assert_accessible(page)
    people = _download(
        page,
        "Download the extract, one row per person (CSV)",
        purpose="The independent evaluation of the programme",
        check=assert_accessible,
    )
    page.goto("/evaluation/extract/")
    dictionary = _download(page, "Download the data dictionary (CSV)")  # no rows: not asked
    assert people, "the extract has rows"
    assert list(dictionary[0]) == DICTIONARY_FIELDS
    defined = {d["name"] for d in dictionary}
    assert set(people[0]) <= defined, set(people[0]) - defined
    on_page = page.inner_text("main .desist-table-scroll")
    assert all(name in on_page for name in people[0])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        geometry = page.evaluate(GEOMETRY_JS)
        problems = _layout_problems(geometry, width)
        assert not problems, "\n".join(problems)
    assert_accessible(page)


def test_alert_timeliness_fits_a_phone(
    page: Any,
    seeded: dict[str, int],
    login: Callable[..., Any],
    assert_accessible: Callable[[Any], None],
) -> None:
    """The alert timeliness table on the oversight and programme dashboards scrolls in its own
    labelled region at 375 px; the page does not. Seen red: the table made both pages 575 px
    wide before it was wrapped."""
    import datetime as dt

    from django.utils import timezone

    from desist.accounts.models import User
    from desist.core.models import Organisation
    from desist.orders.tests.helpers import make_subject
    from desist.sharing.models import Alert

    officer = User.objects.get(username="police.sussex")
    subject = make_subject(Organisation.objects.get(code="sussex-police"))
    now = timezone.now()
    for priority, acked in (("urgent", 1), ("high", None), ("routine", 30)):
        Alert.objects.create(
            kind="breach_recorded",
            priority=priority,
            recipient=officer,
            recipient_organisation=officer.organisation,
            subject=subject,
            title="An alert",
            created_at=now - dt.timedelta(hours=2),
            due_by=now + dt.timedelta(hours=2),
            acknowledged_at=now - dt.timedelta(hours=acked) if acked else None,
        )
    for username, path in (
        ("evaluator", "/evaluation/oversight/"),
        ("programme.manager", "/evaluation/programme/"),
    ):
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 900})
        login(page, username)
        page.goto(path)
        region = page.get_by_role("region", name="Alerts acknowledged by their deadline")
        assert "Still within" in region.inner_text() or "still within" in region.inner_text()
        page.set_viewport_size({"width": 375, "height": 900})
        geometry = page.evaluate(GEOMETRY_JS)
        problems = _layout_problems(geometry, 375)
        assert not problems, f"{path}: " + "\n".join(problems)
        assert_accessible(page)
