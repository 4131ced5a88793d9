"""The redaction guard: text written by or shown to provider staff must not carry a linked
victim's identifiers. A match blocks the save with a message naming the *kind* of identifier
(never the identifier itself).

Provider-side code calls `guard_text(subject=..., fields={...})` in its service before saving,
and turns `RedactionBlocked` into form errors with `RedactionBlocked.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class RedactionBlocked(Exception):
    """`errors` maps each offending field name to a list of messages for the form."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("Text contains a victim's identifying details")
        self.errors = dict(errors)


def guard_text(*, subject: Any, fields: Mapping[str, str]) -> None:
    """Raise RedactionBlocked if any of `fields` holds an identifier of a victim linked to
    `subject` (names, addresses, postcodes, phone numbers, emails). Implemented in issue 5."""
    from desist.sharing import guard

    guard.check(subject=subject, fields=fields)
