"""Log an update the police gave a victim (Victims' Code, issue 19): what they were told, when
and how, and which key event of the order it answers (`orders.victims_code`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.orders.actions.common import check_date, clean_text
from desist.orders.derived import fmt
from desist.orders.models import Order, VictimUpdate
from desist.orders.victims_code import KeyEvent, key_events, order_victims
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User
    from desist.safeguarding.models import Victim

SUMMARY_MAX = 2000


def _check_event_and_date(
    errors: Errors,
    order: Order,
    victim: Victim | None,
    event: KeyEvent | None,
    told_on: dt.date | None,
) -> None:
    """An event is answered once per victim; the date is not before the application, nor
    before the event it answers."""
    event_key = event.key if event else ""
    answered = (
        VictimUpdate.objects.filter(order=order, victim=victim, event_key=event_key)
        .select_related("created_by")
        .first()
        if event and victim is not None
        else None
    )
    if answered is not None:
        errors.add(
            "event_key",
            f"An update about this event was already recorded for this victim on "
            f"{fmt(answered.told_on)} by {answered.created_by.display_name()}: choose "
            "Something else to record a further update",
        )
    if not check_date(errors, "told_on", told_on, what="the date you gave the update"):
        pass
    elif told_on is not None and told_on < order.application_date:
        errors.add(
            "told_on",
            "The date you gave the update must be the same as or after the date of the "
            f"application for the order ({fmt(order.application_date)})",
        )
    elif event:
        assert told_on is not None
        if told_on < event.on:
            errors.add(
                "told_on",
                "The date you gave the update must be the same as or after the date of "
                f"the event ({fmt(event.on)})",
            )


@command(Perm.VICTIM_UPDATE_RECORD, on="order")
def order_record_victim_update(
    *,
    actor: User,
    order: Order,
    victim: Victim | None,
    event_key: str,
    told_on: dt.date | None,
    how: str,
    summary: str,
) -> VictimUpdate:
    """Append to the log; nothing in it is changed or removed afterwards."""
    errors = Errors()
    if victim is None or not order_victims(order).filter(pk=victim.pk).exists():
        errors.add("victim", "Select the victim you gave the update to")
    events = {e.key: e for e in key_events(order)}
    event = events.get(event_key)
    if event_key and event is None:
        errors.add("event_key", "Select what the update was about")
    _check_event_and_date(errors, order, victim, event, told_on)
    if how not in VictimUpdate.How.values:
        errors.add("how", "Select how you gave the update")
    summary = clean_text(summary)
    if not summary:
        errors.add("summary", "Enter what you told the victim")
    elif len(summary) > SUMMARY_MAX:
        errors.add(
            "summary", f"What you told the victim must be {SUMMARY_MAX:,} characters or fewer"
        )
    errors.raise_if_any()
    assert victim is not None and told_on is not None
    update = VictimUpdate.objects.create(
        order=order,
        victim=victim,
        event_key=event_key if event else "",
        event_label=event.label if event else "",
        told_on=told_on,
        how=how,
        summary=summary,
        created_by=actor,
    )
    # Ids, dates and codes only: what the victim was told stays in the encrypted row.
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="order.victim_update",
        obj=update,
        new={
            "order": order.pk,
            "victim": victim.pk,
            "event": event_key if event else "",
            "told_on": told_on.isoformat(),
            "how": how,
        },
    )
    return update
