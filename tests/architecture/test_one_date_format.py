"""One date format (issue 20 item 7): every page writes a date as GOV.UK does, '7 December 2026'
(settings.DATE_FORMAT), and a date and time as '7 December 2026, 14:05'
(settings.DATETIME_FORMAT). Text written in Python uses `core.dates.long_date` and
`long_datetime`. This walks every template and every module for a stray format."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from desist.core.dates import long_date, long_datetime

ROOT = Path(__file__).resolve().parents[2] / "desist"

# Formats a template may pass to |date or {% now %}: the two settings, seconds for the audit
# log, the weekday before them (calendar headings), a time alone, and the machine formats
# written into input values and datetime attributes.
ALLOWED = {
    settings.DATE_FORMAT,
    settings.DATETIME_FORMAT,
    f"{settings.DATETIME_FORMAT}:s",
    f"l {settings.DATETIME_FORMAT}",
    "l j F",
    "H:i",
    "Y-m-d",
    "c",
}
TEMPLATE_FORMAT = re.compile(r"""(?:\|date:|\{%\s*now\s+)(["'])(.*?)\1""")
# In Python: an abbreviated month, or a zero-padded day before a month ('07 Dec').
PYTHON_STRAY = re.compile(r"%b|%d %B|%d %b")
# Chart axis ticks, where a long month does not fit (desist/core/charts.py).
PYTHON_ALLOWED = {"core/charts.py"}


def _templates() -> list[Path]:
    return sorted(ROOT.glob("**/templates/**/*.html"))


def _modules() -> list[Path]:
    return sorted(
        p for p in ROOT.glob("**/*.py") if "tests" not in p.parts and "migrations" not in p.parts
    )


def test_every_template_date_uses_the_one_format() -> None:
    found = [
        (str(p.relative_to(ROOT)), fmt)
        for p in _templates()
        for _, fmt in TEMPLATE_FORMAT.findall(p.read_text())
    ]
    assert len(found) > 100  # the walk reads the real templates
    assert [(path, fmt) for path, fmt in found if fmt not in ALLOWED] == []


def test_no_module_writes_a_short_or_padded_date() -> None:
    stray = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _modules()
        if str(p.relative_to(ROOT)) not in PYTHON_ALLOWED
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if PYTHON_STRAY.search(line)
    ]
    assert stray == []


def test_the_walks_would_find_a_stray_format() -> None:
    assert TEMPLATE_FORMAT.findall('{{ x|date:"j M Y" }}') == [('"', "j M Y")]
    assert TEMPLATE_FORMAT.findall("{% now 'd/m/Y' %}") == [("'", "d/m/Y")]
    assert "j M Y" not in ALLOWED and "d/m/Y" not in ALLOWED
    assert PYTHON_STRAY.search('f"{day:%d %b %Y}"')


def test_python_writes_dates_as_the_settings_do() -> None:
    from django.utils.formats import date_format

    moment = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 5))
    assert (
        long_date(moment.date()) == date_format(moment.date(), "DATE_FORMAT") == "7 December 2026"
    )
    assert (
        long_datetime(moment) == date_format(moment, "DATETIME_FORMAT") == "7 December 2026, 09:05"
    )


# A Django format string given in Python (dateformat.format, date_format): the same allowed set.
PYTHON_DJANGO_FORMAT = re.compile(
    r"""(?:dateformat\.format|date_format)\((?:[^()]|\([^()]*\))*?,\s*(["'])(.*?)\1"""
)


def test_every_python_django_date_format_is_allowed() -> None:
    """Tester finding: a conflict panel said '6:13p.m.' where every page says 18:13."""
    found = [
        (str(p.relative_to(ROOT)), fmt)
        for p in _modules()
        for _, fmt in PYTHON_DJANGO_FORMAT.findall(p.read_text())
    ]
    assert len(found) >= 3  # the walk reads the real modules, nested calls too
    assert [(path, fmt) for path, fmt in found if fmt not in ALLOWED] == []
