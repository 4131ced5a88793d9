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
