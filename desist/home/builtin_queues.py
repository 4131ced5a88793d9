"""Queue providers backed by foundation data (accounts and the audit trail)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from desist.accounts import selectors as account_selectors
from desist.audit.selectors import AuditFilters, audit_event_list_for
from desist.core.dates import long_datetime
from desist.home.queues import QueueResult, QueueRow, provide

if TYPE_CHECKING:
    from desist.accounts.models import User

LIMIT = 5


@provide("admin.disabled")
def _disabled(actor: User) -> QueueResult:
    qs = account_selectors.user_list_for(actor=actor).filter(is_active=False)
    rows = [
        QueueRow(label=u.username, url=reverse("accounts:manage_detail", args=[u.pk]))
        for u in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("accounts:manage_list"))


@provide("admin.no_2fa")
def _no_2fa(actor: User) -> QueueResult:
    qs = (
        account_selectors.user_list_for(actor=actor)
        .filter(is_active=True)
        .exclude(totpdevice__confirmed=True)
    )
    rows = [
        QueueRow(label=u.username, url=reverse("accounts:manage_detail", args=[u.pk]))
        for u in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("accounts:manage_list"))


@provide("oversight.security")
def _security(actor: User) -> QueueResult:
    since = timezone.localdate() - dt.timedelta(days=7)
    qs = audit_event_list_for(
        actor=actor, filters=AuditFilters(category="security", date_from=since)
    ).filter(verb__in=["auth.login_failed", "auth.locked_out"])
    rows = [
        QueueRow(
            label=e.actor_username or "unknown username",
            detail=long_datetime(e.occurred_at),
            tag="Locked out" if e.verb == "auth.locked_out" else "Failed sign-in",
        )
        for e in qs[:LIMIT]
    ]
    return QueueResult(
        count=qs.count(),
        rows=rows,
        more_url=reverse("audit:list") + "?category=security",
    )
