"""Reads of orders and everything hanging off them, under the access policy (own force only).

Each function runs a fixed number of queries however many rows there are. Victims appear as
references (V000123) unless the actor may see victim identities, and then only through the
safeguarding selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.cases.models import IncidentType
from desist.core.models import Organisation, OrganisationKind
from desist.core.reach import Reach
from desist.orders import dates, victims_code
from desist.orders.derived import OrderDates, breach_incident_description, fmt, order_dates
from desist.orders.interventions import InterventionSummary, interventions_for
from desist.orders.lookups import (  # the victim-free reads, re-exported
    _expiring_q,
    _today,
    order_list_for,
    outstanding_notifications,
    with_duty_end,
)
from desist.orders.lookups import orders_for_subject as orders_for_subject
from desist.orders.lookups import orders_nearing_end as orders_nearing_end
from desist.orders.models import (
    LIVE_STATUSES,
    Breach,
    Hearing,
    Notification,
    Order,
    OrderDateCorrection,
    OrderEvent,
    OrderStatusChange,
    Term,
    TermChange,
    VictimUpdate,
)
from desist.orders.references import term_protected_ids, term_provider_text, victim_reference
from desist.orders.workflow import allowed_targets, transition_for
from desist.policy import Perm
from desist.safeguarding import selectors as victim_selectors
from desist.safeguarding.models import Victim

# Filters of the register list named after the home-page queues (?queue=...).
QUEUE_FILTERS = ("applications", "notifications", "expiring", "interim_lapsing", "breaches")
# Each in words: the list page's "Showing ..." and an export's filters say the same.
QUEUE_LABELS = {
    "applications": "applications awaiting a hearing",
    "notifications": "orders with notifications due or overdue",
    "expiring": "orders due for renewal review",
    "interim_lapsing": "interim orders lapsing within 7 days",
    "breaches": "orders breached in the last 30 days",
}


# --- lists and single records -----------------------------------------------------------------


def order_get_for(*, actor: User, order_id: int, history: bool = False) -> Order:
    """One order; 404 when out of scope, so a record's existence is not revealed. With
    `history`, also one transferred away from the actor's force (its page, read-only)."""
    try:
        order = (
            policy.scope_orders(actor, Order.objects.all(), history=history)
            .select_related("subject", "case", "force", "applying_force", "created_by")
            .get(pk=order_id)
        )
    except Order.DoesNotExist:
        raise Http404("No such order") from None
    policy.require(actor, Perm.ORDER_VIEW, order)
    return order


def notification_get_for(*, actor: User, order: Order, notification_id: int) -> Notification:
    try:
        notification = Notification.objects.get(pk=notification_id, order=order)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    notification.order = order
    return notification


def breach_get_for(*, actor: User, order: Order, breach_id: int) -> Breach:
    try:
        breach = Breach.objects.select_related("term").get(pk=breach_id, order=order)
    except Breach.DoesNotExist:
        raise Http404("No such breach") from None
    breach.order = order
    return breach


def terms_for_order(*, actor: User, order: Order) -> list[Term]:
    policy.require(actor, Perm.ORDER_VIEW, order)
    return list(Term.objects.filter(order=order).order_by("id"))


# --- organisations (not sensitive; here so views stay free of queries) -------------------------


def police_force_choices() -> list[tuple[int, str]]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE)
        .order_by("name")
        .values_list("pk", "name")
    )


def police_force_get(organisation_id: int) -> Organisation:
    try:
        return Organisation.objects.get(pk=organisation_id, kind=OrganisationKind.POLICE_FORCE)
    except Organisation.DoesNotExist:
        raise Http404("No such police force") from None


def organisation_choices() -> list[tuple[int, str]]:
    return list(Organisation.objects.order_by("name").values_list("pk", "name"))


def organisation_get(organisation_id: int) -> Organisation:
    try:
        return Organisation.objects.get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation") from None


# --- victims: references, or names for those allowed to see them -------------------------------


def victim_labels_for(*, actor: User, victim_ids: set[int]) -> dict[int, str]:
    """'V000123', or 'Name (V000123)' for actors who may see victim identities. One query at
    most, through the safeguarding door."""
    labels = {pk: victim_reference(pk) for pk in victim_ids}
    if victim_ids and policy.has_perm(actor, Perm.VICTIM_IDENTITY_VIEW):
        for victim in victim_selectors.victim_list_for(actor=actor).filter(pk__in=victim_ids):
            labels[victim.pk] = f"{victim.full_name} ({victim.reference})"
    return labels


