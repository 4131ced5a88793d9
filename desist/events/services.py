"""Managing webhook subscriptions and sending a dead-lettered event again (issue 17,
ADR 0035). Commands, as for API keys: the permission first, then one transaction holding the
validation (GOV.UK messages), the write and its audit event.

A subscription's signing secret is returned once, by `subscription_create` and
`subscription_rotate`, for the administrator to copy; it is kept encrypted, since signing
needs it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.models import Organisation
from desist.events import signing
from desist.events.kinds import TYPES_FOR_KIND
from desist.events.models import OutboundEvent, Subscription

P = policy.Perm
S = Subscription.Status
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class IssuedSecret:
    subscription: Subscription
    secret: str  # shown once


def local_endpoints_allowed() -> bool:
    """http:// to this machine, for development and the tests' receiver only."""
    return bool(settings.DEBUG or getattr(settings, "DESIST_WEBHOOKS_ALLOW_LOCAL", False))


def url_problem(url: str) -> str:
    """What is wrong with an endpoint URL, in GOV.UK words, or ''."""
    if not url:
        return "Enter the endpoint URL"
    if len(url) > 500:
        return "Endpoint URL must be 500 characters or fewer"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "Enter an endpoint URL in the correct format, like https://rms.example.org/desist"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = host in _LOCAL_HOSTS or host.endswith(".localhost")
    if parts.username or parts.password:
        return "Enter an endpoint URL without a user name or password in it"
    if local and local_endpoints_allowed():
        return ""
    if parts.scheme != "https":
        return "Enter an endpoint URL that starts with https://"
    if local or _private(host):
        return "Enter an endpoint URL on the internet or your network, not this server"
    return ""


def _private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address_refused(address)


def address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """This machine, link-local (cloud metadata), unspecified or multicast. Private ranges
    (10/8 and the like) are allowed: a force's receiver may be on its own network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
    )


def problems(
    errors: Errors,
    organisation: Organisation | None,
    name: str,
    url: str,
    event_types: Iterable[str],
) -> tuple[str, str, list[str]]:
    """Every problem with the fields at once (the form shows them together, even before an
    organisation is chosen); the cleaned name, URL and the event types chosen."""
    name = " ".join(name.split())
    if not name:
        errors.add("name", "Enter a name for the subscription, like the system that receives it")
    elif len(name) > 100:
        errors.add("name", "Name must be 100 characters or fewer")
    url = url.strip()
    problem = url_problem(url)
    if problem:
        errors.add("url", problem)
    elif organisation is not None and (
        Subscription.objects.filter(organisation=organisation, url=url)
        .exclude(status=S.REVOKED)
        .exists()
    ):
        # A second one would send every event twice (a refreshed or resubmitted form).
        errors.add("url", "A subscription to this endpoint URL already exists")
    allowed = TYPES_FOR_KIND.get(organisation.kind, ()) if organisation else None
    chosen = set(event_types)
    if not chosen:
        errors.add("event_types", "Select at least one event to send")
    elif allowed is None:
        pass  # checked once the organisation is known
    elif not chosen <= {str(t) for t in allowed}:
        errors.add("event_types", "Select only events this organisation may receive")
    return name, url, [str(t) for t in allowed or () if t in chosen]


@command(P.WEBHOOKS_MANAGE, on="organisation")
def subscription_create(
    *, actor: User, organisation: Organisation, name: str, url: str, event_types: Iterable[str]
) -> IssuedSecret:
    errors = Errors()
    name, url, chosen = problems(errors, organisation, name, url, list(event_types))
    errors.raise_if_any()
    secret = signing.new_secret()
    subscription = Subscription.objects.create(
        organisation=organisation,
        name=name,
        url=url,
        event_types=chosen,
        secret=secret,
        secret_hint=secret[-4:],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="webhook.create",
        obj=subscription,
        new={"organisation": organisation.pk, "name": name, "url": url, "event_types": chosen},
    )
    return IssuedSecret(subscription, secret)


@command(P.WEBHOOKS_MANAGE, on="subscription")
def subscription_rotate(*, actor: User, subscription: Subscription) -> IssuedSecret:
    """A new secret at once: events sent from now on are signed with it (the receiver
    switches when the administrator pastes it in)."""
    errors = Errors()
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == S.REVOKED:
        errors.add("secret", "This subscription has been revoked")
    errors.raise_if_any()
    secret = signing.new_secret()
    subscription.secret = secret
    subscription.secret_hint = secret[-4:]
    subscription.secret_rotated_at = timezone.now()
    subscription.save(update_fields=["secret", "secret_hint", "secret_rotated_at"])
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="webhook.rotate_secret",
        obj=subscription,
        new={"rotated_at": subscription.secret_rotated_at},
    )
    return IssuedSecret(subscription, secret)


_NEXT = {"pause": S.PAUSED, "resume": S.ACTIVE, "revoke": S.REVOKED}
# What may be done to a subscription in each status (the status page offers these).
ACTIONS_FROM: dict[str, tuple[str, ...]] = {
    S.ACTIVE: ("pause", "revoke"),
    S.PAUSED: ("resume", "revoke"),
    S.REVOKED: (),
}


@command(P.WEBHOOKS_MANAGE, on="subscription")
def subscription_set_status(
    *, actor: User, subscription: Subscription, action: str, reason: str = ""
) -> Subscription:
    """Pause (events wait), resume, or revoke (final: no new events, waiting ones are not
    sent). Pausing and revoking need a reason."""
    errors = Errors()
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    reason = reason.strip()
    if action not in ACTIONS_FROM[subscription.status]:
        errors.add("action", "This subscription cannot be changed that way")
    elif action != "resume" and not reason:
        errors.add("reason", f"Enter why the subscription is being {action}d")
    elif len(reason) > 500:
        errors.add("reason", "Reason must be 500 characters or fewer")
    errors.raise_if_any()
    old = subscription.status
    subscription.status = _NEXT[action]
    subscription.status_reason = reason
    subscription.save(update_fields=["status", "status_reason"])
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb=f"webhook.{action}",
        obj=subscription,
        justification=reason,
        old={"status": old},
        new={"status": subscription.status},
    )
    return subscription


@command(P.WEBHOOKS_MANAGE, on="subscription")
def event_redeliver(
    *, actor: User, subscription: Subscription, event: OutboundEvent, now: dt.datetime | None = None
) -> OutboundEvent:
    """Send a dead-lettered event again: the same id and body, a fresh round of attempts."""
    errors = Errors()
    subscription = Subscription.objects.get(pk=subscription.pk)  # its status now
    event = OutboundEvent.objects.select_for_update().get(pk=event.pk)
    if event.subscription_id != subscription.pk or event.status != OutboundEvent.Status.DEAD:
        errors.add("event", "Only an event that was not delivered can be sent again")
    elif subscription.status == S.REVOKED:
        errors.add("event", "This subscription has been revoked")
    errors.raise_if_any()
    now = now or timezone.now()
    event.status = OutboundEvent.Status.PENDING
    event.round_base = event.attempts
    event.next_attempt_at = now
    event.dead_at = None
    event.save(update_fields=["status", "round_base", "next_attempt_at", "dead_at"])
    audit_record(
        actor=actor,
        category=Category.SECURITY,
        verb="webhook.redeliver",
        obj=subscription,
        new={"event_id": event.event_id, "event_type": event.event_type},
    )
    return event
