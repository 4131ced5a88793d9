"""One rule for what an order offers: for every action, every status (and the states that
matter within one: served or not, fixed term or until a further order, exempt from
notification, past its end date) and both police roles, the order page shows the action's
button exactly when its command accepts the order.

"Accepts" is read from the command itself, with empty input inside a rolled-back transaction:
a command that accepts the order answers with field errors only; one that does not answers with
its whole-form message or the transition table's refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.urls import reverse

from desist.orders import actions as services
from desist.orders import law
from desist.orders.models import Hearing, Order, OrderEvent
from desist.orders.tests.helpers import ago, ahead, applied, fresh, full, interim

Probe = Callable[[Any, Order], object]


def _event(kind: str) -> Probe:
    return lambda actor, o: services.order_record_event(
        actor=actor,
        order=o,
        version=o.version,
        kind=kind,
        applicant="",
        court="",
        decided_on=None,
        outcome="",
    )


# url name (and args) of each button -> the command it leads to, called with empty input.
PROBES: dict[tuple[str, ...], Probe] = {
    ("hearing_add",): lambda actor, o: services.order_record_hearing(
        actor=actor,
        order=o,
        version=o.version,
        heard_on=None,
        kind="",
        outcome=Hearing.Outcome.ADJOURNED,
    ),
    ("make_interim",): lambda actor, o: services.order_make_interim(
        actor=actor, order=o, version=o.version, made_on=None, expires_on=None
    ),
    ("make_full",): lambda actor, o: services.order_make_full(
        actor=actor, order=o, version=o.version, made_on=None, ends_on=None
    ),
    ("refuse",): lambda actor, o: services.order_refuse(
        actor=actor, order=o, version=o.version, refused_on=None, reason=""
    ),
    ("serve",): lambda actor, o: services.order_serve(
        actor=actor, order=o, version=o.version, served_on=None
    ),
    ("notification_change",): lambda actor, o: services.notification_record_change(
        actor=actor, order=o, kind="", changed_on=None, received_on=None
    ),
    ("term_add",): lambda actor, o: services.order_add_term(
        actor=actor,
        order=o,
        kind="",
        category="",
        wording="",
        provider_description="",
        protected_persons=[],
    ),
    ("breach_add",): lambda actor, o: services.order_record_breach(
        actor=actor, order=o, term=None, occurred_on=None, detection="", police_action=""
    ),
    **{("event_add", k): _event(k) for k in OrderEvent.Kind.values},
    ("expire",): lambda actor, o: services.order_expire(actor=actor, order=o, version=o.version),
    ("withdraw",): lambda actor, o: services.order_withdraw(
        actor=actor, order=o, version=o.version, withdrawn_on=None, reason=""
    ),
}


class _Accepted(Exception):
    """Raised to roll back a command that went through."""


def accepts(actor: Any, order: Order, probe: Probe) -> bool:
    try:
        with transaction.atomic():
            probe(actor, fresh(order))
            raise _Accepted
    except _Accepted:
        return True
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: []}
        return not ({NON_FIELD_ERRORS, "status"} & fields.keys())


def _states(officer: Any, supervisor: Any, subject: Any) -> dict[str, Order]:
    def refused() -> Order:
        o = interim(officer, subject, made=ago(60), expires=ahead(30), served=ago(59))
        services.order_refuse(
            actor=officer, order=fresh(o), version=fresh(o).version, refused_on=ago(5), reason="x"
        )
        return o

    def withdrawn() -> Order:
        o = applied(officer, subject)
        services.order_withdraw(
            actor=supervisor, order=o, version=o.version, withdrawn_on=ago(5), reason="x"
        )
        return o

    def discharged() -> Order:
        o = full(officer, subject, made=ago(100), served=ago(99))
        services.order_record_discharge(
            actor=officer,
            order=fresh(o),
            version=fresh(o).version,
            applicant=OrderEvent.Applicant.SUBJECT,
            court="Lewes Crown Court",
            decided_on=ago(3),
            outcome=OrderEvent.Outcome.GRANTED,
            details="No longer necessary",
            defendant_consents=True,  # within 2 years of being made (s.7)
            chief_officer_consents=True,
        )
        return o

    def expired() -> Order:
        o = interim(officer, subject, made=ago(50), expires=ago(2), served=ago(49))
        services.order_expire(actor=officer, order=fresh(o), version=fresh(o).version)
        return o

    ended_full = law.minimum_fixed_period_end(ago(900))
    return {
        "applied": applied(officer, subject),
        "interim, not served": interim(officer, subject, made=ago(50), expires=ahead(30)),
        "interim, served": interim(
            officer, subject, made=ago(50), expires=ahead(30), served=ago(49)
        ),
        "interim, past its end": interim(
            officer, subject, made=ago(50), expires=ago(2), served=ago(49)
        ),
        "full, not served": full(officer, subject, made=ago(100)),
        "full, served": full(officer, subject, made=ago(100), served=ago(99)),
        "full, past its end": full(
            officer, subject, made=ago(900), ends=ended_full, served=ago(899)
        ),
        "full, until a further order": full(
            officer, subject, made=ago(100), until_further_order=True, served=ago(99)
        ),
        "full, sex-offender exempt": full(
            officer, subject, made=ago(100), served=ago(99), sex_offender_notification=True
        ),
        "full, replacing an interim order": full(
            officer, subject, made=ago(100), with_interim=True, served=ago(99)
        ),
        "refused": refused(),
        "withdrawn": withdrawn(),
        "discharged": discharged(),
        "expired": expired(),
    }


@pytest.mark.django_db
def test_a_button_is_shown_exactly_when_its_command_accepts_the_order(
    client: Any, officer: Any, supervisor: Any, subject: Any
) -> None:
    states = _states(officer, supervisor, subject)
    seen: dict[tuple[str, ...], set[bool]] = {key: set() for key in PROBES}
    mismatches = []
    for actor in (officer, supervisor):
        client.force_login(actor)
        for state, order in states.items():
            response = client.get(reverse("orders:detail", args=[order.pk]))
            assert response.status_code == 200
            shown = {url for _, url in response.context["actions"]}
            for key, probe in PROBES.items():
                url = reverse(f"orders:{key[0]}", args=[order.pk, *key[1:]])
                button, command = url in shown, accepts(actor, order, probe)
                seen[key].add(button)
                if button != command:
                    mismatches.append((actor.username, state, key, button, command))
            # No button leads anywhere the probes do not cover.
            covered = {reverse(f"orders:{k[0]}", args=[order.pk, *k[1:]]) for k in PROBES}
            assert shown <= covered, shown - covered
    assert not mismatches, mismatches
    # Each action is offered somewhere and withheld somewhere: the states cover the rule.
    assert all(v == {True, False} for v in seen.values()), seen
