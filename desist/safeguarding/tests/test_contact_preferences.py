"""Contact preferences and sharing wishes are enforced (issue 11, item 6).

- Logging contact through a way the victim has not marked safe needs a reason; the entry is
  marked on the case and the override audited (without the reason's text).
- A police referral to advocacy against the victim's recorded sharing wishes needs a lawful
  basis (not consent) and a reason, and is logged as a disclosure.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.safeguarding import services
from desist.safeguarding.models import AdvocacyCase, ContactLogEntry, ShareWith, Victim
from desist.sharing.models import Disclosure, LawfulBasis

pytestmark = pytest.mark.django_db

REASON = "She rang from a friend's phone and asked for the leaflet by post to her sister's."


def _prefer(victim: Victim, channels: list[str], never: str = "Never leave a voicemail") -> None:
    Victim.objects.filter(pk=victim.pk).update(safe_channels=channels)
    victim.refresh_from_db()
    victim.never_contact = never
    victim.save(update_fields=["never_contact"])


def _log(actor: Any, case: AdvocacyCase, **kw: Any) -> ContactLogEntry:
    values: dict[str, Any] = {
        "kind": "contact",
        "occurred_at": timezone.now(),
        "channel": "letter",
        "summary": "Sent the safety information pack.",
    }
    values.update(kw)
    case.refresh_from_db()
    return services.contact_log_add(actor=actor, case=case, **values)


# --- contact log ---------------------------------------------------------------------------


def test_unsafe_channel_without_a_reason_is_refused(allocated: Any, advocate: Any) -> None:
    _prefer(allocated.victim, ["phone", "text"])
    with pytest.raises(ValidationError) as exc:
        _log(advocate, allocated)
    message = exc.value.message_dict["override_reason"][0]
    assert message.startswith("Letter is not one of the ways the victim said it is safe")
    assert not ContactLogEntry.objects.exists()
    # Whitespace is not a reason.
    with pytest.raises(ValidationError):
        _log(advocate, allocated, override_reason="   ")
    assert not ContactLogEntry.objects.exists()


def test_unsafe_channel_with_a_reason_is_marked_and_audited(allocated: Any, advocate: Any) -> None:
    _prefer(allocated.victim, ["phone", "text"])
    entry = _log(advocate, allocated, override_reason=REASON)
    entry.refresh_from_db()
    assert entry.against_preferences is True
    assert entry.override_reason == REASON
    event = AuditEvent.objects.get(verb="advocacy.contact_preference_override")
    assert event.object_id == str(entry.pk)
    assert event.new_values["channel"] == "letter"
    assert event.new_values["safe_channels"] == ["phone", "text"]
    # The reason is free text: it stays encrypted on the entry, never in the audit row.
    assert "sister" not in str(event.new_values) + event.justification
    added = AuditEvent.objects.get(verb="advocacy.contact_add")
    assert added.new_values["against_preferences"] is True


def test_safe_channel_needs_no_reason_and_keeps_none(allocated: Any, advocate: Any) -> None:
    _prefer(allocated.victim, ["phone", "letter"])
    entry = _log(advocate, allocated, override_reason="not needed")
    assert entry.against_preferences is False and entry.override_reason == ""
    assert not AuditEvent.objects.filter(verb="advocacy.contact_preference_override").exists()


def test_no_recorded_preferences_means_no_override(allocated: Any, advocate: Any) -> None:
    entry = _log(advocate, allocated)
    assert entry.against_preferences is False


def test_perpetrator_contact_report_describes_his_channel(allocated: Any, advocate: Any) -> None:
    # "He sent a letter" is not the advocate choosing to write to the victim.
    _prefer(allocated.victim, ["phone"])
    entry = _log(advocate, allocated, kind="new_perpetrator_contact")
    assert entry.against_preferences is False


def test_contact_view_stops_then_marks_the_override(
    client: Any, allocated: Any, advocate: Any
) -> None:
    _prefer(allocated.victim, ["phone", "text"])
    client.force_login(advocate)
    url = reverse("safeguarding:contact_add", args=[allocated.pk])
    form = {
        "kind": "contact",
        "occurred_on": timezone.localdate().isoformat(),
        "occurred_time": "",
        "channel": "letter",
        "summary": "Posted the safety information pack.",
        "actions": "",
        "override_reason": "",
    }
    page = client.get(url).content.decode()
    assert "Never:</strong> Never leave a voicemail" in page
    stopped = client.post(url, form)
    html = stopped.content.decode()
    assert stopped.status_code == 200
    assert 'href="#id_override_reason"' in html  # the error summary links to the field
    assert "Letter is not one of the ways the victim said it is safe" in html
    assert not ContactLogEntry.objects.exists()
    ok = client.post(url, {**form, "override_reason": REASON})
    assert ok.status_code == 302
    case_page = client.get(reverse("safeguarding:case", args=[allocated.pk])).content.decode()
    assert "Against the victim's contact preferences" in case_page
    assert "asked for the leaflet by post" in case_page


# --- referral against the victim's sharing wishes ------------------------------------------


def _wishes(victim: Victim, share_with: list[str]) -> None:
    Victim.objects.filter(pk=victim.pk).update(
        share_with=share_with, wishes_recorded_on=timezone.localdate()
    )
    victim.refresh_from_db()


def test_referral_against_wishes_needs_basis_and_reason(
    officer: Any, victim: Any, advocacy_org: Any, partnership: Any
) -> None:
    _wishes(victim, [])  # "shared with no one"
    with pytest.raises(ValidationError) as exc:
        services.advocacy_refer(actor=officer, victim=victim, service=advocacy_org)
    assert set(exc.value.message_dict) == {"lawful_basis", "wishes_reason"}
    with pytest.raises(ValidationError) as exc:
        services.advocacy_refer(
            actor=officer,
            victim=victim,
            service=advocacy_org,
            lawful_basis=LawfulBasis.CONSENT,
            wishes_reason="Immediate risk",
        )
    assert exc.value.message_dict["lawful_basis"] == [
        "Consent cannot be the basis: the victim has not agreed to be referred"
    ]
    assert not AdvocacyCase.objects.exists() and not Disclosure.objects.exists()


def test_referral_against_wishes_is_logged_as_a_disclosure(
    officer: Any, victim: Any, advocacy_org: Any, partnership: Any
) -> None:
    _wishes(victim, [ShareWith.POLICE])
    case = services.advocacy_refer(
        actor=officer,
        victim=victim,
        service=advocacy_org,
        lawful_basis=LawfulBasis.GDPR_6_1_D,
        wishes_reason="Threat to life disclosed; she is too frightened to ask for help.",
    )
    case.refresh_from_db()
    assert case.against_wishes_basis == LawfulBasis.GDPR_6_1_D
    assert case.against_wishes_reason.startswith("Threat to life")
    d = Disclosure.objects.get()
    assert (d.from_organisation, d.to_organisation) == (officer.organisation, advocacy_org)
    assert d.lawful_basis == LawfulBasis.GDPR_6_1_D
    assert d.source_id == str(case.pk) and d.authorised_by == officer
    assert d.agreement == "Test pilot information-sharing agreement"
    assert "frightened" not in d.what + d.purpose  # the reason stays on the case, encrypted
    assert AuditEvent.objects.filter(verb="advocacy.refer_against_wishes").exists()
    assert "against the victim's recorded sharing wishes" in case.events.get().detail


def test_referral_the_victim_agreed_to_needs_nothing_more(
    officer: Any, victim: Any, advocacy_org: Any, partnership: Any
) -> None:
    _wishes(victim, [ShareWith.POLICE, ShareWith.ADVOCACY])
    case = services.advocacy_refer(actor=officer, victim=victim, service=advocacy_org)
    assert case.against_wishes_basis == "" and not Disclosure.objects.exists()


def test_refer_view_asks_for_basis_and_shows_it_on_the_case(
    client: Any, officer: Any, advocate: Any, victim: Any, advocacy_org: Any, partnership: Any
) -> None:
    _wishes(victim, [])
    client.force_login(officer)
    url = reverse("safeguarding:victim_refer", args=[victim.pk])
    assert "shared with no one" in client.get(url).content.decode()
    bad = client.post(url, {"service": str(advocacy_org.pk), "notes": ""}).content.decode()
    assert 'href="#id_lawful_basis"' in bad and 'href="#id_wishes_reason"' in bad
    ok = client.post(
        url,
        {
            "service": str(advocacy_org.pk),
            "notes": "",
            "lawful_basis": LawfulBasis.GDPR_6_1_E,
            "wishes_reason": "High risk; MARAC agreed referral.",
        },
    )
    assert ok.status_code == 302
    case = AdvocacyCase.objects.get(victim=victim)
    client.force_login(advocate)
    page = client.get(reverse("safeguarding:case", args=[case.pk])).content.decode()
    assert "Against recorded sharing wishes" in page and "MARAC agreed referral" in page
