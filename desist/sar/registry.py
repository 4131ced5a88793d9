"""Subject access as a registry: each app says what it holds about a person (ADR 0031).

Apps register in their `sar.py`, imported by their `AppConfig.ready()`; this module imports
nothing above the platform floor. Three kinds of registration:

- a person finder per kind ("subject", "victim"): the person with that id, or None;
- collectors: what one organisation holds about one person, as plain records (strings only,
  so nothing here needs a domain model);
- third-party redactors per kind: given the person, a function that takes a text and returns
  it with other people's identifiers removed (or the whole text withheld). Every redactor
  registered for the kind runs over every value of every record, after collection.

A collector returns only what the organisation holds, and leaves out fields that identify a
third party; the redactors are the second line, for free text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.text import capfirst

from desist.core.dates import long_date
from desist.core.models import Organisation

KINDS = ("subject", "victim")
KIND_LABELS = {"subject": "Subject", "victim": "Victim"}
WITHHELD = "[Withheld: it names or locates another person]"
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Record:
    """One record in a bundle: what it is, its id and reference, and its fields as text."""

    record: str  # model label, "orders.Order"
    id: int
    reference: str
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # For machines, beside a field's text: label -> {"code": choice code(s)} or {"iso": date}.
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The record's heading in the bundle: "Hearing on 3 March 2026", or the title with
        the record's own reference, "Order (SUS-O000123)"."""
        if not self.reference or self.reference.startswith(self.title):
            return self.reference or self.title
        return f"{self.title} ({self.reference})"

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "id": self.id,
            "reference": self.reference,
            "title": self.title,
            "heading": self.heading,
            "fields": [{"label": k, "value": v, **self.data.get(k, {})} for k, v in self.fields],
        }


Collect = Callable[[Any, Organisation], Iterable[Record]]


@dataclass(frozen=True)
class Collector:
    key: str  # "orders.orders"
    title: str  # the bundle's section heading
    kind: str  # "subject" or "victim"
    registered_by: str  # the app
    collect: Collect
    rank: int = 50  # the bundle's order: the person's own details (0) first


@dataclass(frozen=True)
class PersonKind:
    kind: str
    find: Callable[[int], Any | None]


Redactor = Callable[[str], str]

_people: dict[str, PersonKind] = {}
_collectors: dict[tuple[str, str], Collector] = {}
_redactors: dict[str, list[Callable[[Any], Redactor]]] = {k: [] for k in KINDS}


def register_person(kind: PersonKind) -> None:
    _people[kind.kind] = kind


def register(collector: Collector) -> Collector:
    """Called from an app's sar module. A key is registered once per kind."""
    slot = (collector.kind, collector.key)
    known = _collectors.get(slot)
    if known is not None and known != collector:
        raise RuntimeError(f"SAR collector {collector.key} is already registered")
    _collectors[slot] = collector
    return collector


def register_redactor(kind: str, factory: Callable[[Any], Redactor]) -> None:
    if factory not in _redactors[kind]:
        _redactors[kind].append(factory)


def find_person(kind: str, person_id: int) -> Any | None:
    finder = _people.get(kind)
    return finder.find(person_id) if finder is not None else None


def collectors(kind: str) -> list[Collector]:
    return sorted(
        (c for c in _collectors.values() if c.kind == kind),
        key=lambda c: (c.rank, c.registered_by, c.key),
    )


def redactors(kind: str, person: Any) -> list[Redactor]:
    return [factory(person) for factory in _redactors[kind]]


def registered_apps() -> set[str]:
    return {c.registered_by for c in _collectors.values()}


Labels = Mapping[str, str] | Callable[[str], str]

# Initialisms a field's verbose name spells in lower case ("pnc number"): a person reads them
# in capitals, as the service's pages write them.
INITIALISMS = ("PNC", "SPO", "CPS", "NHS", "GP", "ID", "SMS", "URL", "IDVA", "ISVA", "MARAC")
_INITIALISM = re.compile(r"\b(" + "|".join(INITIALISMS) + r")\b", re.IGNORECASE)


