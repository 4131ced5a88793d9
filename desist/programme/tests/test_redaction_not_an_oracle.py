"""Issue 11, finding 2: the guard must neither lose risk information nor confirm guesses.

A concern naming the victim's street is stored and sent in full to police and advocates, and
withheld on provider pages. Provider-only clinical notes are still refused, but repeated refused
attempts by one user in a day alert the clinical supervisor and the owning police.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import make_case, make_victim
from desist.programme import actions, selectors
from desist.programme.models import ClinicalNote, Referral, RiskDisclosure
from desist.programme.tests.conftest import book
from desist.sharing.events import EventKind
from desist.sharing.models import Alert
from desist.sharing.redaction import RedactionBlocked
from desist.sharing.shown import WITHHELD_TEXT

DISCLOSED = "He keeps going past Church Street and mentioned RH12 3RL"


@pytest.fixture
def victim(active: Referral) -> Any:
    return make_victim(
        make_case(active.subject), address="4 Church Street, Horsham", postcode="RH12 3RL"
    )


def test_a_concern_naming_the_victim_is_kept_sent_in_full_and_withheld_from_providers(
    active: Referral, practitioner: Any, victim: Any, client: Any, users: dict[RoleCode, Any]
) -> None:
    s = book(practitioner, active, 1)
    client.force_login(practitioner)
    response = client.post(
        reverse("programme:concern", args=[s.pk]),
        {"disclosed": DISCLOSED, "urgency": "urgent"},
        follow=True,
    )
    page = response.content.decode()
    assert escape(selectors.CONCERN_WITHHELD_NOTICE) in page
    record = RiskDisclosure.objects.get()
    assert record.disclosed == DISCLOSED
    audit = AuditEvent.objects.get(verb="redaction.withheld_from_provider")
    assert audit.new_values["kinds"] == ["address", "postcode"]
    assert "Church" not in str(audit.new_values)
    sent = Alert.objects.filter(kind=EventKind.RISK_DISCLOSURE)
    assert sent.exists() and all(DISCLOSED in a.body for a in sent)
    assert {a.recipient.organisation.kind for a in sent} <= {"police_force", "advocacy"}
    # The provider's pages show the withheld wording instead.
    for url in (
        reverse("programme:session", args=[s.pk]),
        reverse("programme:referral", args=[active.pk]),
    ):
        shown = client.get(url).content.decode()
        assert "Church Street" not in shown and "RH12" not in shown
        assert escape(WITHHELD_TEXT) in shown


def test_a_concern_without_victim_details_says_nothing_extra(
    active: Referral, practitioner: Any, victim: Any
) -> None:
    s = book(practitioner, active, 1)
    record = actions.risk_disclosure_record(
        actor=practitioner, session=s, disclosed="Says he still loves her", urgency="high"
    )
    assert not selectors.concern_withheld_from_provider(record=record)
    assert not AuditEvent.objects.filter(verb="redaction.withheld_from_provider").exists()


def test_repeated_refused_notes_alert_the_supervisor_and_police_once(
    active: Referral, practitioner: Any, clin: Any, victim: Any, settings: Any
) -> None:
    settings.DESIST_REDACTION_BLOCKS_BEFORE_ALERT = 3
    s = book(practitioner, active, 1)
    guesses = ["He mentioned RH12 3RL", "Near Church Street", "rh12-3rl", "4 church st"]
    for n, guess in enumerate(guesses, start=1):
        with pytest.raises(RedactionBlocked):
            actions.clinical_note_save(actor=practitioner, session=s, text=guess, base_revision=0)
        alerts = Alert.objects.filter(kind=EventKind.REDACTION_ATTEMPTS)
        if n < 3:
            assert not alerts.exists()
    assert not ClinicalNote.objects.filter(session=s).exists()
    recipients = {(a.recipient.pk, a.recipient.organisation.kind) for a in alerts}
    assert (clin.pk, "provider") in recipients
    assert any(kind == "police_force" for _, kind in recipients)
    assert all("RH12" not in a.body and "Church" not in a.body for a in alerts)
    # Once a day: the fourth attempt adds no alert; the alert is audited without values.
    assert alerts.count() == len(recipients)
    event = AuditEvent.objects.get(verb="redaction.repeated_attempts")
    assert event.actor_id == practitioner.pk and event.new_values["attempts_today"] == 3
    # Unrelated text still saves, and the guessed value that is not the victim's is not flagged
    # differently from ordinary text: the guard itself stays, the oracle is watched.
    actions.clinical_note_save(actor=practitioner, session=s, text="Good session", base_revision=0)
