"""The Stalking Protection Act 2019 periods (desist.orders.law): examples and properties."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from desist.orders import law

RULES = [
    getattr(law, name)
    for name in dir(law)
    if not name.startswith("_")
    and inspect.isfunction(getattr(law, name))
    and getattr(law, name).__module__ == law.__name__
    and name not in {"anniversary", "last_day_of_period"}  # arithmetic, not rules
]

D = dt.date
any_date = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


def test_made_4_december_2026_may_end_3_december_2028() -> None:
    # Two years beginning with 4 Dec 2026 end with 3 Dec 2028 (end dates are inclusive).
    made = D(2026, 12, 4)
    assert law.fixed_period_long_enough(made, D(2028, 12, 3))
    assert not law.fixed_period_long_enough(made, D(2028, 12, 2))
    assert law.minimum_fixed_period_end(made) == D(2028, 12, 3)


def test_29_february() -> None:
    # Made 29 Feb 2028: the second anniversary is 1 Mar 2030 (no 29 Feb), so 28 Feb 2030.
    assert law.minimum_fixed_period_end(D(2028, 2, 29)) == D(2030, 2, 28)
    assert not law.fixed_period_long_enough(D(2028, 2, 29), D(2030, 2, 27))
    # Made 1 Mar 2026: the period ends on 29 Feb 2028, a leap day.
    assert law.minimum_fixed_period_end(D(2026, 3, 1)) == D(2028, 2, 29)
    assert not law.fixed_period_long_enough(D(2026, 3, 1), D(2028, 2, 28))
    # Made 28 Feb 2028: ends 27 Feb 2030.
    assert law.minimum_fixed_period_end(D(2028, 2, 28)) == D(2030, 2, 27)


@given(any_date)
def test_two_years_less_a_day_is_accepted_one_day_less_is_refused(made: dt.date) -> None:
    if (made.month, made.day) == (2, 29):
        end = D(made.year + 2, 2, 28)  # the day before 1 March two years on
    else:
        end = made.replace(year=made.year + 2) - dt.timedelta(days=1)
    assert law.fixed_period_long_enough(made, end)
    assert not law.fixed_period_long_enough(made, end - dt.timedelta(days=1))
    # The period [made, end] is two years: 730 or 731 days counting both ends.
    assert (end - made).days + 1 in (730, 731)


@given(any_date, st.integers(min_value=-400, max_value=400))
def test_full_term_rule_is_a_threshold(made: dt.date, offset: int) -> None:
    end = law.minimum_fixed_period_end(made) + dt.timedelta(days=offset)
    assert law.fixed_period_long_enough(made, end) == (offset >= 0)


def test_discharge_within_two_years_needs_both_consents() -> None:
    made = D(2026, 12, 4)
    for decided in (D(2026, 12, 5), D(2028, 12, 3)):
        assert not law.discharge_allowed(
            made_on=made, decided_on=decided, defendant_consents=False, chief_officer_consents=False
        )
        assert not law.discharge_allowed(
            made_on=made, decided_on=decided, defendant_consents=True, chief_officer_consents=False
        )
        assert not law.discharge_allowed(
            made_on=made, decided_on=decided, defendant_consents=False, chief_officer_consents=True
        )
        assert law.discharge_allowed(
            made_on=made, decided_on=decided, defendant_consents=True, chief_officer_consents=True
        )
    assert law.discharge_allowed(
        made_on=made,
        decided_on=D(2028, 12, 4),
        defendant_consents=False,
        chief_officer_consents=False,
    )


# --- s.5: interim orders ------------------------------------------------------------------


def test_interim_order_worked_examples() -> None:
    made, expires = D(2026, 12, 4), D(2027, 1, 31)
    assert law.interim_expiry_valid(made, expires)
    assert not law.interim_expiry_valid(made, made)
    # Decided before the fixed period ends: the interim order ends on the day of the decision.
    assert law.interim_last_day(expires, D(2027, 1, 10)) == D(2027, 1, 10)
    assert law.interim_last_day(expires, None) == expires
    # It is in force on its last day and has lapsed the day after.
    assert law.interim_days_left(expires, D(2027, 1, 24)) == 7
    assert law.interim_days_left(expires, expires) == 0
    assert law.interim_days_left(expires, D(2027, 2, 1)) is None


@given(any_date, st.integers(min_value=-60, max_value=60), st.none() | any_date)
def test_interim_properties(expires: dt.date, offset: int, decided: dt.date | None) -> None:
    today = expires + dt.timedelta(days=offset)
    left = law.interim_days_left(expires, today)
    assert (left is None) == (today > expires)
    if left is not None:
        assert today + dt.timedelta(days=left) == expires
    last = law.interim_last_day(expires, decided)
    assert last <= expires and (decided is None or last <= decided)
    assert last in {expires, decided}


# --- s.9: notification --------------------------------------------------------------------


def test_notification_worked_examples() -> None:
    # Served Friday 4 December 2026: Friday, Saturday, Sunday; due by Sunday 6 December.
    assert law.initial_notification_due(D(2026, 12, 4)) == D(2026, 12, 6)
    assert law.change_notification_due(D(2028, 2, 28)) == D(2028, 3, 1)
    # Served under the interim order first: the requirements run from that service.
    assert law.notification_requirements_from(D(2026, 1, 5), D(2026, 3, 1)) == D(2026, 1, 5)
    assert law.notification_requirements_from(None, None) is None
    # A full order made while the interim order is in force does not restart the notification.
    owed = law.initial_notification_owed
    assert not owed(full_order=True, replaces_interim=True, on_sex_offender_notification=False)
    assert owed(full_order=True, replaces_interim=False, on_sex_offender_notification=False)
    assert not owed(full_order=False, replaces_interim=False, on_sex_offender_notification=True)


@given(any_date)
def test_notification_is_three_days_counting_the_trigger_day(trigger: dt.date) -> None:
    for due in (law.initial_notification_due(trigger), law.change_notification_due(trigger)):
        days = [trigger + dt.timedelta(days=i) for i in range((due - trigger).days + 1)]
        assert len(days) == law.NOTIFICATION_DAYS == 3
        assert days[0] == trigger and days[-1] == due


@given(st.none() | any_date, st.none() | any_date)
def test_requirements_run_from_the_earlier_service(
    interim: dt.date | None, full: dt.date | None
) -> None:
    start = law.notification_requirements_from(interim, full)
    served = [d for d in (interim, full) if d is not None]
    assert start == (min(served) if served else None)


# --- s.7: renewal and variation -----------------------------------------------------------


def test_renewal_and_variation_worked_examples() -> None:
    made, ends = D(2026, 12, 4), D(2028, 12, 3)
    assert law.renewal_end_valid(ends, D(2029, 12, 3))
    assert not law.renewal_end_valid(ends, ends)
    assert law.renewal_end_valid(None, D(2027, 1, 1))  # until a further order: nothing to move
    assert law.variation_end_valid(made, ends)
    assert not law.variation_end_valid(made, D(2028, 12, 2))
    assert law.decision_date_valid(made, made)
    assert not law.decision_date_valid(made, D(2026, 12, 3))


@given(any_date, st.integers(min_value=-800, max_value=800))
def test_s7_rules_are_thresholds(made: dt.date, offset: int) -> None:
    day = made + dt.timedelta(days=offset)
    assert law.renewal_end_valid(made, day) == (offset > 0)
    assert law.decision_date_valid(made, day) == (offset >= 0)
    assert law.variation_end_valid(made, day) == law.fixed_period_long_enough(made, day)
    # Discharge without consent is allowed exactly when two full years have run.
    free = law.discharge_allowed(
        made_on=made, decided_on=day, defendant_consents=False, chief_officer_consents=False
    )
    assert free == (day > law.discharge_needs_consent_until(made))
    assert law.discharge_allowed(
        made_on=made, decided_on=day, defendant_consents=True, chief_officer_consents=True
    )


# --- the docstrings and the table in the docs ----------------------------------------------


def test_every_rule_names_its_section_of_the_act() -> None:
    assert len(RULES) >= 12
    for fn in RULES:
        assert fn.__doc__ and re.search(r"Stalking Protection Act 2019, section \d", fn.__doc__), (
            fn.__name__
        )


LIFECYCLE = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "spo-lifecycle.md"


def _value(text: str) -> Any:
    """A table cell: YYYY-MM-DD, yes/no, none or a whole number."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return D.fromisoformat(text)
    words = {"yes": True, "no": False, "none": None}
    return words[text] if text in words else int(text)


