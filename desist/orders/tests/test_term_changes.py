"""Terms varied, ended and corrected, and mistaken order dates corrected (issue 19): versioned,
audited with a reason, kept as history on the order page, and checked again against the Act."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from desist.audit.models import AuditEvent
from desist.core.concurrency import StaleRecordError
from desist.orders import actions, law
from desist.orders.models import Notification, OrderDateCorrection, Term, TermChange
from desist.orders.tests.helpers import VICTIM_NAME, add_term, ago, fresh, full, interim

NEW_WORDING = "Must not contact the protected person, nor go within 100 metres of her."
FOR_PROVIDER = "Must not contact the protected person or go within 100 metres of her."


def _vary(actor: Any, term: Term, **kw: Any) -> TermChange:
    values: dict[str, Any] = {
        "wording": NEW_WORDING,
        "provider_description": FOR_PROVIDER,
        "decided_on": ago(1),
        **kw,
    }
    return actions.order_vary_term(
        actor=actor, term=term, version=Term.objects.get(pk=term.pk).version, **values
    )


def _messages(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_variation_keeps_the_old_wording_and_needs_the_courts_date(
    officer: Any, subject: Any, victim: Any
) -> None:
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    old = term.wording
    errors = _messages(lambda: _vary(officer, term, decided_on=None))
    assert errors["decided_on"] == ["Enter the date of the court's decision"]
    errors = _messages(lambda: _vary(officer, term, decided_on=ago(61)))
    assert errors["decided_on"][0].startswith("The date of the court's decision must be the same")
    errors = _messages(
        lambda: _vary(officer, term, wording=old, provider_description=term.provider_description)
    )
    assert errors["__all__"] == ["Change the wording, the description for the provider or the area"]
    assert Term.objects.get(pk=term.pk).version == 1
    change = _vary(officer, term, reason="Varied on the police's application")
    saved = Term.objects.get(pk=term.pk)
    assert (saved.wording, saved.provider_description, saved.version) == (
        NEW_WORDING,
        FOR_PROVIDER,
        2,
    )
    assert (change.kind, change.old_wording, change.new_wording) == ("varied", old, NEW_WORDING)
    assert change.decided_on == ago(1) and change.changed_by == officer
    event = AuditEvent.objects.get(verb="order.term_vary")
    assert event.new_values["change_id"] == change.pk and event.new_values["wording_changed"]
    assert VICTIM_NAME[1] not in str(event.new_values) + str(event.old_values)
    # Someone else's form, read before the change, is refused rather than overwriting it.
    with pytest.raises(StaleRecordError):
        actions.order_vary_term(
            actor=officer,
            term=term,
            version=1,
            wording="Other",
            provider_description="Other wording for the provider.",
            decided_on=ago(1),
        )


def test_a_term_ended_by_the_court(officer: Any, subject: Any, victim: Any) -> None:
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    errors = _messages(
        lambda: actions.order_end_term(
            actor=officer, term=term, version=term.version, decided_on=ago(2), reason=" "
        )
    )
    assert errors["reason"] == ["Enter what the court decided"]
    actions.order_end_term(
        actor=officer, term=term, version=term.version, decided_on=ago(2), reason="Discharged term"
    )
    saved = Term.objects.get(pk=term.pk)
    assert saved.ended_on == ago(2)
    errors = _messages(lambda: _vary(officer, saved))
    assert errors["__all__"][0].startswith("This term ended on")
    assert AuditEvent.objects.filter(verb="order.term_end").count() == 1


def test_only_a_supervisor_corrects_a_term_and_gives_a_reason(
    officer: Any, supervisor: Any, subject: Any, victim: Any
) -> None:
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    values = {"wording": NEW_WORDING, "provider_description": FOR_PROVIDER}
    with pytest.raises(PermissionDenied):
        actions.order_correct_term(
            actor=officer, term=term, version=term.version, reason="Typo", **values
        )
    errors = _messages(
        lambda: actions.order_correct_term(
            actor=supervisor, term=term, version=term.version, reason="", **values
        )
    )
    assert errors["reason"] == ["Enter the reason for the correction"]
    change = actions.order_correct_term(
        actor=supervisor,
        term=term,
        version=term.version,
        reason="Keyed from the wrong order",
        **values,
    )
    assert change.kind == "corrected" and change.decided_on is None
    assert AuditEvent.objects.get(verb="order.term_correct").actor_id == supervisor.pk


def test_the_provider_description_is_guarded_again_on_every_change(
    officer: Any, supervisor: Any, subject: Any, victim: Any
) -> None:
    """An amended term may name the victim's street in the court's wording (police only); a
    description for the provider that does is refused, whether varied or corrected."""
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    street = "Not to enter 17 Wisteria Crescent, Hove"
    for call in (
        lambda: _vary(officer, term, wording=street, provider_description=street),
        lambda: actions.order_correct_term(
            actor=supervisor,
            term=term,
            version=term.version,
            wording=street,
            provider_description=street,
            reason="Wrong street",
        ),
    ):
        assert list(_messages(call)) == ["provider_description"]
    assert not TermChange.objects.exclude(kind="added").exists()
    _vary(
        officer,
        term,
        wording=street,
        provider_description="Must not enter a street named by the court.",
    )
    assert "Wisteria" in Term.objects.get(pk=term.pk).wording


def test_the_order_page_shows_the_history(
    client: Any, officer: Any, supervisor: Any, subject: Any, victim: Any
) -> None:
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    _vary(officer, term, reason="On the police's application")
    client.force_login(officer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "History of this term" in page and "Varied by the court" in page
    assert (
        NEW_WORDING in page and "Old wording" in page and "On the police&#x27;s application" in page
    )
    # Officers are offered a variation, never a correction (of a term or a date).
    assert reverse("orders:term_vary", args=[order.pk, term.pk]) in page
    assert reverse("orders:term_correct", args=[order.pk, term.pk]) not in page
    assert reverse("orders:dates_correct", args=[order.pk]) not in page
    assert client.get(reverse("orders:term_correct", args=[order.pk, term.pk])).status_code == 403
    assert client.get(reverse("orders:dates_correct", args=[order.pk])).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:dates_correct", args=[order.pk]) in page
    assert client.get(reverse("orders:dates_correct", args=[order.pk])).status_code == 200


# --- mistaken dates -----------------------------------------------------------------------------


def test_a_supervisor_corrects_a_service_date_and_the_notification_follows(
    officer: Any, supervisor: Any, subject: Any
) -> None:
    order = interim(officer, subject, made=ago(20), expires=ago(-30), served=ago(10))
    with pytest.raises(PermissionDenied):
        actions.order_correct_dates(
            actor=officer,
            order=order,
            version=order.version,
            dates={"interim_served_on": ago(12)},
            reason="x",
        )
    order = fresh(order)
    errors = _messages(
        lambda: actions.order_correct_dates(
            actor=supervisor,
            order=order,
            version=order.version,
            dates={"interim_served_on": ago(12)},
            reason="",
        )
    )
    assert errors["reason"] == ["Enter the reason for the correction"]
    errors = _messages(
        lambda: actions.order_correct_dates(
            actor=supervisor,
            order=order,
            version=order.version,
            dates={"interim_served_on": ago(21)},
            reason="x",
        )
    )
    assert errors["interim_served_on"][0].startswith(
        "The interim order cannot be served before it was made"
    )
    errors = _messages(
        lambda: actions.order_correct_dates(
            actor=supervisor,
            order=order,
            version=order.version,
            dates={"full_made_on": ago(5)},
            reason="x",
        )
    )
    assert errors["full_made_on"] == ["Only a date already recorded can be corrected"]
    before = order.version
    actions.order_correct_dates(
        actor=supervisor,
        order=order,
        version=before,
        dates={"interim_served_on": ago(12)},
        reason="The court record shows service two days earlier",
    )
    saved = fresh(order)
    assert saved.interim_served_on == ago(12) and saved.version == before + 1
    notification = Notification.objects.get(order=order, kind=Notification.Kind.INITIAL)
    assert notification.trigger_on == ago(12)
    assert notification.due_on == law.initial_notification_due(ago(12))
    row = OrderDateCorrection.objects.get(order=order)
    assert (row.field, row.old_value, row.new_value) == ("interim_served_on", ago(10), ago(12))
    event = AuditEvent.objects.get(verb="order.dates_correct")
    assert event.old_values["interim_served_on"] == ago(10).isoformat()
    assert event.new_values["notification_ids"] == [notification.pk]


def test_corrected_dates_are_checked_against_the_act(
    supervisor: Any, officer: Any, subject: Any
) -> None:
    order = full(officer, subject, made=ago(60))
    made = order.full_made_on
    assert made is not None
    too_short = law.minimum_fixed_period_end(made) - law.dt.timedelta(days=1)
    errors = _messages(
        lambda: actions.order_correct_dates(
            actor=supervisor,
            order=order,
            version=order.version,
            dates={"full_ends_on": too_short},
            reason="x",
        )
    )
    assert errors["full_ends_on"][0].startswith("A full order must last at least 2 years")
    # Moving the day it was made moves the minimum with it (s.3), so the same end is refused.
    ends = order.full_ends_on
    assert ends is not None
    later_made = made + law.dt.timedelta(days=1)
    if not law.fixed_period_long_enough(later_made, ends):
        errors = _messages(
            lambda: actions.order_correct_dates(
                actor=supervisor,
                order=order,
                version=order.version,
                dates={"full_made_on": later_made},
                reason="x",
            )
        )
        assert "full_ends_on" in errors
    assert not OrderDateCorrection.objects.exists()


def test_changes_are_in_the_subjects_access_bundle(
    officer: Any, supervisor: Any, subject: Any, victim: Any
) -> None:
    from desist.orders.sar import subject_orders

    order = full(officer, subject, made=ago(60), served=ago(58))
    term = add_term(officer, order, victim)
    _vary(officer, term)
    actions.order_correct_dates(
        actor=supervisor,
        order=order,
        version=fresh(order).version,
        dates={"full_served_on": ago(59)},
        reason="Served the day before",
    )
    titles = [r.title for r in subject_orders(subject, order.force)]
    assert titles.count("Change to a term") == 2  # added, then varied
    assert titles.count("Corrected date") == 1


def test_each_change_form_is_a_recorded_consultation(
    client: Any, officer: Any, supervisor: Any, subject: Any, victim: Any
) -> None:
    """Each form is headed with the order and its subject, so opening one is a consultation
    (s.62), as the order page is: an order.view_for_form event naming the form."""
    order = full(officer, subject, made=ago(60))
    term = add_term(officer, order, victim)
    pages = [
        (officer, "orders:term_vary", [order.pk, term.pk]),
        (officer, "orders:term_end", [order.pk, term.pk]),
        (supervisor, "orders:term_correct", [order.pk, term.pk]),
        (supervisor, "orders:dates_correct", [order.pk]),
    ]
    for user, name, args in pages:
        client.force_login(user)
        before = AuditEvent.objects.filter(verb="order.view_for_form", actor_id=user.pk).count()
        assert client.get(reverse(name, args=args)).status_code == 200, name
        after = AuditEvent.objects.filter(verb="order.view_for_form", actor_id=user.pk)
        assert after.count() == before + 1, name
        assert after.order_by("-pk")[0].object_id == str(order.pk), name
