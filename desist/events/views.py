"""Webhook pages (issue 17, ADR 0035), beside API keys: subscriptions, the secret shown once,
rotate, pause/resume/revoke, each subscription's deliveries, and the events not delivered
with "Send again". For system administrators (every organisation) and organisation
administrators (their own); a subscription out of reach is a 404. Every page writes a
consultation event; the commands in services.py validate, write and audit each change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from desist.accounts.http import AuthedRequest
from desist.audit.pipeline import Errors
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.events import selectors, services
from desist.events.forms import StatusForm, SubscriptionForm

PAGE_SIZE = 25
DEAD_SHOWN = 100
_ACTIONS = {
    "pause": "Pause: keep its events and send them when resumed",
    "resume": "Resume: send its events again",
    "revoke": "Revoke: stop for good; events waiting are not sent",
}


@login_required
def subscription_list(request: AuthedRequest) -> HttpResponse:
    subscriptions = list(selectors.subscription_list_for(actor=request.user))
    dead = list(selectors.dead_letters_for(actor=request.user)[:DEAD_SHOWN])
    audit_consultation(
        actor=request.user, verb="webhook.list", object_type="events.Subscription", new={}
    )
    return render(
        request,
        "events/subscriptions.html",
        {"subscriptions": subscriptions, "dead": dead, "dead_shown": DEAD_SHOWN},
    )


_SECRET_KEY = "events.new_secret"


def _show_secret_once(
    request: AuthedRequest, issued: services.IssuedSecret, rotated: bool
) -> HttpResponse:
    """Post-redirect-get: the secret waits in the session for one showing, so refreshing the
    page neither creates a second subscription nor rotates again."""
    request.session[_SECRET_KEY] = {
        "subscription": issued.subscription.pk,
        "secret": issued.secret,
        "rotated": rotated,
    }
    return redirect("events:subscription_secret", subscription_id=issued.subscription.pk)


@never_cache  # the page that shows the secret must not be kept by a browser or proxy
@login_required
def subscription_secret(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(
        actor=request.user, subscription_id=subscription_id
    )
    waiting = request.session.get(_SECRET_KEY)
    issued = None
    if waiting and waiting.get("subscription") == subscription.pk:
        issued = request.session.pop(_SECRET_KEY)
    audit_consultation(
        actor=request.user,
        obj=subscription,
        verb="webhook.secret_view",
        new={"shown": issued is not None},
    )
    return render(
        request,
        "events/secret.html",
        {
            "subscription": subscription,
            "secret": issued["secret"] if issued else "",
            "rotated": bool(issued and issued["rotated"]),
        },
    )


@never_cache  # the page that shows the secret must not be kept by a browser or proxy
@login_required
@require_http_methods(["GET", "POST"])
def subscription_new(request: AuthedRequest) -> HttpResponse:
    orgs = selectors.organisations_for_webhooks(actor=request.user)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        organisations=orgs,
        initial={"organisation": orgs[0].pk if len(orgs) == 1 else ""},
    )
    if request.method == "GET":
        audit_consultation(
            actor=request.user, verb="webhook.new", object_type="events.Subscription", new={}
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = selectors.organisation_for_webhooks(
            actor=request.user, organisation_id=data["organisation"]
        )
        try:
            issued = services.subscription_create(
                actor=request.user,
                organisation=org,
                name=data["name"],
                url=data["url"],
                event_types=data["event_types"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _show_secret_once(request, issued, rotated=False)
    elif request.method == "POST":
        # No organisation chosen: still say everything else that is wrong, all at once.
        errors = Errors()
        services.problems(
            errors,
            None,
            request.POST.get("name", ""),
            request.POST.get("url", ""),
            request.POST.getlist("event_types"),
        )
        for name, found in errors.items():
            if name not in form.errors:  # (add_error needs cleaned_data, gone once invalid)
                form.errors[name] = form.error_class(found)
    return render(request, "events/subscription_form.html", {"form": form})


@login_required
def subscription_detail(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(
        actor=request.user, subscription_id=subscription_id
    )
    page = Paginator(selectors.deliveries_of(subscription), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_consultation(
        actor=request.user, obj=subscription, verb="webhook.view", new={"page": page.number}
    )
    return render(request, "events/subscription.html", {"subscription": subscription, "page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subscription_rotate(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(
        actor=request.user, subscription_id=subscription_id
    )
    if subscription.status == services.S.REVOKED:
        # Not offered on the subscription's page; an old link or tab lands back there.
        messages.info(
            request, "This subscription has been revoked, so its secret cannot be rotated"
        )
        return redirect("events:subscription", subscription_id=subscription.pk)
    error = ""
    if request.method == "POST":
        try:
            issued = services.subscription_rotate(actor=request.user, subscription=subscription)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            return _show_secret_once(request, issued, rotated=True)
    else:
        audit_consultation(actor=request.user, obj=subscription, verb="webhook.rotate_view")
    return render(request, "events/rotate.html", {"subscription": subscription, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def subscription_status(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(
        actor=request.user, subscription_id=subscription_id
    )
    actions = [(a, _ACTIONS[a]) for a in services.ACTIONS_FROM[subscription.status]]
    form = StatusForm(request.POST or None, actions=actions)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            services.subscription_set_status(
                actor=request.user,
                subscription=subscription,
                action=action,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = {"pause": "paused", "resume": "resumed", "revoke": "revoked"}[action]
            messages.success(request, f"Subscription {subscription.name} has been {done}")
            return redirect("events:subscription", subscription_id=subscription.pk)
    if request.method == "GET":
        audit_consultation(actor=request.user, obj=subscription, verb="webhook.status_view")
    return render(request, "events/status.html", {"subscription": subscription, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def event_redeliver(request: AuthedRequest, subscription_id: int, event_id: int) -> HttpResponse:
    subscription = selectors.subscription_get_for(
        actor=request.user, subscription_id=subscription_id
    )
    event = selectors.dead_letter_get_for(
        actor=request.user, subscription=subscription, event_id=event_id
    )
    error = ""
    if request.method == "POST":
        # The command locks the row and checks it is still dead-lettered, so two
        # administrators pressing at once re-queue it once: the same event id and body.
        try:
            services.event_redeliver(actor=request.user, subscription=subscription, event=event)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            messages.success(
                request, f"Event {event.event_id} will be sent again to {subscription.name}"
            )
            return redirect("events:subscriptions")
    else:
        audit_consultation(
            actor=request.user,
            obj=subscription,
            verb="webhook.redeliver_view",
            new={"event_id": str(event.event_id)},
        )
    return render(
        request,
        "events/redeliver.html",
        {"subscription": subscription, "event": event, "error": error},
    )
