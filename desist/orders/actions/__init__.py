"""Every write to Stalking Protection Orders, one module per family of commands (the shape of
Zulip's zerver/actions/). Each command is a keyword-only `order_<verb>(*, actor, ...)` run
through the one write pipeline (`desist.audit.pipeline.command`): the permission first, then
validation with GOV.UK messages (nothing saved on any error), then the write and its audit
event in one transaction. Preconditions ("is this action open for this order?") are the order
page's own rule, `desist.orders.availability`.

Status changes go through `order_transition`, which enforces the table in `workflow.py`.
Writes to the order row itself use optimistic locking: callers pass the `version` they read.
Audit rows carry ids, dates and choice values, never names, wording or other free text.

The commands are re-exported here so a caller needs one import.
"""

from desist.orders.actions.applications import order_apply, order_update_details
from desist.orders.actions.breaches import breach_record_court_outcome, order_record_breach
from desist.orders.actions.circulation import order_record_circulation
from desist.orders.actions.corrections import order_correct_dates
from desist.orders.actions.events import (
    order_record_appeal,
    order_record_discharge,
    order_record_event,
    order_record_renewal,
    order_record_variation,
)
from desist.orders.actions.hearings import (
    order_make_full,
    order_make_interim,
    order_record_hearing,
    order_refuse,
)
from desist.orders.actions.notifications import (
    notification_record_acknowledged,
    notification_record_change,
    notification_record_received,
    order_serve,
)
from desist.orders.actions.ownership import order_assign
from desist.orders.actions.register import order_register_export_record
from desist.orders.actions.status import order_expire, order_transition, order_withdraw
from desist.orders.actions.terms import (
    order_add_term,
    order_correct_term,
    order_end_term,
    order_vary_term,
    protectable_victims,
)
from desist.orders.actions.victim_updates import order_record_victim_update

__all__ = [
    "order_record_circulation",
    "order_record_victim_update",
    "breach_record_court_outcome",
    "notification_record_acknowledged",
    "notification_record_change",
    "notification_record_received",
    "order_add_term",
    "order_apply",
    "order_assign",
    "order_correct_dates",
    "order_correct_term",
    "order_end_term",
    "order_expire",
    "order_make_full",
    "order_make_interim",
    "order_record_appeal",
    "order_record_breach",
    "order_record_discharge",
    "order_record_event",
    "order_record_hearing",
    "order_record_renewal",
    "order_record_variation",
    "order_refuse",
    "order_register_export_record",
    "order_serve",
    "order_transition",
    "order_vary_term",
    "order_update_details",
    "order_withdraw",
    "protectable_victims",
]