def protectable_victim_choices_for(*, actor: User, order: Order) -> list[tuple[int, str]]:
    """Victims of the subject's cases, as (id, label) choices for a term's protected people."""
    ids = set(
        Victim.objects.filter(force_id=order.force_id, cases__subject_id=order.subject_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    labels = victim_labels_for(actor=actor, victim_ids=ids)
    return [(pk, labels[pk]) for pk in sorted(ids)]


# --- the order page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationRow:
    notification: Notification
    state: str
    days_overdue: int


@dataclass(frozen=True)
class TermChangeRow:
    """One change to a term as the order page shows it: the court's wording (old and new) only
    to those who may see victims, the provider's description to anyone else."""

    change: TermChange
    old_text: str
    new_text: str
    old_area: str
    new_area: str

    @property
    def by(self) -> str:
        user = self.change.changed_by
        return user.display_name() if user is not None else "Not recorded"


@dataclass(frozen=True)
class TermRow:
    term: Term
    protected: list[str]
    wording: str
    area: str
    for_provider: str = ""
    police_wording: bool = False  # `wording` is the court's (police only)
    changes: list[TermChangeRow] = field(default_factory=list)


@dataclass(frozen=True)
class BreachRow:
    """A breach as the order page, the case timeline and a breach alert show it: to those who
    may see the order (police of the force, or a break-glass grant on the order) and no one
    else. The term's wording is the court's only for those who may see victims."""

    breach: Breach
    term_wording: str
    reference: str = ""

    @property
    def recorded_by(self) -> str:
        user = self.breach.created_by
        return user.display_name() if user is not None else "Not recorded"

    @property
    def rows(self) -> list[tuple[str, str]]:
        b = self.breach
        outcome = b.get_court_outcome_display()
        if b.court_outcome_on:
            outcome += f" ({fmt(b.court_outcome_on)})"
        rows = [("Date of the breach", fmt(b.occurred_on))]
        if self.reference:
            rows.append(("Order", f"SPO {self.reference}"))
        return [
            *rows,
            ("Term breached", f"{b.term.get_kind_display()}: {self.term_wording}"),
            ("How it came to light", b.get_detection_display()),
            ("What happened", b.details or "Not recorded"),
            ("Police action", b.get_police_action_display()),
            ("Court outcome", outcome),
            ("Recorded by", f"{self.recorded_by}, {fmt(timezone.localdate(b.created_at))}"),
        ]


@dataclass(frozen=True)
class HistoryRow:
    change: OrderStatusChange
    label: str


@dataclass
class OrderPage:
    order: Order
    dates: OrderDates
    window_days: int
    hearings: list[Hearing]
    terms: list[TermRow]
    notifications: list[NotificationRow]
    breaches: list[BreachRow]
    events: list[OrderEvent]
    history: list[HistoryRow]
    targets: set[str] = field(default_factory=set)
    date_corrections: list[OrderDateCorrection] = field(default_factory=list)
    interventions: list[InterventionSummary] = field(default_factory=list)

    @property
    def next_hearing(self) -> dt.date | None:
        upcoming = [h.adjourned_to for h in self.hearings if h.adjourned_to]
        return max(upcoming) if upcoming else None

    @property
    def has_outstanding_notification(self) -> bool:
        return any(
            r.notification.received_on is None and r.state != dates.NotificationState.LAPSED
            for r in self.notifications
        )


def _term_changes(order: Order, *, identities: bool) -> dict[int, list[TermChangeRow]]:
    """Each term's history (one query): the court's wording only to those who may see victims."""
    changes: dict[int, list[TermChangeRow]] = defaultdict(list)
    for c in TermChange.objects.filter(term__order=order).select_related("changed_by"):
        changes[c.term_id].append(
            TermChangeRow(
                change=c,
                old_text=c.old_wording if identities else c.old_provider_description,
                new_text=c.new_wording if identities else c.new_provider_description,
                old_area=c.old_area if identities else "",
                new_area=c.new_area if identities else "",
            )
        )
    return changes


def order_page_for(*, actor: User, order_id: int) -> OrderPage:
    """Everything the order page shows, in a fixed number of queries."""
    order = order_get_for(actor=actor, order_id=order_id, history=True)
    today, window = _today(), dates.review_window_days()
    identities = policy.has_perm(actor, Perm.VICTIM_IDENTITY_VIEW)
    terms = list(
        Term.objects.filter(order=order).select_related("responsible_organisation").order_by("id")
    )
    # Protected people from the through table: ids only, no Victim row is loaded.
    protected = term_protected_ids([t.pk for t in terms])
    labels = victim_labels_for(
        actor=actor, victim_ids={v for ids in protected.values() for v in ids}
    )

    def shown(term: Term) -> str:
        # The court's wording only to those who may see victims; anyone else gets the
        # provider-safe description, never a redaction of the police's text.
        return term.wording if identities else term_provider_text(term)

    wording = {t.pk: shown(t) for t in terms}
    changes = _term_changes(order, identities=identities)
    history = list(
        OrderStatusChange.objects.filter(order=order)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )

    def lapsed(n: Any) -> bool:  # ADR 0019: the same rule as the alerts and evaluation
        return dates.notification_lapsed(received_on=n.received_on, duty_ended_on=n.duty_ended_on)

    notifications = [
        NotificationRow(
            notification=n,
            state=dates.NotificationState.LAPSED
            if lapsed(n)
            else dates.notification_state(n.due_on, n.received_on, today),
            days_overdue=0 if lapsed(n) else dates.days_overdue(n.due_on, n.received_on, today),
        )
        for n in with_duty_end(Notification.objects.filter(order=order))
        .select_related("subject_address")
        .order_by("trigger_on", "id")
    ]
    return OrderPage(
        order=order,
        dates=order_dates(order, today=today, window_days=window),
        window_days=window,
        hearings=list(Hearing.objects.filter(order=order).order_by("heard_on", "id")),
        terms=[
            TermRow(
                term=t,
                protected=[labels[v] for v in protected.get(t.pk, [])],
                wording=wording[t.pk],
                area=t.area if identities else "",
                for_provider=term_provider_text(t),
                police_wording=identities,
                changes=changes[t.pk],
            )
            for t in terms
        ],
        notifications=notifications,
        breaches=[
            BreachRow(breach=b, term_wording=wording.get(b.term_id) or shown(b.term))
            for b in Breach.objects.filter(order=order)
            .select_related("term", "created_by")
            .order_by("-occurred_on", "-id")
        ],
        events=list(OrderEvent.objects.filter(order=order).order_by("decided_on", "id")),
        history=[HistoryRow(change=c, label=_change_label(c)) for c in history],
        interventions=interventions_for(actor=actor, order=order),
        date_corrections=list(
            OrderDateCorrection.objects.filter(order=order)
            .select_related("changed_by")
            .order_by("-changed_at", "-id")
        ),
        targets=set(allowed_targets(getattr(actor, "role_codes", ()), order.status))
        if policy.can(actor, Perm.ORDER_EDIT, order)
        else set(),
    )


# --- breaches seen from elsewhere: a breach alert, the case timeline -----------------------------


def _breach_rows(actor: User, breaches: QuerySet[Breach]) -> list[BreachRow]:
    """Breaches of orders the actor may see, in full (police of the force, break-glass on the
    order); the rest are left out. Two queries however many."""
    visible = breaches.filter(order__in=policy.scope_orders(actor, Order.objects.all()))
    identities = policy.has_perm(actor, Perm.VICTIM_IDENTITY_VIEW)
    return [
        BreachRow(
            breach=b,
            term_wording=b.term.wording if identities else term_provider_text(b.term),
            reference=b.order.reference,
        )
        for b in visible.select_related("term", "created_by", "order").order_by(
            "-occurred_on", "-id"
        )
        if policy.can(actor, Perm.ORDER_VIEW, b.order)
    ]


def breach_detail_for(*, actor: User, breach_id: int) -> BreachRow | None:
    """One breach for its alert's page, or None when the actor may not see its order (an
    advocate alerted about it reads the alert's summary only)."""
    rows = _breach_rows(actor, Breach.objects.filter(pk=breach_id))
    return rows[0] if rows else None


def case_timeline_breaches(
    *, actor: User, case: Any, incidents: list[Any]
) -> tuple[dict[int, BreachRow], list[BreachRow]]:
    """Breaches of the case's orders the actor may see: each matched to the incident that
    recording it added to the timeline (same day, same description), or else left over."""
    rows = _breach_rows(actor, Breach.objects.filter(order__case=case))
    free: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for i in sorted(incidents, key=lambda i: i.pk):
        if i.incident_type == IncidentType.SPO_BREACH:
            free[(i.occurred_on, i.description)].append(i.pk)
    matched: dict[int, BreachRow] = {}
    left: list[BreachRow] = []
    for row in sorted(rows, key=lambda r: r.breach.pk):
        b = row.breach
        key = (b.occurred_on, breach_incident_description(row.reference, b.term.get_kind_display()))
        if free[key]:
            matched[free[key].pop(0)] = row
        else:
            left.append(row)
    return matched, left


def _change_label(change: OrderStatusChange) -> str:
    rule = transition_for(change.from_status, change.to_status)
    return rule.label if rule else change.get_to_status_display()


# --- the register: list page and exports ---------------------------------------------------------


def register_for(
    *, actor: User, status: str = "", queue: str = "", reach: Reach = Reach.FORCE
) -> QuerySet[Order]:
    """The register with the counts the list page and exports show (one query a page)."""
    today = _today()
    outstanding = outstanding_notifications().filter(order=OuterRef("pk"))
    listed = order_list_for(actor=actor, status=status, queue=queue, today=today, reach=reach)
    return listed.annotate(
        term_count=Count("terms", distinct=True),
        breach_count=Count("breaches", distinct=True),
        last_breach_on=Max("breaches__occurred_on"),
        overdue_notifications=Subquery(
            outstanding.filter(due_on__lt=today)
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        due_notifications=Subquery(
            outstanding.filter(due_on__gte=today)
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
    )


def protected_references_for(orders: list[Order]) -> dict[int, list[str]]:
    """order id -> sorted victim references of the people its terms protect (one query)."""
    through = Term.protected_persons.through
    pairs = (
        through.objects.filter(term__order__in=[o.pk for o in orders])
        .values_list("term__order_id", "victim_id")
        .distinct()
    )
    found: dict[int, set[int]] = defaultdict(set)
    for order_id, victim_id in pairs:
        found[order_id].add(victim_id)
    return {k: [victim_reference(v) for v in sorted(ids)] for k, ids in found.items()}


# --- home-page queues ---------------------------------------------------------------------------


def applications_awaiting_hearing_for(
    *, actor: User, reach: Reach = Reach.FORCE
) -> QuerySet[Order]:
    """Applications not yet decided, oldest first, with the date any hearing was adjourned to."""
    next_hearing = (
        Hearing.objects.filter(order=OuterRef("pk"), adjourned_to__isnull=False)
        .order_by("-adjourned_to")
        .values("adjourned_to")[:1]
    )
    return (
        order_list_for(actor=actor, queue="applications", reach=reach)
        .annotate(next_hearing_on=Subquery(next_hearing))
        .order_by("application_date", "id")
    )


def notifications_due_for(*, actor: User, reach: Reach = Reach.FORCE) -> QuerySet[Notification]:
    """Notifications not yet received for orders in force: overdue first (earliest due)."""
    orders = order_list_for(actor=actor, reach=reach).filter(status__in=LIVE_STATUSES)
    return (
        outstanding_notifications()
        .filter(order__in=orders.values("pk"))
        .select_related("order", "order__subject")
        .order_by("due_on", "id")
    )


def orders_expiring_for(
    *,
    actor: User,
    today: dt.date | None = None,
    window_days: int | None = None,
    reach: Reach = Reach.FORCE,
) -> QuerySet[Order]:
    today = today or _today()
    window = dates.review_window_days() if window_days is None else window_days
    return (
        order_list_for(actor=actor, today=today, reach=reach)
        .filter(_expiring_q(today, window))
        .order_by("full_ends_on", "id")
    )


def interim_orders_lapsing_for(
    *, actor: User, today: dt.date | None = None, reach: Reach = Reach.FORCE
) -> QuerySet[Order]:
    """Interim orders about to lapse (or lapsed, not yet recorded), soonest first."""
    today = today or _today()
    return order_list_for(actor=actor, queue="interim_lapsing", today=today, reach=reach).order_by(
        "interim_expires_on", "id"
    )


def breaches_recent_for(
    *, actor: User, today: dt.date | None = None, reach: Reach = Reach.FORCE
) -> QuerySet[Breach]:
    today = today or _today()
    since = today - dt.timedelta(days=dates.RECENT_BREACH_DAYS)
    orders = order_list_for(actor=actor, reach=reach)
    return (
        Breach.objects.filter(order__in=orders.values("pk"), occurred_on__gte=since)
        .select_related("order", "order__subject", "term")
        .order_by("-occurred_on", "-id")
    )


# --- updates owed to victims (Victims' Code, issue 19) ------------------------------------------


@dataclass(frozen=True)
class VictimUpdatesPanel:
    # (what is owed, the victim's label) and (an update given, the victim's label)
    rows: list[tuple[victims_code.DueUpdate, str]]
    log: list[tuple[VictimUpdate, str]]
    # The order has victims to give updates to (the form is offered).
    has_victims: bool
    labels: dict[int, str]


def victim_updates_for(*, actor: User, order: Order) -> VictimUpdatesPanel | None:
    """The updates each victim of the order is owed and those given, for police of the
    order's force; None for anyone else (break-glass readers included)."""
    if not policy.can(actor, Perm.VICTIM_UPDATE_RECORD, order):
        return None
    victims = list(victims_code.order_victims(order))
    log = list(VictimUpdate.objects.filter(order=order).select_related("created_by"))
    ids = {v.pk for v in victims} | {u.victim_id for u in log}
    labels = victim_labels_for(actor=actor, victim_ids=ids)
    return VictimUpdatesPanel(
        rows=[(r, labels[r.victim.pk]) for r in victims_code.updates_due(order, victims)],
        log=[(u, labels[u.victim_id]) for u in log],
        has_victims=bool(victims),
        labels=labels,
    )
