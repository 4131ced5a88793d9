from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from desist import policy
from desist.audit import chain
from desist.audit.models import AuditEvent
from desist.core.export_purpose import Purpose
from desist.core.models import Organisation

if TYPE_CHECKING:
    from desist.accounts.models import User


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    organisation_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    category: str = ""
    verb: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_event_list_for(
    *, actor: User, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent]:
    qs = policy.scope_audit_events(actor, AuditEvent.objects.all())
    f = filters or AuditFilters()
    if f.username:
        qs = qs.filter(actor_username__iexact=f.username.strip())
    if f.organisation_id:
        qs = qs.filter(organisation_id=f.organisation_id)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id.strip())
    if f.category:
        qs = qs.filter(category=f.category)
    if f.verb:
        qs = qs.filter(verb=f.verb)
    # Dates are local (Europe/London) days, as `occurred_at__date` would read them, but as a
    # range on the column itself so that the indexes on occurred_at serve the filter.
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(f.date_from))
    if f.date_to and f.date_to < dt.date.max:  # no day after 31 December 9999: no bound
        qs = qs.filter(occurred_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-occurred_at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# At most this many rows are counted for the audit log page: beyond it the page says "more
# than" and offers next and previous pages, because an exact COUNT(*) over millions of rows
# costs more than the page itself.
COUNT_LIMIT = 10_000


@dataclass
class AuditPage:
    """One page of the audit log. `total` and `num_pages` are None when there are more than
    COUNT_LIMIT entries (not counted exactly)."""

    number: int
    events: list[AuditEvent]
    total: int | None
    num_pages: int | None
    has_next: bool
    count_limit: int = COUNT_LIMIT

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    @property
    def count_limit_text(self) -> str:
        return f"{self.count_limit:,}"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def audit_event_page_for(
    *, actor: User, filters: AuditFilters | None = None, page: Any = None, per_page: int = 50
) -> AuditPage:
    """A page of `audit_event_list_for`, newest first, in two queries whatever the size of
    the log: a count that stops at COUNT_LIMIT + 1, and the page's rows.

    Up to COUNT_LIMIT entries the page is Django's `Paginator.get_page` (a bad number gives
    page 1, one past the end the last page). Beyond it the total is not known: any page number
    from 1 up may be asked for, and the page has a next page if a row follows it."""
    events = audit_event_list_for(actor=actor, filters=filters)
    counted = events.order_by()[: COUNT_LIMIT + 1].count()
    if counted <= COUNT_LIMIT:
        paginator = Paginator(events, per_page)
        paginator.__dict__["count"] = counted  # the cached_property, already known
        p = paginator.get_page(page)
        return AuditPage(
            number=p.number,
            events=list(p.object_list),
            total=counted,
            num_pages=paginator.num_pages,
            has_next=p.has_next(),
        )
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    rows = list(events[offset : offset + per_page + 1])
    return AuditPage(
        number=number,
        events=rows[:per_page],
        total=None,
        num_pages=None,
        has_next=len(rows) > per_page,
        count_limit=COUNT_LIMIT,
    )


def audit_object_types_for(*, actor: User) -> list[str]:
    """The record types named in the events the actor may see, for the filter.

    One query, by a loose index scan: a recursive query that jumps from each type to the next
    one up through an index on object_type (audit_event_object_idx for the whole log,
    audit_event_org_object_type_idx for one organisation's rows), instead of reading every
    row for DISTINCT. Both steps are the policy-scoped queryset compiled by Django; only the
    reference to the previous type is written by hand."""
    scoped = policy.scope_audit_events(actor, AuditEvent.objects.all())
    cte = connection.ops.quote_name("audit_types")
    previous = RawSQL(f"{cte}.v", (), output_field=CharField())  # noqa: S611 (no input)

    def next_after(bound: Any) -> Any:
        qs = scoped.filter(object_type__gt=bound).order_by("object_type")
        return qs.values_list("object_type", flat=True)[:1].query

    try:
        first_sql, first_params = next_after("").sql_with_params()
        step_sql, step_params = next_after(previous).sql_with_params()
    except EmptyResultSet:  # the actor may see no events
        return []
    sql = (
        f"WITH RECURSIVE {cte}(v) AS (SELECT ({first_sql}) "  # noqa: S608 (compiled by Django)
        f"UNION ALL SELECT ({step_sql}) FROM {cte} WHERE {cte}.v IS NOT NULL) "
        f"SELECT v FROM {cte} WHERE v IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*first_params, *step_params))
        return sorted({row[0] for row in cursor.fetchall()})


def audit_organisation_choices_for(*, actor: User) -> list[tuple[int, str]] | None:
    """Organisations to filter by: only overseers (who see every organisation's events) get
    the choice; None hides the filter."""
    if not policy.has_perm(actor, policy.Perm.AUDIT_VIEW_ALL):
        return None
    return list(Organisation.objects.order_by("name").values_list("pk", "name"))


# Values of these events may identify a person (a name typed into a search). Auditors of the
# acting organisation see them; auditors elsewhere (overseers) see only the justification.
_OWN_ORGANISATION_DETAIL: dict[str, str] = {"subject.search": "search"}


def export_detail(values: dict[str, Any]) -> str:
    """What an export's audit row records (core.safecsv.export_facts), in words: the purpose
    by its label (and the reason typed for Other), the rows and the filters. No rows, so no
    personal data: shown to whoever may see the event."""
    code = str(values.get("purpose", ""))
    label = Purpose(code).label if code in Purpose.values else code
    reason = str(values.get("purpose_reason") or "")
    parts = [f"Purpose: {label}" + (f" ({reason})" if reason else "")]
    if "rows" in values:
        rows = values["rows"]
        parts.append(f"{rows} row{'' if rows == 1 else 's'}")
    if values.get("format"):
        parts.append(str(values["format"]).upper())
    filters = values.get("filters") or {}
    parts.append(
        # Recorded in words since issue 18 ("Status": "Active"); older rows kept field names.
        # Sorted: PostgreSQL's jsonb does not keep the order the keys were written in.
        "Filters: " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(filters.items()))
        if filters
        else "No filters"
    )
    return "; ".join(parts)


def audit_event_detail_for(*, actor: User, event: AuditEvent) -> str:
    """Extra detail of an event the actor may read, in words: an export's purpose, rows and
    filters; the terms of a subject search, for auditors of the searching organisation only."""
    values = event.new_values or {}
    if event.category == "disclosure" and "purpose" in values and "format" in values:
        return export_detail(values)
    key = _OWN_ORGANISATION_DETAIL.get(event.verb)
    if not key or event.organisation_id != actor.organisation_id:
        return ""
    found = values.get(key, "")
    return f"Searched for: {found}" if found else ""


def audit_chain_rows(
    *, after_id: int = 0, batch: int = 5000, db: BaseDatabaseWrapper | None = None
) -> Iterator[dict[str, Any]]:
    """Every audit row after `after_id`, in id order, with the chain's columns, for
    `chain.verify` (operators only: `desist audit_verify`, and `desist restore` on the restored
    database through its own connection, `db`; no actor, no scope). Keyset batches, so a million
    rows never sit in memory at once."""
    fields = ("id", "prev_hash", "row_hash", *chain.FIELDS)
    last = after_id
    while True:
        page = AuditEvent.objects.filter(id__gt=last).order_by("id").values(*fields)[:batch]
        if db is None:
            rows = list(page)
        else:
            compiler = page.query.get_compiler(connection=db)
            rows = [dict(zip(fields, r, strict=True)) for r in compiler.results_iter()]
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]["id"]


