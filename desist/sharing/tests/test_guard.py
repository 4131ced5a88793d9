"""The redaction guard: each kind of identifier, the forms it hides in, and what it says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desist.sharing import guard
from desist.sharing.redaction import RedactionBlocked, guard_text

PAIRS = [
    ("name", "Zoë Anne"),
    ("name", "de la Cruz-Smith"),
    ("address", "17 Wisteria Crescent, Hove"),
    ("postcode", "BN3 7QZ"),
    ("phone", "07700 900123"),
    ("email", "Zoe.Cruz@Example.org"),
]
IDS = guard.Identifiers.prepare(PAIRS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("He spoke about ZOE again", "name"),
        ("He mentioned anne", "name"),
        ("Surname CRUZ-SMITH came up", "name"),
        ("He drove down wisteria crescent last week", "address"),
        ("He said 17 Wisteria Crescent", "address"),
        ("near bn37qz", "postcode"),
        ("near Bn3   7qZ.", "postcode"),
        ("he has +44 7700 900123", "phone"),
        ("he has (07700) 900-123", "phone"),
        ("he has +44 (0)7700 900123", "phone"),
        ("he has 0044 7700900123", "phone"),
        ("wrote to ZOE.CRUZ@example.ORG yesterday", "email"),
    ],
)
def test_each_kind_is_found(text: str, kind: str) -> None:
    assert kind in IDS.kinds_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "He talked about his zookeeper job",  # 'zoe' only inside a word
        "Annex and annual leave",  # 'anne' only inside words
        "He lives in Hove",  # a town alone is not an address
        "de la mode",  # particles alone are not names
        "BN3 7QA is a different postcode",
        "07700 900124 is another number",
        "session 3 on 12/04/2026",
        "",
    ],
)
def test_no_false_match(text: str) -> None:
    assert IDS.kinds_in(text) == []


def test_check_names_the_kind_never_the_value(subject: Any, victim: Any) -> None:
    with pytest.raises(RedactionBlocked) as caught:
        guard_text(
            subject=subject,
            fields={
                "concern": "He said he waits near bn3 7qz for Philippa",
                "other": "Nothing identifying here",
            },
        )
    errors = caught.value.errors
    assert set(errors) == {"concern"}
    text = " ".join(errors["concern"])
    assert "contains a victim's name" in text and "contains a victim's postcode" in text
    assert "Remove it" in text
    assert "Philippa" not in text and "BN3" not in text.upper()


def test_check_passes_clean_text_and_other_subjects(subject: Any, victim: Any, force: Any) -> None:
    from desist.orders.tests.helpers import make_subject

    guard_text(subject=subject, fields={"note": "Engaged well and practised distress tolerance"})
    # Another subject's victims are not this subject's word list.
    guard_text(subject=make_subject(force), fields={"note": "Philippa, BN3 7QZ"})
    guard_text(subject=None, fields={"note": "Philippa"})


def test_phone_and_email_of_victim(subject: Any, victim: Any) -> None:
    with pytest.raises(RedactionBlocked) as caught:
        guard_text(
            subject=subject, fields={"a": "+44 7700-900-123", "b": "PHILIPPA.qz@example.org"}
        )
    assert "phone number" in caught.value.errors["a"][0]
    assert any("email address" in m for m in caught.value.errors["b"])


filler = st.text(alphabet=st.sampled_from("abcdefghij klmnop,.;"), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    before=filler,
    after=filler,
    spaces=st.integers(min_value=0, max_value=3),
    lower=st.booleans(),
)
def test_postcode_found_whatever_spacing_and_case(
    before: str, after: str, spaces: int, lower: bool
) -> None:
    code = "BN3" + " " * spaces + "7QZ"
    code = code.lower() if lower else code
    assert "postcode" in IDS.kinds_in(f"{before} {code} {after}")


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(["07700", "+447700", "+44 7700", "0044 7700", "+44 (0)7700"]),
    sep=st.sampled_from(["", " ", "-", "."]),
    before=filler,
)
def test_phone_found_in_any_form(prefix: str, sep: str, before: str) -> None:
    number = f"{prefix}{sep}900{sep}123"
    assert "phone" in IDS.kinds_in(f"{before} call {number} now")


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("bcdfghklmnpqrstvwxy .,"), max_size=60))
def test_text_without_identifiers_passes(text: str) -> None:
    # No vowels "a/e/i/o/u", no digits: cannot spell any identifier above.
    assert IDS.kinds_in(text) == []
