"""Which actions an order offers: one definition for the order page's buttons and for the
commands' preconditions (issue 13, "one definition of each rule").

Each action's precondition raises the GOV.UK message (or the transition table's
TransitionError) the command gives when the action is not open; `available(actor, order)` is
"the actor may edit the order and the precondition holds", so a button is shown exactly when
its command would accept the order. Victim-free: no safeguarding import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone

from desist import policy
from desist.core.roles import RoleCode
from desist.orders import dates, law
from desist.orders.derived import current_end, fmt, in_force_from
from desist.orders.models import (
    ENDED_STATUSES,
    LIVE_STATUSES,
    Hearing,
    NotificationExemption,
    Order,
    OrderEvent,
    OrderStatus,
)
from desist.orders.workflow import TRANSITIONS, check_transition_allowed
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
Precondition = Callable[["User", Order], None]


def _closed(message: str) -> None:
    raise ValidationError({NON_FIELD_ERRORS: [message]})


def _roles(actor: User) -> frozenset[str]:
    return frozenset(getattr(actor, "role_codes", frozenset()))


@dataclass(frozen=True)
class OrderAction:
    key: str
    label: str
    url_name: str
    precondition: Precondition
    url_args: tuple[str, ...] = ()
    # For a status change only some roles may ever record (the transition table's rule):
    # actors without one of them are refused the page itself, not only its submit.
    role_target: str | None = None

    def require(self, actor: User, order: Order) -> None:
        """Raise the command's message when the action is not open for this order."""
        self.precondition(actor, order)

    def require_page(self, actor: User) -> None:
        """PermissionDenied (403; the order is in the actor's scope) if the actor's roles
        may never record this action, whatever the order's status."""
        if self.role_target is not None and not may_ever_record(actor, self.role_target):
            raise PermissionDenied(f"Only some roles can record: {self.label.lower()}")

    def available(self, actor: User, order: Order) -> bool:
        if not policy.can(actor, Perm.ORDER_EDIT, order):
            return False
        if self.role_target is not None and not may_ever_record(actor, self.role_target):
            return False
        try:
            self.precondition(actor, order)
        except ValidationError:
            return False
        return True


def may_ever_record(actor: User, target: str) -> bool:
    """Whether the transition table lets any of the actor's roles move an order to `target`
    from some status."""
    roles = {RoleCode(c) for c in _roles(actor)}
    return any(t.target == target and t.roles & roles for t in TRANSITIONS)


# --- preconditions -------------------------------------------------------------------------


def _undecided(actor: User, order: Order) -> None:
    if order.status not in (S.APPLIED, S.INTERIM):
        _closed("Hearings can only be recorded while the application is undecided")


def _decides(target: str) -> Precondition:
    """A hearing whose outcome changes the status: undecided, and the table allows it."""

    def check(actor: User, order: Order) -> None:
        _undecided(actor, order)
        check_transition_allowed(role_codes=_roles(actor), source=order.status, target=target)

    return check


def _servable(actor: User, order: Order) -> None:
    if order.status not in LIVE_STATUSES:
        _closed("Only an interim or full order in force can be served")
    interim = order.status == S.INTERIM
    already = order.interim_served_on if interim else order.full_served_on
    if already is not None:
        what = "interim order" if interim else "full order"
        _closed(f"The {what} was already recorded as served on {fmt(already)}")


def _changes_notifiable(actor: User, order: Order) -> None:
    if order.status not in LIVE_STATUSES:
        _closed("Changes can only be notified while an interim or full order is in force")
    if order.notification_exemption == NotificationExemption.SEX_OFFENDER:
        _closed(
            "The subject is exempt from SPO notification: they are already subject to sex "
            "offender notification requirements"
        )
    if law.notification_requirements_from(order.interim_served_on, order.full_served_on) is None:
        _closed("Record service of the order before recording notified changes")


def _not_ended(actor: User, order: Order) -> None:
    if order.status in ENDED_STATUSES:
        _closed("Terms cannot be added to an order or application that has ended")


def _made(actor: User, order: Order) -> None:
    if in_force_from(order) is None:
        _closed("A breach can only be recorded for an order that has been made")


def _in_status(statuses: tuple[str, ...], message: str) -> Precondition:
    def check(actor: User, order: Order) -> None:
        if order.status not in statuses:
            _closed(message)

    return check


