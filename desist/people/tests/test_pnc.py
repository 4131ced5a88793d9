from __future__ import annotations

import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from desist.people.models import pnc_check_letter, validate_pnc
from desist.people.validators import pnc_canonical, pnc_variants


@pytest.mark.parametrize(
    "value",
    [
        f"2019/0123456{pnc_check_letter('2019', '0123456')}",
        f"19/123456{pnc_check_letter('19', '123456')}",
        f" 2001 / 0000001{pnc_check_letter('2001', '0000001')} ",
        f"2019/0123456{pnc_check_letter('2019', '0123456')}".lower(),
    ],
)
def test_valid_pnc_numbers(value: str) -> None:
    validate_pnc(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "in the format"),
        ("0123456A", "in the format"),
        ("2019-0123456A", "in the format"),
        ("2019/01234567A", "in the format"),
        ("201/0123456A", "in the format"),
        ("2019/0123456", "in the format"),
        ("2019/ABCDEFGA", "in the format"),
        (
            "2019/0123456" + ("A" if pnc_check_letter("2019", "0123456") != "A" else "B"),
            "check letter",
        ),
    ],
)
def test_invalid_pnc_numbers(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_pnc(value)
    assert message in exc.value.messages[0]


years = st.one_of(st.integers(0, 99).map(lambda y: f"{y:02d}"), st.integers(1900, 2099).map(str))
serials = st.integers(0, 9_999_999).flatmap(lambda n: st.sampled_from([str(n), f"{n:07d}"]))


@given(year=years, serial=serials)
def test_built_pnc_numbers_validate(year: str, serial: str) -> None:
    validate_pnc(f"{year}/{serial}{pnc_check_letter(year, serial)}")


@given(year=years, serial=serials, letter=st.sampled_from(string.ascii_uppercase))
def test_a_changed_check_letter_fails(year: str, serial: str, letter: str) -> None:
    right = pnc_check_letter(year, serial)
    if letter == right:
        return
    with pytest.raises(ValidationError):
        validate_pnc(f"{year}/{serial}{letter}")


@given(year=years, serial=serials)
def test_every_written_form_finds_the_canonical_one(year: str, serial: str) -> None:
    value = f"{year}/{serial}{pnc_check_letter(year, serial)}"
    assert pnc_canonical(value) in pnc_variants(value)
    assert pnc_canonical(value) in pnc_variants(pnc_canonical(value))
