"""Reads for the webhook pages, through `policy.scope_webhook_subscriptions` (ADR 0035).

A subscription out of the actor's reach is a 404 whatever their role, so its existence is not
revealed: an organisation administrator of Surrey cannot tell a Sussex subscription from none.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User
from desist.core.models import Organisation
from desist.events.models import DeliveryAttempt, OutboundEvent, Subscription

P = policy.Perm


def _in_reach(actor: User) -> QuerySet[Subscription]:
    subscriptions: QuerySet[Subscription] = policy.scope_webhook_subscriptions(
        actor, Subscription.objects.select_related("organisation", "created_by")
    )
    return subscriptions.order_by("organisation__name", "name", "id")


def subscription_list_for(*, actor: User) -> QuerySet[Subscription]:
    policy.require_perm(actor, P.WEBHOOKS_MANAGE)
    return _in_reach(actor)


def subscription_get_for(*, actor: User, subscription_id: int) -> Subscription:
    subscription = _in_reach(actor).filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404("No such subscription")
    policy.require(actor, P.WEBHOOKS_MANAGE, subscription)
    return subscription


def dead_letters_for(*, actor: User) -> QuerySet[OutboundEvent]:
    """Events not delivered after every attempt, of the subscriptions the actor manages."""
    return (
        OutboundEvent.objects.filter(
            subscription__in=_in_reach(actor).values("pk"),
            status=OutboundEvent.Status.DEAD,
        )
        .select_related("subscription", "subscription__organisation")
        .order_by("-dead_at", "-id")
    )


def dead_letter_get_for(*, actor: User, subscription: Subscription, event_id: int) -> OutboundEvent:
    """A dead-lettered event of a subscription already fetched with `subscription_get_for`;
    an event delivered, still being tried or of another subscription is a 404."""
    event = dead_letters_for(actor=actor).filter(subscription=subscription, pk=event_id).first()
    if event is None:
        raise Http404("No such event")
    return event


def deliveries_of(subscription: Subscription) -> QuerySet[OutboundEvent]:
    """Every event for one subscription, newest first, each with its attempts: two queries
    a page, however many events and attempts (the caller has checked the subscription)."""
    return (
        OutboundEvent.objects.filter(subscription=subscription)
        .prefetch_related(Prefetch("tries", queryset=DeliveryAttempt.objects.order_by("number")))
        .order_by("-created_at", "-id")
    )


def organisations_for_webhooks(*, actor: User) -> list[Organisation]:
    """Live organisations the administrator may subscribe for (kinds the events describe)."""
    policy.require_perm(actor, P.WEBHOOKS_MANAGE)
    orgs = Organisation.objects.filter(
        retired_at__isnull=True, kind__in=list(policy.WEBHOOK_ORGANISATION_KINDS)
    ).order_by("name")
    return [o for o in orgs if policy.can(actor, P.WEBHOOKS_MANAGE, o)]


def organisation_for_webhooks(*, actor: User, organisation_id: int) -> Organisation:
    for org in organisations_for_webhooks(actor=actor):
        if org.pk == organisation_id:
            return org
    raise Http404("No such organisation")
