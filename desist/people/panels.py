"""The subject page's sections that other apps own, registered in their AppConfig.ready()
(ADR 0018), as queues are with `home.queues`: people imports neither cases nor orders.

A builder is called with `actor=` and `subject=` (already fetched through people's door) and
returns a `Panel`: the template to include, the rows it shows (read through the owning app's
own selectors, so its access rules apply) and anything else the template needs. Panels show in
ascending `order`.

Whether a subject is under a live order (the intervention-decision warning and queue) is
answered by orders too: `register_live_order_subjects`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from desist.accounts.models import User


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    rows: list[Any]
    extra: dict[str, Any] = field(default_factory=dict)


PanelBuilder = Callable[..., Panel]
_panels: dict[str, tuple[int, PanelBuilder]] = {}
_live_order_subjects: list[Callable[[], QuerySet[Any]]] = []


def register_panel(key: str, builder: PanelBuilder, *, order: int) -> None:
    _panels[key] = (order, builder)


def panels_for(*, actor: User, subject: Any) -> dict[str, Panel]:
    """Every registered panel for this subject, keyed, in page order."""
    ranked = sorted(_panels.items(), key=lambda item: item[1][0])
    return {key: builder(actor=actor, subject=subject) for key, (_, builder) in ranked}


def register_live_order_subjects(source: Callable[[], QuerySet[Any]]) -> None:
    """`source()` returns a `values("subject_id")` queryset of subjects under an order in
    force (interim or full): orders' one definition of a live order."""
    if source not in _live_order_subjects:
        _live_order_subjects.append(source)


def live_order_subjects() -> QuerySet[Any]:
    if len(_live_order_subjects) != 1:
        # Fail loudly: without it no subject would ever be waiting for a decision.
        raise ImproperlyConfigured("Exactly one live-order source must be registered")
    return _live_order_subjects[0]()
