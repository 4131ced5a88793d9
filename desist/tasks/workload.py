"""What else an officer holds, for the supervisor's workload page (issue 19): cases and orders
register a count of the records each officer is in charge of (ADR 0018, registration), so this
app imports neither."""

from __future__ import annotations

from collections.abc import Callable

from desist.accounts.models import User

# actor -> {officer id: how many records in the actor's scope that officer is in charge of}
WorkloadSource = Callable[[User], dict[int, int]]

_sources: dict[str, WorkloadSource] = {}


def register_source(label: str, source: WorkloadSource) -> None:
    _sources[label] = source


def sources() -> dict[str, WorkloadSource]:
    return dict(_sources)
