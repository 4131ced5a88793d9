"""One rounding rule for every page (docs/evaluation.md, "Figures on the pages").

- A share is a percentage to one decimal place: 3 of 209 is "1.4%".
- A duration in hours is to one decimal place: "2.5 h".
- Money is in pounds and pence: "£1,234.50".
- Both round half to even on the binary value (Python's format), the same everywhere.

Pages, reports and dashboards format shares and hours only through these functions;
tests/architecture/test_one_rounding_rule.py scans for other rounding paths.
"""

from __future__ import annotations

from typing import Any

PERCENT_PLACES = 1
HOURS_PLACES = 1
MONEY_PLACES = 2  # pounds and pence


def percent(fraction: Any) -> str:
    """A fraction (0.25) as a percentage ("25.0%"); "" for no value."""
    if fraction is None or fraction == "":
        return ""
    return f"{100 * float(fraction):.{PERCENT_PLACES}f}%"


def share(part: Any, whole: Any) -> str:
    """`part` of `whole` as a percentage; "" when `whole` is not positive."""
    if not whole or float(whole) <= 0:
        return ""
    return percent(float(part) / float(whole))


def hours(value: Any) -> str:
    """A duration in hours ("2.5 h"); "" for no value."""
    if value is None or value == "":
        return ""
    return f"{float(value):.{HOURS_PLACES}f} h"


def money(value: Any) -> str:
    """An amount in pounds and pence ("£1,234.50", "-£12.00"); "" for no value."""
    if value is None or value == "":
        return ""
    amount = float(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.{MONEY_PLACES}f}"
