"""Display helpers for programme pages."""

from __future__ import annotations

from typing import Any

from django import template

from desist import policy
from desist.policy import Perm
from desist.programme import selectors
from desist.programme.models import OPEN_STATUSES as OPEN

register = template.Library()


@register.filter
def tag_class(tags: dict[str, str], code: str) -> str:
    return tags.get(code, "govuk-tag--grey")


@register.inclusion_tag("programme/includes/subject_panel.html", takes_context=True)
def programme_panel(context: dict[str, Any], subject: Any) -> dict[str, Any]:
    """The 'Intervention programme' panel on a subject's page (police): referrals and their
    engagement, and a link to put the subject forward."""
    request = context.get("request")
    actor = getattr(request, "user", None)
    if actor is None or not policy.has_perm(actor, Perm.REFERRAL_VIEW):
        return {"show": False}
    referrals = selectors.referrals_for_subject(actor=actor, subject=subject)
    has_open = any(r.status in OPEN for r in referrals)
    return {
        "show": True,
        "subject": subject,
        "referrals": referrals,
        "can_put_forward": not has_open and policy.can(actor, Perm.REFERRAL_PUT_FORWARD, subject),
    }
