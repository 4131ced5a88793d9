"""What the apps above sharing register with it, so sharing never imports them (ADR 0018).

Sharing sits on the lowest domain floor: orders, programme, cases, people and safeguarding all
import it, so it may import none of them. Where it needs an answer only they hold (which
records are overdue, whether an alert's work is done, who created a subject's latest record,
which practitioners work with a subject, which record a break-glass reference names) the app
registers a function here in its `AppConfig.ready()`, as apps register queues with
`home.queues`. Apps call these through `desist.sharing.port`.

This module imports nothing from sharing but the kinds, so every sharing module may use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from desist.sharing.kinds import EventKind


@dataclass(frozen=True)
class ScanHit:
    """One alert a periodic scan asks for. `dedupe_key` makes it once only: a scan that finds
    the same thing again raises nothing new."""

    dedupe_key: str
    kind: EventKind
    source: Any
    subject: Any
    summary: str


Scan = Callable[[dt.datetime], Iterable[ScanHit]]
# source ids (as stored on the alert) -> those whose work is done, so the alert closes.
DoneCheck = Callable[[list[str], dt.datetime], set[str]]
PeopleSource = Callable[..., Iterable[Any]]
# subject -> the id of the police user who created its latest record of one kind, or None.
CreatorSource = Callable[[Any], int | None]
RecordFinder = Callable[[str], QuerySet[Any]]


@dataclass(frozen=True)
class SourceDetail:
    """What an alert's source record says, for a recipient the owning app lets read it:
    labelled rows for the alert page, and the record the reading is logged against."""

    heading: str
    rows: list[tuple[str, str]]
    record: Any
    verb: str  # the consultation event's verb, e.g. "order.breach_view"


# (actor, source id as stored on the alert) -> the detail, or None when the actor may not see it.
DetailSource = Callable[[Any, str], SourceDetail | None]

_scans: dict[str, Scan] = {}
_done_checks: dict[str, DoneCheck] = {}
_officer_sources: dict[str, tuple[int, CreatorSource]] = {}
_advocate_sources: list[PeopleSource] = []
_practitioner_sources: list[PeopleSource] = []
_record_finders: dict[str, RecordFinder] = {}
_detail_sources: dict[str, DetailSource] = {}


def register_scan(name: str, scan: Scan) -> None:
    """`scan(now)` yields the alerts a periodic pass should raise. Run in registration order."""
    _scans[name] = scan


def register_done_check(kind: EventKind, check: DoneCheck) -> None:
    """`check(source_ids, now)` returns the ids whose alert of `kind` has nothing left to ask
    (so it closes instead of escalating). One check a kind."""
    if kind in _done_checks and _done_checks[kind] is not check:
        raise ImproperlyConfigured(f"A done check for {kind} is already registered")
    _done_checks[kind] = check


def register_officer_source(name: str, source: CreatorSource, *, rank: int) -> None:
    """`source(subject)` returns the id of the police user who created the subject's latest
    record of one kind (an order, a case), or None. Lower ranks come first."""
    _officer_sources[name] = (rank, source)


def register_advocate_source(source: PeopleSource) -> None:
    """`source(subject=..., engagement_news_only=...)` returns the advocates to tell."""
    if source not in _advocate_sources:
        _advocate_sources.append(source)


def register_practitioner_source(source: PeopleSource) -> None:
    """`source(subject=...)` returns the provider practitioners working with the subject."""
    if source not in _practitioner_sources:
        _practitioner_sources.append(source)


def register_record_finder(record_type: str, finder: RecordFinder) -> None:
    """`finder(reference)` returns the records a break-glass request's reference names."""
    _record_finders[record_type] = finder


def register_detail_source(source_type: str, source: DetailSource) -> None:
    """`source(actor, source_id)` returns what an alert's source record (of `source_type`,
    e.g. "orders.Breach") says, read under the owning app's access rules, or None."""
    _detail_sources[source_type] = source


def detail_source(source_type: str) -> DetailSource | None:
    return _detail_sources.get(source_type)


def scans() -> list[Scan]:
    return list(_scans.values())


def done_check(kind: str) -> DoneCheck | None:
    return _done_checks.get(kind)


def officer_sources() -> list[CreatorSource]:
    return [source for _, source in sorted(_officer_sources.values(), key=lambda r: r[0])]


def advocate_sources() -> list[PeopleSource]:
    if not _advocate_sources:
        # Fail loudly: routing without it would silently tell no advocate.
        raise ImproperlyConfigured("No advocate source is registered with alert routing")
    return list(_advocate_sources)


def practitioner_sources() -> list[PeopleSource]:
    if not _practitioner_sources:
        raise ImproperlyConfigured("No practitioner source is registered with alert routing")
    return list(_practitioner_sources)


def record_finder(record_type: str) -> RecordFinder | None:
    return _record_finders.get(record_type)
