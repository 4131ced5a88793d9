"""The Stalking Protection Act 2019 periods (desist.orders.law): examples and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from desist.orders import dates, law

D = dt.date
any_date = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


def test_made_4_december_2026_may_end_3_december_2028() -> None:
    # Two years beginning with 4 Dec 2026 end with 3 Dec 2028 (end dates are inclusive).
    made = D(2026, 12, 4)
    assert dates.full_term_long_enough(made, D(2028, 12, 3))
    assert not dates.full_term_long_enough(made, D(2028, 12, 2))
    assert dates.minimum_full_end(made) == D(2028, 12, 3)


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


def test_docstrings_name_the_act() -> None:
    for fn in (law.minimum_fixed_period_end, law.discharge_needs_consent_until):
        assert fn.__doc__ and "Stalking Protection Act 2019, section" in fn.__doc__


def _table_rows() -> list[list[str]]:
    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "spo-date-rules.md"
    lines = [ln for ln in doc.read_text().splitlines() if ln.startswith("| ")]
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[1:]]
    assert len(rows) >= 6
    return rows


def test_the_documented_table_matches_the_functions() -> None:
    for rule, made_s, last_s, earlier_s in _table_rows():
        made, last, earlier = (D.fromisoformat(s) for s in (made_s, last_s, earlier_s))
        assert earlier == last - dt.timedelta(days=1)
        if rule == "Fixed period":
            assert law.minimum_fixed_period_end(made) == last, made
            assert law.fixed_period_long_enough(made, last)
            assert not law.fixed_period_long_enough(made, earlier)
        else:
            assert rule == "Discharge without consent"
            assert law.discharge_needs_consent_until(made) == last
            kw = {"made_on": made, "defendant_consents": False, "chief_officer_consents": False}
            assert not law.discharge_allowed(decided_on=last, **kw)
            assert law.discharge_allowed(decided_on=last + dt.timedelta(days=1), **kw)
