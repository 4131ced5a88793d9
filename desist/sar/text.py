"""Replacing other people's identifiers in text, for the bundle's redactors (ADR 0031).

Whole words only, case-insensitive, any run of spaces, hyphens or commas between words (so a
double-barrelled name or a postcode without its space still matches); a phone number matches
on its digits, however they are spaced; a PNC number and a date of birth in the forms people
write them ("2019/0508571H" or "19/508571H"; "10/10/1964", "10 October 1964", "1964-10-10").

The longest identifiers go first, one kind at a time, so a name inside an e-mail address or a
house number inside a date never breaks the longer match: e-mail addresses, then phones, police
numbers, dates, then the rest longest first (a whole address before its first line, before a
name). Any other e-mail address goes too, unless it is the requester's own (`keep_emails`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from desist.sar.registry import REDACTED

MIN_CHARS = 3  # shorter values ("Al", "Jo") would blank ordinary words
_SEP = r"[\s,\-]*"
# Any e-mail address, for the rule that only the requester's own stays.
EMAIL = re.compile(r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)
_PNC = re.compile(r"^\s*(\d{2}|\d{4})\s*[/\-\s]?\s*(\d{1,7})\s*([a-z])\s*$", re.IGNORECASE)
_MONTHS = (
    "jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?",
    "aug(?:ust)?", "sep(?:t(?:ember)?)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?",
)  # fmt: skip


def _word_pattern(value: str) -> str | None:
    words = re.findall(r"\w+", value)
    if not words or len("".join(words)) < MIN_CHARS:
        return None
    if len(words) == 1 and words[0].isdigit():
        return None  # a house number alone
    return r"(?<!\w)" + _SEP.join(re.escape(w) for w in words) + r"(?!\w)"


def _email_pattern(value: str) -> str | None:
    value = value.strip()
    if "@" not in value:
        return None
    return r"(?<![\w.+'\-])" + re.escape(value) + r"(?![\w\-]|\.\w)"


def _phone_pattern(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    if len(digits) < 9:
        return None
    rest = r"[\s\-.()]*".join(digits[1:])
    return r"(?<!\d)(?:0|\+44[\s\-.()]*(?:\(0\))?)[\s\-.()]*" + rest + r"(?!\d)"


def _pnc_pattern(value: str) -> str | None:
    """The year as two digits or four, any slash, hyphen or space (or none) before the serial,
    the serial with or without its leading zeros, the check letter in either case."""
    match = _PNC.match(value or "")
    if not match:
        return None
    year, serial, letter = match.groups()
    century = rf"(?:{year[:2]})?" if len(year) == 4 else r"(?:19|20)?"
    serial = serial.lstrip("0") or "0"
    sep = r"[\s/\-]*"
    return rf"(?<![\w/]){century}{year[-2:]}{sep}0*{serial}\s*{letter}(?![\w/])"


def _date_pattern(day: dt.date) -> str:
    """10/10/1964, 10-10-64, 10.10.1964, 10(th) (of) Oct(ober)(,) 1964, October 10(th), 1964,
    1964-10-10: the day and month with or without a leading zero."""
    d, m = rf"0?{day.day}", rf"0?{day.month}"
    yyyy, yy = f"{day.year}", f"(?:{day.year})|{day.year % 100:02d}"
    month = _MONTHS[day.month - 1]
    num = r"\s*[/\-.]\s*"
    forms = [
        rf"{d}{num}{m}{num}(?:{yy})",
        rf"{yyyy}{num}{m}{num}{d}",
        rf"{d}(?:st|nd|rd|th)?\s+(?:of\s+)?{month}\.?,?\s+{yyyy}",
        rf"{month}\.?\s+{d}(?:st|nd|rd|th)?,?\s+{yyyy}",
    ]
    return r"(?<![\w/.\-])(?:" + "|".join(forms) + r")(?![\w/]|[.\-]\d)"


def _compiled(parts: Iterable[str | None]) -> re.Pattern[str] | None:
    found = [p for p in parts if p]
    if not found:
        return None
    return re.compile("|".join(f"(?:{p})" for p in found), re.IGNORECASE)


def redact(pattern: re.Pattern[str] | None, text: str) -> str:
    return pattern.sub(REDACTED, text) if pattern is not None and text else text


Redactor = Callable[[str], str]


def redactor(
    values: Iterable[str],
    phones: Iterable[str] = (),
    *,
    pncs: Iterable[str] = (),
    dates: Iterable[dt.date] = (),
    keep_emails: Iterable[str] | None = None,
) -> Redactor:
    """A function that replaces every identifier given, in the order above. A value with an
    "@" is an e-mail address, matched whole. With `keep_emails` (the requester's own, possibly
    none), every other e-mail address in the text is replaced as well."""
    values = [v.strip() for v in values if v and v.strip()]
    emails = sorted((v for v in values if "@" in v), key=len, reverse=True)
    words = sorted((v for v in values if "@" not in v), key=len, reverse=True)
    compiled = [
        _compiled(map(_email_pattern, emails)),
        _compiled(_phone_pattern(p) for p in phones if p),
        _compiled(_pnc_pattern(p) for p in pncs if p),
        _compiled(_date_pattern(d) for d in dates if d),
        _compiled(map(_word_pattern, words)),
    ]
    passes = [p for p in compiled if p is not None]
    kept = None if keep_emails is None else {e.strip().casefold() for e in keep_emails if e}

    def other_email(match: re.Match[str]) -> str:
        assert kept is not None
        return match.group() if match.group().casefold() in kept else REDACTED

    def run(text: str) -> str:
        if not text:
            return text
        if kept is not None:
            text = EMAIL.sub(other_email, text)
        for pattern in passes:
            text = pattern.sub(REDACTED, text)
        return text

    return run