def field_label(verbose_name: str) -> str:
    """A field's label as the bundle shows it: first letter capital, initialisms in capitals."""
    return capfirst(_INITIALISM.sub(lambda m: m.group().upper(), verbose_name))


def human_reference(title: str, obj: Any, names: Iterable[str]) -> str:
    """A record without its own reference is named by what it is and its first date, as a
    person would: "Hearing on 3 March 2026". Never the table's name and row id, which mean
    nothing to the person; with no date the heading is the title alone."""
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, dt.datetime):
            return f"{title} on {long_date(timezone.localtime(value).date())}"
        if isinstance(value, dt.date):
            return f"{title} on {long_date(value)}"
    return ""


def show(value: Any) -> str:
    """One value as a person reads it: dates as "7 December 2026" (with the time, in local
    time, for a moment), yes/no, a number without the zeros it is stored with ("6", "6.5",
    never "6.0000"), lists joined, a mapping one "key: value" line each."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal | float):
        return number(value)
    if isinstance(value, dt.datetime):
        return dateformat.format(timezone.localtime(value), settings.DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, Mapping):
        return "\n".join(
            f"{capfirst(str(k).replace('_', ' '))}: {show(v)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value)
    return str(value)


def number(value: Decimal | float) -> str:
    """6.0000 as "6", 6.5000 as "6.5", 1200 as "1200" (never "1.2E+3")."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text[:-2] if text.endswith(".0") else text


def _labelled(value: Any, labels: Labels) -> str:
    def one(code: Any) -> str:
        if callable(labels):
            return labels(str(code))
        return labels.get(str(code), str(code))

    if isinstance(value, list | tuple):
        return ", ".join(one(c) for c in value)
    return one(value) if value not in (None, "") else ""


def _machine(value: Any, *, coded: bool) -> dict[str, Any]:
    """What a machine reads beside the text: the stored code(s) of a choice, a date in ISO."""
    if coded and value not in (None, "", [], ()):
        return {"code": list(value) if isinstance(value, list | tuple) else value}
    if isinstance(value, dt.datetime):
        return {"iso": timezone.localtime(value).isoformat(timespec="seconds")}
    if isinstance(value, dt.date):
        return {"iso": value.isoformat()}
    return {}


def describe(
    obj: Any,
    names: Iterable[str],
    *,
    labels: Mapping[str, Labels] | None = None,
    shown: Mapping[str, Callable[[Any], str]] | None = None,
) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """(label, text) for the named fields of a model instance, and what a machine reads beside
    them. A choice shows its label (the code kept beside it); `labels` gives them for codes
    stored without Django choices (JSON lists, workflow codes); `shown` formats a field whole."""
    fields, data = [], {}
    for name in names:
        model_field = obj._meta.get_field(name)
        label = field_label(str(model_field.verbose_name))
        raw = getattr(obj, name)
        if shown and name in shown:
            text, extra = shown[name](obj), {}
        elif labels and name in labels:
            text, extra = _labelled(raw, labels[name]), _machine(raw, coded=True)
        elif getattr(model_field, "choices", None):
            text = show(getattr(obj, f"get_{name}_display")())
            extra = _machine(raw, coded=True)
        else:
            text, extra = show(raw), _machine(raw, coded=False)
        fields.append((label, text))
        if extra:
            data[label] = extra
    return fields, data


def record(
    obj: Any,
    title: str,
    names: Iterable[str],
    *,
    reference: str = "",
    labels: Mapping[str, Labels] | None = None,
    shown: Mapping[str, Callable[[Any], str]] | None = None,
) -> Record:
    names = list(names)
    fields, data = describe(obj, names, labels=labels, shown=shown)
    return Record(
        record=obj._meta.label,
        id=obj.pk,
        reference=reference or getattr(obj, "reference", "") or human_reference(title, obj, names),
        title=title,
        fields=fields,
        data=data,
    )
