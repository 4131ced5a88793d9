"""Blanking free text for disposal: one helper, so every app disposes the same way."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet


def blank(qs: QuerySet[Any], *fields: str) -> int:
    """Set each field to "" on every row of qs; a versioned row's version moves on, so a form
    opened before the disposal cannot write the old text back."""
    values: dict[str, Any] = dict.fromkeys(fields, "")
    if any(f.name == "version" for f in qs.model._meta.fields):
        values["version"] = F("version") + 1
    return qs.update(**values)
