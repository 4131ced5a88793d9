"""Replacing other people's identifiers in text, for the bundle's redactors (ADR 0031).

Whole words only, case-insensitive, any run of spaces, hyphens or commas between words (so a
double-barrelled name or a postcode without its space still matches); a phone number matches
on its digits, however they are spaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from desist.sar.registry import REDACTED

MIN_CHARS = 3  # shorter values ("Al", "Jo") would blank ordinary words
_SEP = r"[\s,\-]*"


def _word_pattern(value: str) -> str | None:
    words = re.findall(r"\w+", value)
    if not words or len("".join(words)) < MIN_CHARS:
        return None
    if len(words) == 1 and words[0].isdigit():
        return None  # a house number alone
    return r"(?<!\w)" + _SEP.join(re.escape(w) for w in words) + r"(?!\w)"


def _phone_pattern(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    if len(digits) < 9:
        return None
    rest = r"[\s\-.()]*".join(digits[1:])
    return r"(?<!\d)(?:0|\+44[\s\-.()]*(?:\(0\))?)[\s\-.()]*" + rest + r"(?!\d)"


def replacer(values: Iterable[str], phones: Iterable[str] = ()) -> re.Pattern[str] | None:
    parts = [p for v in values if v and (p := _word_pattern(v))]
    parts += [p for v in phones if v and (p := _phone_pattern(v))]
    if not parts:
        return None
    # Longest first, so a whole address goes before its first line.
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def redact(pattern: re.Pattern[str] | None, text: str) -> str:
    return pattern.sub(REDACTED, text) if pattern is not None and text else text


Redactor = Callable[[str], str]


def redactor(values: Iterable[str], phones: Iterable[str] = ()) -> Redactor:
    pattern = replacer([v for v in values if v], [p for p in phones if p])
    return lambda value: redact(pattern, value)
