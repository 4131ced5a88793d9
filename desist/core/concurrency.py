"""Optimistic locking for records two people may edit at once."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class StaleRecordError(Exception):
    """Someone else saved the record after this user read it."""

    message = (
        "Someone else changed this record while you were editing it. "
        "Your changes have not been saved. Check the latest version and try again."
    )


def save_versioned(instance: Any, *, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if the row is still at `expected_version`; bump the version.

    Uses a conditional UPDATE so two concurrent writers cannot both succeed.
    """
    model: type[models.Model] = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise StaleRecordError(StaleRecordError.message)
    instance.version = expected_version + 1
