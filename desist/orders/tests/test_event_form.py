"""The later-event form offers only answers the command can accept."""

from __future__ import annotations

from desist.orders.forms import EventForm


def test_only_a_full_orders_variation_offers_a_new_end_date() -> None:
    # The command refuses a new end date for any other order ("Only a full order's end date
    # can be varied"), so the form does not ask for one.
    assert "new_ends_on" not in EventForm(kind="variation", full=False).fields
    assert "new_ends_on" in EventForm(kind="variation", full=True).fields
    assert "new_ends_on" in EventForm(kind="renewal").fields