def _table_rows() -> list[tuple[str, str, dict[str, Any], Any]]:
    """(section, rule, inputs, expected) for each row of the "Statutory dates" table."""
    text = LIFECYCLE.read_text().split("## Statutory dates", 1)[1]
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| s.") or len(cells) != 4:
            continue
        section, rule, inputs, expected = cells
        kwargs = {}
        for pair in inputs.split(","):
            name, _, value = pair.strip().partition("=")
            kwargs[name] = _value(value)
        rows.append((section, rule.strip("`"), kwargs, _value(expected)))
    return rows


def test_the_statutory_date_table_in_the_docs_holds() -> None:
    """Every row of the table in docs/workflows/spo-lifecycle.md, run against law.py."""
    rows = _table_rows()
    assert len(rows) >= 30
    for section, rule, kwargs, expected in rows:
        fn = getattr(law, rule)
        assert fn in RULES, rule
        # The section column agrees with the docstring ("s.9(1)" -> "section 9(1)").
        assert f"section {section.removeprefix('s.')}" in (fn.__doc__ or ""), (rule, section)
        got = fn(**kwargs)
        assert got == expected, f"{section} {rule}({kwargs}) returned {got}, table says {expected}"


def test_the_table_has_a_row_for_every_rule() -> None:
    covered = {rule for _, rule, _, _ in _table_rows()}
    assert {fn.__name__ for fn in RULES} <= covered
