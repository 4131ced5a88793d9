"""Redaction guard matching. Interim: the sharing app (issue 5) replaces this."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def check(*, subject: Any, fields: Mapping[str, str]) -> None:
    return None
