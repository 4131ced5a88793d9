"""Display helpers for order pages: status tags, notification tags."""

from __future__ import annotations

from django import template

from desist.orders.dates import NotificationState

register = template.Library()

_STATUS_TAGS = {
    # Colours by meaning (core.tags): waiting blue, in force green (interim: for now,
    # turquoise), ended grey.
    "applied": "govuk-tag--blue",
    "interim": "govuk-tag--turquoise",
    "full": "govuk-tag--green",
    "refused": "govuk-tag--grey",
    "withdrawn": "govuk-tag--grey",
    "expired": "govuk-tag--grey",
    "discharged": "govuk-tag--grey",
}

_NOTIFICATION_TAGS = {
    NotificationState.DUE: ("govuk-tag--orange", "Due"),
    NotificationState.OVERDUE: ("govuk-tag--red", "Overdue"),
    NotificationState.ON_TIME: ("govuk-tag--green", "Received on time"),
    NotificationState.LATE: ("govuk-tag--purple", "Received late"),
    NotificationState.LAPSED: ("govuk-tag--grey", "Not given; the interim order ended"),
}


@register.filter
def status_tag_class(status: str) -> str:
    return _STATUS_TAGS.get(str(status), "govuk-tag--grey")


@register.filter
def notification_tag_class(state: str) -> str:
    return _NOTIFICATION_TAGS.get(NotificationState(state), ("govuk-tag--grey", ""))[0]


@register.filter
def notification_tag_label(state: str) -> str:
    return _NOTIFICATION_TAGS.get(NotificationState(state), ("", str(state)))[1]
