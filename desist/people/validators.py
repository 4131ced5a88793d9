"""Format checks shared by the police-side apps (people, cases, safeguarding).

Each returns the normalised value or raises ValidationError with a GOV.UK-style message. The
messages never repeat what was typed: the value may be a victim's contact detail.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# The one "not in the future" rule lives in core.dates; services import it from here.
from desist.core.dates import check_not_future as check_not_future
from desist.people.models import PNC_RE, pnc_normalise

# Outward code (area, district), space, inward code (sector, unit). BFPO and overseas
# territories are out of scope; GIR 0AA is the one historic exception still in use.
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_PHONE_STRIP_RE = re.compile(r"[\s\-().]")


def normalise_postcode(value: str) -> str:
    """'bn1  1aa' -> 'BN1 1AA'. Raises ValidationError if it is not a UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE_RE.match(compact)
    if not match:
        raise ValidationError("Enter a real postcode, like BN1 1AA")
    return f"{match.group(1)} {match.group(2)}"


def normalise_phone(value: str) -> str:
    """One stored form per number. UK numbers written internationally ('+44 (0)7700-900-105',
    '0044 7700 900105') are stored in the national form '07700900105'; other international
    numbers keep their '+'. 10 to 15 digits (UK numbers have 10 or 11)."""
    compact = _PHONE_STRIP_RE.sub("", value or "")
    if compact.startswith("0044"):
        compact = "+" + compact[2:]
    if compact.startswith("+44"):
        # '(0)' is the UK trunk prefix some people write after +44; a national number has it.
        compact = "0" + compact[3:].removeprefix("0")
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isdigit() or not 10 <= len(digits) <= 15:
        raise ValidationError(
            "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
        )
    return compact


def normalise_email(value: str) -> str:
    cleaned = (value or "").strip()
    try:
        validate_email(cleaned)
    except ValidationError:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.com"
        ) from None
    return cleaned


def pnc_variants(value: str) -> list[str]:
    """Ways the same PNC ID may have been written: 2- or 4-digit year, serial with or without
    leading zeros. Used to find a subject however their number was recorded."""
    compact = pnc_normalise(value)
    match = PNC_RE.match(compact)
    if not match:
        return [compact] if compact else []
    year, serial, letter = match.groups()
    years = {year, year[-2:]}
    if len(year) == 2:
        years |= {f"19{year}", f"20{year}"}
    serials = {serial.zfill(7), serial.lstrip("0") or "0"}
    return sorted(f"{y}/{s}{letter}" for y in years for s in serials)


def pnc_canonical(value: str) -> str:
    """The stored form: no spaces, upper case, serial padded to 7 digits (2019/0123456E)."""
    compact = pnc_normalise(value)
    match = PNC_RE.match(compact)
    if not match:
        return compact
    year, serial, letter = match.groups()
    return f"{year}/{serial.zfill(7)}{letter}"
