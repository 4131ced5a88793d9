"""Re-showing a form refused as stale (someone else saved the record first).

The refused form keeps what the user entered, but carries the record's current version, so a
deliberate second submit is accepted rather than refused until the page is reloaded. Each field
whose entry differs from the latest saved value is marked with that value, so the user sees
what they would overwrite before they submit again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.db import models

from desist.core.concurrency import StaleRecordError
from desist.core.dates import long_date, long_datetime

SHOWN = 120  # characters of a saved long text shown next to the field


def _shown(field: forms.Field, value: Any) -> str:
    if value in (None, "", [], ()):
        return "nothing entered"
    choices = dict(getattr(field, "choices", None) or [])
    if choices:
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(str(choices.get(v, choices.get(str(v), v))) for v in values)
    if isinstance(value, dt.datetime):
        return long_datetime(value)
    if isinstance(value, dt.date):
        return long_date(value)
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _differs(field: forms.Field, saved: Any, entered: Any) -> bool:
    if getattr(field, "choices", None):  # "1" entered, 1 saved: the same answer

        def norm(v: Any) -> list[str]:
            items = v if isinstance(v, list | tuple) else [v]
            return sorted("" if i is None else str(i) for i in items)

        return norm(saved) != norm(entered)
    return field.has_changed(saved, entered)


def show_stale(
    form: forms.BaseForm,
    record: models.Model,
    saved: Callable[[Any], Mapping[str, Any]] | None = None,
    *,
    version_field: str = "version",
) -> None:
    """Refuse the submit on `form` as stale: the message, the current version of `record` in
    the hidden field, and (with `saved`, the record's values as the form's initial data) each
    differing field marked with its latest saved value."""
    record.refresh_from_db()
    form.add_error(None, StaleRecordError.message)
    if version_field in form.fields:  # a form without one is versioned some other way
        data = form.data.copy()  # type: ignore[attr-defined]
        data[form.add_prefix(version_field)] = str(record.version)  # type: ignore[attr-defined]
        form.data = data
    for name, value in (saved(record) if saved else {}).items():
        if name == version_field or name not in form.fields:
            continue
        field = form.fields[name]
        if _differs(field, value, form[name].data):
            form.add_error(
                name,
                f"This differs from the latest saved version ({_shown(field, value)}). "
                "Check it, then save again",
            )
