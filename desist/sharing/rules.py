"""Event → alert rules. Interim: the sharing app (issue 5) replaces this with the real rules."""

from __future__ import annotations

from typing import Any


def dispatch(**kwargs: Any) -> list[Any]:
    return []