def _renewable(actor: User, order: Order) -> None:
    if order.status != S.FULL:
        _closed("Only a full order can be renewed")
    if order.until_further_order:
        _closed("An order made until a further order does not need renewing")


def _expirable(actor: User, order: Order) -> None:
    if order.status == S.FULL and order.until_further_order:
        _closed("An order made until a further order does not expire")
    if order.status not in LIVE_STATUSES:
        _closed("Only an interim or full order can expire")
    end = current_end(order)
    if end is None:
        _closed("The order has no end date recorded")
    elif not dates.has_ended(end, timezone.localdate()):
        _closed(
            f"The order is in force until the end of {fmt(end)}: it cannot be recorded as "
            "expired before then"
        )
    check_transition_allowed(role_codes=_roles(actor), source=order.status, target=S.EXPIRED)


def _withdrawable(actor: User, order: Order) -> None:
    check_transition_allowed(role_codes=_roles(actor), source=order.status, target=S.WITHDRAWN)


# --- the actions, in the order the page offers them ------------------------------------------

K = OrderEvent.Kind
RECORD_HEARING = OrderAction("hearing", "Record an adjourned hearing", "hearing_add", _undecided)
MAKE_INTERIM = OrderAction(
    "make_interim", "Record an interim order", "make_interim", _decides(S.INTERIM)
)
MAKE_FULL = OrderAction("make_full", "Record a full order", "make_full", _decides(S.FULL))
REFUSE = OrderAction("refuse", "Record a refusal", "refuse", _decides(S.REFUSED))
SERVE = OrderAction("serve", "Record service", "serve", _servable)
NOTIFY_CHANGE = OrderAction(
    "notification_change",
    "Record a notified change of name or address",
    "notification_change",
    _changes_notifiable,
)
ADD_TERM = OrderAction("term_add", "Add a term", "term_add", _not_ended)
RECORD_BREACH = OrderAction("breach_add", "Record a breach", "breach_add", _made)
VARIATION = OrderAction(
    K.VARIATION,
    "Record a variation",
    "event_add",
    _in_status(LIVE_STATUSES, "A variation can only be recorded for an interim or full order"),
    (K.VARIATION,),
)
RENEWAL = OrderAction(K.RENEWAL, "Record a renewal", "event_add", _renewable, (K.RENEWAL,))
DISCHARGE = OrderAction(
    K.DISCHARGE,
    "Record a discharge",
    "event_add",
    _in_status(LIVE_STATUSES, "A discharge can only be recorded for an interim or full order"),
    (K.DISCHARGE,),
)
APPEAL = OrderAction(
    K.APPEAL,
    "Record an appeal",
    "event_add",
    _in_status(
        (*LIVE_STATUSES, S.REFUSED),
        "An appeal can only be recorded against an order or a refusal",
    ),
    (K.APPEAL,),
)
EXPIRE = OrderAction("expire", "Record that the order has expired", "expire", _expirable)
WITHDRAW = OrderAction(
    "withdraw",
    "Withdraw the application",
    "withdraw",
    _withdrawable,
    role_target=S.WITHDRAWN,
)

ACTIONS: tuple[OrderAction, ...] = (
    RECORD_HEARING,
    MAKE_INTERIM,
    MAKE_FULL,
    REFUSE,
    SERVE,
    NOTIFY_CHANGE,
    ADD_TERM,
    RECORD_BREACH,
    VARIATION,
    RENEWAL,
    DISCHARGE,
    APPEAL,
    EXPIRE,
    WITHDRAW,
)

# A hearing's outcome picks the action it is (an adjournment is the plain hearing).
HEARING_ACTIONS: dict[str, OrderAction] = {
    Hearing.Outcome.INTERIM_MADE: MAKE_INTERIM,
    Hearing.Outcome.FULL_MADE: MAKE_FULL,
    Hearing.Outcome.REFUSED: REFUSE,
}
EVENT_ACTIONS: dict[str, OrderAction] = {a.key: a for a in (VARIATION, RENEWAL, DISCHARGE, APPEAL)}


def offered(actor: User, order: Order) -> list[OrderAction]:
    """The actions the order page offers this actor."""
    return [a for a in ACTIONS if a.available(actor, order)]
