"""The redaction guard's matching: does text carry an identifier of a victim linked to a subject?

Called through `desist.sharing.redaction.guard_text` (provider-side services) and by the alert
rules before any text reaches provider staff. The victims' identifiers come from the
safeguarding bridge selector `victim_identifiers_for_subject`; nothing here returns or echoes
them: a match raises `RedactionBlocked` naming the *kind* of identifier only.

How each kind matches (all case-insensitive):
- name: each whole word of the name (and the whole name as a phrase), accents ignored
  ("Zoë" matches "zoe"); name particles such as "de" or "van" alone do not match.
- address: each comma- or line-separated part of two or more words, with or without its house
  number ("17 Wisteria Crescent" and "wisteria crescent"); a single word (a town) alone does not.
- postcode: ignoring spaces and case ("BN3 7QZ" matches "bn37qz").
- phone: ignoring spaces and punctuation, +44 / 0044 / 0 forms alike.
- email: the whole address, case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desist.core.text import normalise_name
from desist.sharing.redaction import RedactionBlocked

KIND_LABELS: dict[str, str] = {
    "name": "name",
    "address": "address",
    "postcode": "postcode",
    "phone": "phone number",
    "email": "email address",
}
# Order of messages when one field holds several kinds.
KIND_ORDER = ["name", "address", "postcode", "phone", "email"]

# Parts of names that are not identifying on their own.
NAME_PARTICLES = frozenset(
    {"de", "da", "di", "du", "del", "della", "la", "le", "van", "von", "der", "den", "bin", "al"}
    | {"el", "st", "mc", "mac", "ap", "ni", "o"}
)

_POSTCODE_IN_TEXT = re.compile(r"[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}", re.IGNORECASE)
# Runs of digits joined only by spaces and phone punctuation: "+44 (0)7700 900-123".
_PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]*\d")
_MIN_PHONE_DIGITS = 6


def message(kind: str) -> str:
    label = KIND_LABELS.get(kind, "identifying details")
    return (
        f"This text contains a victim's {label}. Remove it and refer to the victim without "
        "details that could identify or locate them"
    )


@dataclass(frozen=True)
class Identifiers:
    """A victim word list, prepared once and checked against many fields."""

    names: frozenset[str]
    addresses: frozenset[str]
    postcodes: frozenset[str]
    phones: frozenset[str]
    emails: frozenset[str]

    @classmethod
    def prepare(cls, pairs: Iterable[tuple[str, str]]) -> Identifiers:
        names: set[str] = set()
        addresses: set[str] = set()
        postcodes: set[str] = set()
        phones: set[str] = set()
        emails: set[str] = set()
        for kind, value in pairs:
            if kind == "name":
                whole = normalise_name(value)
                if whole:
                    names.add(whole)
                    names.update(w for w in whole.split() if w not in NAME_PARTICLES)
            elif kind == "address":
                for part in re.split(r"[,\n;]+", value):
                    norm = normalise_name(part)
                    words = norm.split()
                    if len(words) >= 2:
                        addresses.add(norm)
                        rest = [w for w in words if not any(c.isdigit() for c in w)]
                        if len(rest) >= 2:
                            addresses.add(" ".join(rest))
            elif kind == "postcode":
                compact = _compact_postcode(value)
                if compact:
                    postcodes.add(compact)
            elif kind == "phone":
                core = _phone_core(value)
                if len(core) >= _MIN_PHONE_DIGITS:
                    phones.add(core)
            elif kind == "email":
                email = value.strip().casefold()
                if "@" in email:
                    emails.add(email)
        return cls(
            names=frozenset(names),
            addresses=frozenset(addresses),
            postcodes=frozenset(postcodes),
            phones=frozenset(phones),
            emails=frozenset(emails),
        )

    def kinds_in(self, text: str) -> list[str]:
        """The kinds of identifier `text` contains, in KIND_ORDER. Never the values."""
        if not text or not text.strip():
            return []
        found: set[str] = set()
        norm = f" {normalise_name(text)} "
        if any(f" {name} " in norm for name in self.names):
            found.add("name")
        if any(f" {address} " in norm for address in self.addresses):
            found.add("address")
        if self.postcodes:
            candidates = {_compact_postcode(m) for m in _POSTCODE_IN_TEXT.findall(text)}
            if candidates & self.postcodes:
                found.add("postcode")
        if self.phones:
            runs = [_digits(m) for m in _PHONE_RUN.findall(text)]
            if any(core in run for run in runs for core in self.phones):
                found.add("phone")
        if self.emails:
            lowered = text.casefold()
            for email in self.emails:
                pattern = r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-])"
                if re.search(pattern, lowered):
                    found.add("email")
                    break
        return [k for k in KIND_ORDER if k in found]


def _compact_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _phone_core(value: str) -> str:
    """The significant digits of a UK-style number: '+44 (0)7700 900123' -> '7700900123'."""
    digits = _digits(value)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif value.strip().startswith("+44") or (digits.startswith("44") and len(digits) > 11):
        digits = digits[2:]
    return digits.lstrip("0")


def identifiers_for(subject: Any) -> Identifiers:
    # The sharing app is the one bridge allowed to ask safeguarding about victims.
    from desist.safeguarding.selectors import victim_identifiers_for_subject

    return Identifiers.prepare(victim_identifiers_for_subject(subject=subject))


def errors_for(identifiers: Identifiers, fields: Mapping[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, text in fields.items():
        kinds = identifiers.kinds_in(text or "")
        if kinds:
            errors[field] = [message(k) for k in kinds]
    return errors


def check(*, subject: Any, fields: Mapping[str, str]) -> None:
    """Raise RedactionBlocked({field: [messages]}) if any field holds a linked victim's
    identifier. A subject of None (nothing linked yet) has no victims to protect."""
    if subject is None or not any((t or "").strip() for t in fields.values()):
        return
    errors = errors_for(identifiers_for(subject), fields)
    if errors:
        raise RedactionBlocked(errors)


def is_clean(*, subject: Any, texts: Iterable[str]) -> bool:
    """True when none of `texts` carries a linked victim's identifier (used by alert rules)."""
    try:
        check(subject=subject, fields={str(i): t for i, t in enumerate(texts)})
    except RedactionBlocked:
        return False
    return True