# --- "changed since": the audit log as the record of every write (issue 17) --------------------

# Disclosure counts: some writes are audited as one (a referral put forward to a provider).
WRITE_CATEGORIES = ("collection", "alteration", "disclosure", "erasure")


def changed_since(qs: QuerySet[Any], *, since: dt.datetime, children: tuple[str, ...] = ()) -> Any:
    """Rows of `qs` written (collected, altered, disclosed, erased) at or after `since`, by
    the audit log:
    every command audits its write in the same transaction, so no `updated_at` column can
    disagree with it. `children` names reverse relations whose rows' writes count too (a
    referral's sessions). One correlated subquery each; consultation never counts."""
    writes = AuditEvent.objects.filter(category__in=WRITE_CATEGORIES, occurred_at__gte=since)
    own = writes.filter(
        object_type=qs.model._meta.label, object_id=Cast(OuterRef("pk"), CharField())
    )
    changed = Q(Exists(own))
    for relation in children:
        field: Any = qs.model._meta.get_field(relation)
        child = field.related_model
        ids = (
            child._default_manager.filter(**{field.field.name: OuterRef(OuterRef("pk"))})
            .annotate(sid=Cast("pk", CharField()))
            .values("sid")
        )
        changed |= Q(
            Exists(writes.filter(object_type=child._meta.label, object_id__in=Subquery(ids)))
        )
    return qs.filter(changed)
