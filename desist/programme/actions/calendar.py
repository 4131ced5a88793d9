"""The secret calendar feed address for a practitioner's sessions."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.models import CalendarToken

if TYPE_CHECKING:
    from desist.accounts.models import User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@command(Perm.SESSION_MANAGE)
def calendar_token_create(*, actor: User) -> str:
    """A new secret feed address for the actor's sessions; any earlier one stops working.
    Returns the token (shown once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    CalendarToken.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    row = CalendarToken.objects.create(user=actor, token_hash=token_hash(token))
    audit_record(
        actor=actor, category=Category.SECURITY, verb="programme.calendar_token_create", obj=row
    )
    return token


@command(Perm.SESSION_MANAGE)
def calendar_token_revoke(*, actor: User) -> int:
    """Stop the actor's feed address working."""
    n = CalendarToken.objects.filter(user=actor, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="programme.calendar_token_revoke",
        new={"revoked": n},
    )
    return n
