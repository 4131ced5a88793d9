"""The redaction guard: each kind of identifier, the forms it hides in, what it says, and the
audit row a blocked attempt leaves. Matching rules: docs/adr/0012-redaction-guard-matching.md."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from desist.audit.models import AuditEvent
from desist.sharing import redaction
from desist.sharing.redaction import MESSAGE, Identifiers, RedactionBlocked, guard_text

PAIRS = [
    ("name", "Rebecca"),
    ("name", "de la Cruz-Smith"),
    ("name", "Zoë"),
    ("name", "Al"),
    ("name", "Al Li"),
    ("name", "O’Brien"),
    ("address", "12 Downs View, Hove"),
    ("address", "Flat 2\n17 Wisteria Crescent"),
    ("postcode", "BN1 1AA"),
    ("phone", "07700 900033"),
    ("email", "becks.holloway@example.org"),
    ("safe_word", "pineapple"),
]
IDS = Identifiers.prepare(PAIRS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("He spoke about Rebecca's car", "name"),  # possessive, straight apostrophe
        ("He spoke about Rebecca’s car", "name"),  # possessive, typographic apostrophe
        ("REBECCA again", "name"),
        ("rebecca again", "name"),
        ("Rébecca again", "name"),  # diacritic added
        ("Zoe again", "name"),  # diacritic removed
        ("R\u0435becca again", "name"),  # Cyrillic е
        ("\u0396oe again", "name"),  # Greek Ζ
        ("Rebe\u0441\u0441a again", "name"),  # Cyrillic с
        ("Reb\u03b5cca again", "name"),  # Greek ε
        ("Ｒｅｂｅｃｃａ again", "name"),  # full-width, NFKC
        ("Re\u200bbecca again", "name"),  # zero-width space
        ("Re\u00adbecca again", "name"),  # soft hyphen
        ("Surname CRUZ-SMITH came up", "name"),
        ("obrien came up", "name"),
        ("O'Brien came up", "name"),
        ("Al Li came up", "name"),  # short words together
        ("He drove down downs view last week", "address"),
        ("He said 12 Downs View", "address"),
        ("He said 12, Downs View", "address"),
        ("He said 12 DOWNS-VIEW", "address"),
        ("He said 12 Downs Vw", "address"),
        ("17 wisteria cres.", "address"),
        ("near bn11aa", "postcode"),
        ("near BN1 1AA.", "postcode"),
        ("near bn1-1aa", "postcode"),
        ("near \u0412N1 1\u0410\u0410", "postcode"),  # Cyrillic В and А
        ("he has 07700 900033", "phone"),
        ("he has 07700-900-033", "phone"),
        ("he has +44 7700 900033", "phone"),
        ("he has +44 (0)7700 900033", "phone"),
        ("he has 0044 7700900033", "phone"),
        ("he has ０７７００９０００３３", "phone"),  # full-width digits
        ("wrote to BECKS.HOLLOWAY@example.org", "email"),
        ("his contact is becks.holloway", "email"),  # the local part alone
        ("his contact is becks holloway", "email"),
        ("the word was PINEAPPLE", "safe_word"),
    ],
)
def test_each_kind_is_found_in_its_forms(text: str, kind: str) -> None:
    assert kind in IDS.kinds_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Engaged well and practised distress tolerance and emotion regulation",
        # Only inside a word. ("rebeccan", one letter more, is a near miss: ADR 0012.)
        "He talked about his job at the rebeccanite society",
        "Bec and Becca are not the name",
        "Smart recovery and the smith family",  # 'smith' is a whole word of a name: see below
        "He cited Jones et al in the session",  # 'Al' alone is too short to match
        "He lives in Hove",  # a town alone is not an address
        "de la mode",  # particles alone are not names
        "BN1 1AB is a different postcode",
        "07700 900034 is another number",
        "Session 3 on 12/04/2026 at 10:30, room 12",
        "Flat tyre on the way",
        "",
    ],
)
def test_ordinary_text_is_not_blocked(text: str) -> None:
    kinds = IDS.kinds_in(text)
    # A whole word of a surname is a name, even when it is also an ordinary word.
    assert kinds == (["name"] if "smith" in text else [])


# --- property-based: generated identifiers and their variants -------------------------------

VOWELS = "aeiou"
CONSONANTS = "bcdfghjklmnprstvwz"
syllable = st.tuples(st.sampled_from(CONSONANTS), st.sampled_from(VOWELS)).map("".join)
name_word = st.lists(syllable, min_size=2, max_size=4).map("".join)  # 4 to 8 letters
filler = st.sampled_from(
    [
        "he said",
        "in session",
        "we discussed",
        "distress tolerance",
        "the plan",
        "mindfulness practice",
        "",
    ]
)
CONFUSABLE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}
CONFUSABLE |= {"x": "\u0445", "i": "\u0456", "k": "\u03ba", "t": "\u03c4"}


@st.composite
def name_variant(draw: st.DrawFn, word: str) -> str:
    """The name as someone might type it to get past a guard."""
    out = []
    for ch in word:
        roll = draw(st.integers(min_value=0, max_value=5))
        if roll == 0:
            ch = ch.upper()
        elif roll == 1 and ch in CONFUSABLE:
            ch = CONFUSABLE[ch]
        elif roll == 2 and ch in VOWELS:
            ch = unicodedata.normalize("NFC", ch + "\u0301")  # an accent
        elif roll == 3:
            ch = ch + "\u200b"  # an invisible character
        out.append(ch)
    suffix = draw(st.sampled_from(["", "'s", "’s", ".", ",", "!"]))
    return "".join(out) + suffix


@settings(max_examples=150, deadline=None)
@given(data=st.data(), word=name_word, before=filler, after=filler)
def test_generated_names_are_blocked_in_any_variant(
    data: st.DataObject, word: str, before: str, after: str
) -> None:
    ids = Identifiers.prepare([("name", word.capitalize())])
    variant = data.draw(name_variant(word))
    assert ids.kinds_in(f"{before} {variant} {after}") == ["name"]


@settings(max_examples=100, deadline=None)
@given(
    core=st.from_regex(r"7[0-9]{9}", fullmatch=True),
    prefix=st.sampled_from(["0", "+44 ", "+44", "0044 ", "+44 (0)"]),
    sep=st.sampled_from(["", " ", "-", ".", " - "]),
    before=filler,
)
def test_generated_phones_are_blocked_in_any_form(
    core: str, prefix: str, sep: str, before: str
) -> None:
    ids = Identifiers.prepare([("phone", "0" + core)])
    number = prefix + core[:4] + sep + core[4:7] + sep + core[7:]
    assert ids.kinds_in(f"{before} call {number} now") == ["phone"]


postcode = st.from_regex(r"[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(code=postcode, sep=st.sampled_from(["", " ", "  ", "-"]), lower=st.booleans())
def test_generated_postcodes_are_blocked_whatever_spacing_and_case(
    code: str, sep: str, lower: bool
) -> None:
    ids = Identifiers.prepare([("postcode", code)])
    typed = code.replace(" ", sep)
    typed = typed.lower() if lower else typed
    assert ids.kinds_in(f"he waits near {typed} most days") == ["postcode"]


@settings(max_examples=100, deadline=None)
@given(
    number=st.integers(min_value=1, max_value=250),
    street=st.tuples(name_word, st.sampled_from(["Road", "Street", "View", "Close", "Lane"])),
    typed_sep=st.sampled_from([" ", ", ", " ,"]),
    abbreviate=st.booleans(),
)
def test_generated_addresses_are_blocked_with_or_without_number(
    number: int, street: tuple[str, str], typed_sep: str, abbreviate: bool
) -> None:
    name, kind = street
    ids = Identifiers.prepare([("address", f"{number} {name.capitalize()} {kind}, Lewes")])
    short = {"Road": "Rd", "Street": "St", "Close": "Cl", "Lane": "Ln"}
    typed_kind = short.get(kind, kind) if abbreviate else kind
    assert ids.kinds_in(f"went to {number}{typed_sep}{name} {typed_kind}") == ["address"]
    assert ids.kinds_in(f"drove along {name.upper()} {typed_kind} twice") == ["address"]


@settings(max_examples=80, deadline=None)
@given(local=st.tuples(name_word, st.sampled_from([".", "_", "-"]), name_word))
def test_generated_email_local_parts_are_blocked(local: tuple[str, str, str]) -> None:
    first, sep, last = local
    ids = Identifiers.prepare([("email", f"{first}{sep}{last}@example.org")])
    assert ids.kinds_in(f"he wrote to {first}{sep}{last.upper()}@EXAMPLE.org") == ["email"]
    assert ids.kinds_in(f"her handle is {first}{sep}{last}") == ["email"]


CLINICAL = (
    "Attended on time and engaged well. We practised distress tolerance and mindfulness. "
    "He described feeling rejected and angry after the hearing; we discussed the order, "
    "his work, his sleep and a plan for the weekend. Risk discussed with the supervisor. "
    "Homework: the emotion regulation worksheet, session 7 of 12."
)
CLINICAL_WORDS = set(CLINICAL.lower().replace(".", " ").replace(",", " ").split())


@settings(max_examples=150, deadline=None)
@given(
    first=name_word,
    last=name_word,
    code=postcode,
    core=st.from_regex(r"7[0-9]{9}", fullmatch=True),
)
def test_ordinary_clinical_text_passes_for_any_victim(
    first: str, last: str, code: str, core: str
) -> None:
    assume(first not in CLINICAL_WORDS and last not in CLINICAL_WORDS)
    ids = Identifiers.prepare(
        [
            ("name", first),
            ("name", last),
            ("address", f"3 {last} Gardens"),
            ("postcode", code),
            ("phone", "0" + core),
            ("email", f"{first}.{last}@example.org"),
        ]
    )
    assert ids.kinds_in(CLINICAL) == []


# --- the door: messages, audit, the identifier source ---------------------------------------


@pytest.mark.django_db
def test_blocked_text_gets_one_kind_neutral_message_and_an_audit_row(
    subject: Any, victim: Any, practitioner: Any
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(RedactionBlocked) as caught:
        guard_text(
            actor=practitioner,
            subject=subject,
            where="programme.session_record",
            fields={
                "concern": "He said he waits near bn3 7qz for Philippa’s bus",
                "other": "Nothing identifying here",
            },
        )
    assert caught.value.errors == {"concern": [MESSAGE]}
    for word in ("name", "postcode", "Philippa", "BN3"):
        assert word.lower() not in MESSAGE.lower()
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1 and event is not None
    assert (event.actor_id, event.category, event.verb) == (
        practitioner.pk,
        "security",
        "redaction.blocked",
    )
    assert (event.object_type, event.object_id) == ("people.Subject", str(subject.pk))
    assert event.new_values == {
        "where": "programme.session_record",
        "fields": ["concern"],
        "kinds": {"concern": ["name", "postcode"]},
    }
    assert "philippa" not in str(event.new_values).lower()
    assert "bn3" not in str(event.new_values).lower()


@pytest.mark.django_db
def test_each_kind_of_the_victims_record_is_guarded(subject: Any, case: Any) -> None:
    from desist.orders.tests.helpers import make_victim

    make_victim(
        case,
        first_names="Rebecca",
        last_name="Holloway",
        preferred_name="Becks",
        address="12 Downs View, Brighton",
        postcode="BN1 1AA",
        phone="07700 900033",
        alternative_phone="01273 900044",
        email="r.holloway@example.org",
        safe_word="Lighthouse",
    )
    for text in (
        "Rebecca's",
        "BECKS",
        "Holloway",
        "12, Downs View",
        "bn11aa",
        "07700-900-033",
        "+44 1273 900044",
        "r.holloway",
        "the lighthouse",
        "R\u0435becca",
    ):
        with pytest.raises(RedactionBlocked):
            guard_text(subject=subject, fields={"note": text}, where="test")
    guard_text(subject=subject, fields={"note": "Engaged well; practised distress tolerance"})


@pytest.mark.django_db
def test_clean_text_and_other_subjects_pass_without_audit(
    subject: Any, victim: Any, force: Any
) -> None:
    from desist.orders.tests.helpers import make_subject

    before = AuditEvent.objects.count()
    guard_text(subject=subject, fields={"note": "Engaged well and practised distress tolerance"})
    # Another subject's victims are not this subject's word list.
    guard_text(subject=make_subject(force), fields={"note": "Philippa, BN3 7QZ"})
    guard_text(subject=None, fields={"note": "Philippa"})
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_the_guard_insists_on_its_own_transaction(subject: Any, victim: Any) -> None:
    # Inside the caller's transaction the audit row would roll back with the refused write.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        guard_text(subject=subject, fields={"note": "Philippa"})


@pytest.mark.django_db
def test_the_guard_fails_closed_without_an_identifier_source(
    subject: Any, victim: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(redaction, "_sources", [])
    with pytest.raises(ImproperlyConfigured):
        guard_text(subject=subject, fields={"note": "anything"})


@pytest.mark.django_db
def test_is_clean_answers_yes_or_no_without_audit(subject: Any, victim: Any) -> None:
    before = AuditEvent.objects.count()
    assert redaction.is_clean(subject=subject, texts=["Engaged well", ""])
    assert not redaction.is_clean(subject=subject, texts=["fine", "+44 7700-900-123"])
    assert AuditEvent.objects.count() == before
