"""Reads of the alert e-mail outbox for operators (issue 12): which e-mails are failing.

One definition of "failing", used by the operator page and the oversight dashboard's count.
What is shown names the alert by reference and the recipient by organisation and role, never
the address, the subject line or the body.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from desist import policy
from desist.accounts.models import User
from desist.policy import Perm
from desist.sharing.models import OutboundEmail

S = OutboundEmail.Status

# Failing: given up, or failed at least once and waiting for its next try. An e-mail whose
# alert was acknowledged in the meantime is "not needed", not failing.
FAILING = Q(status=S.FAILED) | Q(status=S.QUEUED, attempts__gt=0)


def email_failures_for(*, actor: User) -> QuerySet[OutboundEmail]:
    """Every failing e-mail, newest trouble first. Delivery is the deployment's, so the system
    administrator sees all organisations' (nothing personal is shown)."""
    policy.require_perm(actor, Perm.EMAIL_FAILURES_VIEW)
    return (
        OutboundEmail.objects.filter(FAILING)
        .select_related("alert", "alert__recipient_organisation")
        .prefetch_related("alert__recipient__roles")
        .only(
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "created_at",
            "alert__id",
            "alert__kind",
            "alert__priority",
            "alert__recipient_id",
            "alert__recipient_organisation__name",
        )
        .order_by("status", "-created_at", "-id")
    )


def email_failures_count_for(*, actor: User) -> int:
    """How many alert e-mails are failing: for the operator and the oversight dashboard."""
    if not (
        policy.has_perm(actor, Perm.EMAIL_FAILURES_VIEW)
        or policy.has_perm(actor, Perm.OVERSIGHT_DASHBOARD)
    ):
        raise PermissionDenied(f"Missing permission: {Perm.EMAIL_FAILURES_VIEW}")
    return OutboundEmail.objects.filter(FAILING).count()
