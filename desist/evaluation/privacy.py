"""Pseudonyms, month dates and small-number suppression (docs/adr/0008).

- `pseudonym(kind, id)`: HMAC-SHA256 keyed with `settings.DESIST_PSEUDONYM_KEY`. The same
  person gets the same pseudonym in every extract made with the same key, and nobody without
  the key can go back from a pseudonym to the record (or test a guess).
- `month(day)`: dates cut to the month, "2025-03".
- `suppress(n)`: counts from 1 to 4 are shown as "<5" (and rates built on them are withheld),
  so that nobody can be singled out from a small cell.
- `suppress_group(counts)`: cells that add up to a total shown elsewhere. Hiding one small
  cell is not enough (total minus the shown cells gives it back), so at least one other cell
  is withheld with it (secondary suppression).
- `small_share(share, n)`: a share of `n` people that rests on 1 to 4 of them (or leaves 1 to
  4 out) is withheld like the count.
- `FIGURES`: what each dashboard figure is about. Suppression protects people, not failures:
  a count about people is suppressed for an aggregates-only viewer; a figure about how the
  service performs (alerts, places, supervision, spending) is never suppressed, for anyone.
  Dashboards show figures only through `shown_count` and `shown_rate`, which read this table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from desist.core import figures

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"
WITHHELD = "Withheld"
PSEUDONYM_LENGTH = 16


def pseudonym_key() -> bytes:
    key = settings.DESIST_PSEUDONYM_KEY or ""
    if key:
        return key.encode()
    if settings.DESIST_ENV == "production":
        raise ImproperlyConfigured("DESIST_PSEUDONYM_KEY must be set in production")
    # Demo, dev and test only: a key derived from the (non-production) secret key.
    return hashlib.sha256(b"desist-pseudonym:" + settings.SECRET_KEY.encode()).digest()


def pseudonym(kind: str, value: Any, *, key: bytes | None = None) -> str:
    """A stable, keyed pseudonym such as "S-3f9a0c1d2e4b5a69" for subject 42."""
    digest = hmac.new(key or pseudonym_key(), f"{kind}:{value}".encode(), hashlib.sha256)
    return f"{kind[:1].upper()}-{digest.hexdigest()[:PSEUDONYM_LENGTH]}"


def month(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    return f"{day.year:04d}-{day.month:02d}"


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < SUPPRESSION_THRESHOLD


def suppress(n: int | None) -> int | str:
    """A count fit to show outside the owning organisation: 1 to 4 become "<5"."""
    if n is None:
        return ""
    return SUPPRESSED if is_small(n) else n


def suppress_group(counts: Sequence[int | None]) -> list[int | str | None]:
    """Counts that add up to a total shown elsewhere (a table's rows, a cohort split in two),
    as an aggregates-only viewer sees them: 1 to 4 become "<5" and, if any does, the smallest
    other count is withheld too (WITHHELD), so that the total minus the shown counts never
    gives a hidden one back. A withheld count is at least 5 (or 0 when no other is left), so
    the hidden small ones can each still be anything from 1 to 4."""
    shown: list[int | str | None] = [
        SUPPRESSED if isinstance(n, int) and is_small(n) else n for n in counts
    ]
    if SUPPRESSED not in shown:
        return shown
    others = [i for i, n in enumerate(counts) if isinstance(n, int) and not is_small(n)]
    # The smallest other count of people; a zero only when there is nothing else.
    others.sort(key=lambda i: (counts[i] == 0, counts[i]))
    if others:
        shown[others[0]] = WITHHELD
    return shown


def small_share(share: float | None, n: float | None) -> bool:
    """Whether a share (0 to 1) of `n` people rests on 1 to 4 of them, or leaves 1 to 4 out:
    shown to an aggregates-only viewer it would give the small count away."""
    if share is None or not n:
        return False
    people = round(float(share) * float(n))
    return is_small(people) or is_small(round(float(n)) - people)


def suppressed_rate(numerator: int, denominator: int) -> str:
    """A percentage, withheld when either count is small (it would reveal the small one)."""
    if denominator <= 0:
        return "Not applicable"
    if is_small(numerator) or is_small(denominator) or is_small(denominator - numerator):
        return "Withheld (small numbers)"
    return figures.share(numerator, denominator)


class About(StrEnum):
    PEOPLE = "people"  # who was referred, started, completed, attended: suppressed
    SERVICE = "service"  # how the service performs: never suppressed


# Every figure a dashboard shows, and what it is about. The evaluation report's and the
# extract's aggregate tables count cohort members: all about people (reporting.py, extract.py).
FIGURES: Mapping[str, About] = {
    "funnel.people": About.PEOPLE,
    "completion_rate": About.PEOPLE,
    "attendance_rate": About.PEOPLE,
    # Places funded, in use and the waiting list measure the service's capacity (the home
    # page's capacity queue shows the same numbers from the same function).
    "places.in_use": About.SERVICE,
    "places.waiting": About.SERVICE,
    # Alerts between agencies: whether the service answered in time.
    "alerts.raised": About.SERVICE,
    "alerts.on_time": About.SERVICE,
    "alerts.share_on_time": About.SERVICE,
    "alerts.median_hours": About.SERVICE,
    "alerts.not_acknowledged": About.SERVICE,
    "alerts.within_deadline": About.SERVICE,
    "supervision.coverage": About.SERVICE,
    "spending.share_used": About.SERVICE,
}


def _about(figure: str) -> About:
    try:
        return FIGURES[figure]
    except KeyError:
        # A new figure must be classified before it can be shown.
        raise KeyError(f"{figure!r} is not in privacy.FIGURES") from None


def shown_count(figure: str, n: int, *, aggregate: bool) -> int | str:
    """`n` as the viewer sees it: suppressed only for a figure about people shown to an
    aggregates-only viewer."""
    if _about(figure) is About.PEOPLE and aggregate:
        return suppress(n)
    return n


def shown_rate(figure: str, numerator: int, denominator: int, *, aggregate: bool) -> str:
    """A share as the viewer sees it: withheld only for a figure about people shown to an
    aggregates-only viewer when a count it rests on is small."""
    if _about(figure) is About.PEOPLE and aggregate:
        return suppressed_rate(numerator, denominator)
    return figures.share(numerator, denominator) if denominator > 0 else "Not applicable"
