"""Issue 19 (police daily work): notified changes under an interim order, discharge within
two years, the PNC hint, the supervisor-only withdraw page."""

from __future__ import annotations

from typing import Any

from desist.orders import actions as services
from desist.orders.models import Notification
from desist.orders.tests.helpers import ago, ahead, fresh, interim


def _interim_then_full(officer: Any, subject: Any, *, full_served: bool) -> Any:
    order = interim(officer, subject, made=ago(60), expires=ahead(200), served=ago(50))
    services.order_make_full(
        actor=officer,
        order=order,
        version=order.version,
        made_on=ago(30),
        ends_on=ahead(800),
        until_further_order=False,
    )
    if full_served:
        services.order_serve(actor=officer, order=order, version=order.version, served_on=ago(20))
    return fresh(order)


def test_change_notified_while_only_the_interim_order_was_served(
    officer: Any, subject: Any
) -> None:
    # s.9(4): the requirements run from service of the interim order too. A change made after
    # the interim order was served (ago 50) and before the full one was (ago 20) is accepted.
    for full_served in (True, False):
        order = _interim_then_full(officer, subject, full_served=full_served)
        note = services.notification_record_change(
            actor=officer,
            order=order,
            kind=Notification.Kind.CHANGE_OF_ADDRESS,
            changed_on=ago(40),
            received_on=ago(39),
            address=f"{10 + full_served} Interim Street",
        )
        assert note.trigger_on == ago(40) and note.received_on == ago(39)
