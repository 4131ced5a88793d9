"""Text helpers shared by apps: normalising names for case- and accent-insensitive search."""

from __future__ import annotations

import re
import unicodedata


def normalise_name(value: str) -> str:
    """'  Zoë  O’Brien-Smith ' -> 'zoe obrien smith'. Same on SQLite and PostgreSQL."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[’'`]", "", stripped.casefold())
    return re.sub(r"[^a-z0-9]+", " ", stripped).strip()


def _invisible(c: str) -> bool:
    # Format characters (Cf: bidi overrides like U+202E, zero-width spaces and joiners, BOM)
    # and control characters other than tab and line breaks.
    category = unicodedata.category(c)
    return category == "Cf" or (category == "Cc" and c not in "\t\n\r")


def strip_invisible(value: str) -> str:
    """Remove characters that change how text displays without being seen: a U+202E in a name
    reverses it in every list. Applied to every submitted form value (core.middleware)."""
    return "".join(c for c in value if not _invisible(c))


REASON_MIN_CHARS = 10
REASON_MIN_LETTERS = 5


def is_meaningful_reason(value: str) -> bool:
    """A reason someone could review later: at least 10 characters, 5 of them letters ("x",
    "." or "ok" is not one). The rule the safeguarding override reason set."""
    text = (value or "").strip()
    return len(text) >= REASON_MIN_CHARS and sum(c.isalpha() for c in text) >= REASON_MIN_LETTERS
