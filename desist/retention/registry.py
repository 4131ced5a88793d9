"""The retention schedule as data: each app registers its record classes (ADR 0028).

A record class says which records it covers, how long they are kept (`years`), the event the
period runs from, and the action at its end:

- REVIEW: the data owner reviews the record and may only keep it, with a reason and a new
  review date (MoPI group 1: never disposed by the schedule);
- ANONYMISE: the data owner keeps it (reason, new date) or disposes of it, which blanks its
  free text and keeps the coded rows the evaluation needs;
- DELETE: the same, but disposal deletes the record.

Apps register in their `retention.py`, imported by their `AppConfig.ready()`; this module
imports nothing above the platform floor. People (subjects, victims) are registered
separately: a person is anonymised once every registered record that names them is disposed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet


class Action(StrEnum):
    REVIEW = "review"
    ANONYMISE = "anonymise"
    DELETE = "delete"

    @property
    def label(self) -> str:
        return {
            "review": "Review (keep only; never disposed by the schedule)",
            "anonymise": "Anonymise",
            "delete": "Delete",
        }[self.value]


@dataclass(frozen=True)
class RecordClass:
    key: str
    title: str
    model: str  # "app.Model"
    years: int
    runs_from: str  # the event, in words, for the schedule page
    action: Action
    basis: str  # why this period: the rule or agreement it follows
    registered_by: str  # the app that owns the records
    # The records of this class whose event has happened, and that event's date for one of
    # them. None (audit): the class is documented but never listed record by record.
    records: Callable[[], QuerySet[Any]] | None = None
    event_on: Callable[[Any], dt.date | None] | None = None
    owner_id: Callable[[Any], int] | None = None  # the data owner's organisation
    reference: Callable[[Any], str] | None = None  # shown in the queue; never personal data
    dispose: Callable[[Any], None] | None = None  # blanks (or deletes) the record's free text
    # Lookups from this model to the people it names: {"people.Subject": "subject_id"}.
    names: dict[str, str] = field(default_factory=dict)
    # Records attached to another class's record (documents): that class's key, and the
    # attached records of one of its records. Disposing of the record disposes of them too.
    follows: str = ""
    attached: Callable[[Any], QuerySet[Any]] | None = None

    @property
    def disposable(self) -> bool:
        return self.action != Action.REVIEW and self.dispose is not None

    def due_on(self, record: Any) -> dt.date | None:
        event = self.event_on(record) if self.event_on else None
        return None if event is None else add_years(event, self.years)


@dataclass(frozen=True)
class PersonKind:
    model: str  # "people.Subject"
    anonymise: Callable[[Any], None]


_classes: dict[str, RecordClass] = {}
_people: dict[str, PersonKind] = {}


def register(record_class: RecordClass) -> RecordClass:
    """Called from an app's retention module. A key is registered once."""
    known = _classes.get(record_class.key)
    if known is not None and known != record_class:
        raise RuntimeError(f"Record class {record_class.key} is already registered")
    _classes[record_class.key] = record_class
    return record_class


def register_person(kind: PersonKind) -> None:
    _people[kind.model] = kind


def schedule() -> list[RecordClass]:
    return sorted(_classes.values(), key=lambda c: (c.registered_by, c.key))


def get(key: str) -> RecordClass:
    return _classes[key]


def person_kind(model: str) -> PersonKind | None:
    return _people.get(model)


def followers(key: str) -> list[RecordClass]:
    """The classes whose records go with a record of class `key` when it is disposed of."""
    return [c for c in schedule() if c.follows == key and c.attached is not None]


def classes_naming(person_model: str) -> Iterable[RecordClass]:
    return [c for c in _classes.values() if person_model in c.names]


def model_of(label: str) -> type[Model]:
    return apps.get_model(label)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def schedule_table() -> str:
    """The schedule as a Markdown table: docs/workflows/retention.md holds exactly this (a
    test compares them, so the page cannot drift from the registry)."""
    lines = [
        "| record | registered by | kept for | from | at the end | why |",
        "|---|---|---|---|---|---|",
    ]
    for c in schedule():
        lines.append(
            f"| {c.title} (`{c.key}`) | {c.registered_by} | {c.years} year{'s' * (c.years != 1)} "
            f"| {c.runs_from} "
            f"| {c.action.value} | {c.basis} |"
        )
    return "\n".join(lines)
