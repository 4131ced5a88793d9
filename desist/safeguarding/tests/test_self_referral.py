"""The public self-referral form: creates a referral, reveals nothing, resists spam."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode
from desist.safeguarding import queues, views
from desist.safeguarding.models import AdvocacyCase, SelfReferralDiscards, Victim

URL = "/safeguarding/refer/"


def _started(seconds_ago: float = 60) -> str:
    return signing.dumps(str(timezone.now().timestamp() - seconds_ago), salt=views._SIGNER_SALT)


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_names": "Juniper",
        "last_name": "Ashcombe-Vale",
        "phone": "07700 900 555",
        "email": "",
        "safe_channels": ["text"],
        "safe_times": "After 6pm",
        "notes": "A former colleague keeps turning up at my home.",
        "website": "",
        "started": _started(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def service(orgs: dict[str, Any]) -> Any:
    return orgs["advocacy"]


def test_url_and_page(client: Any, service: Any) -> None:
    assert reverse("safeguarding:self_refer") == URL
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-module="govuk-exit-this-page"' in html
    assert "Exit this page" in html
    assert "<script>" not in html  # no inline script (CSP)
    assert 'name="website"' in html and 'name="started"' in html


def test_self_referral_creates_a_referral_owned_by_the_service(client: Any, service: Any) -> None:
    response = client.post(URL, _form())
    assert response.status_code == 302
    assert response["Location"].startswith(URL + "?sent=")
    case = AdvocacyCase.objects.get()
    assert case.origin == "self" and case.service == service and case.status == "open"
    assert case.advocate is None and case.referral_notes.startswith("A former colleague")
    victim = case.victim
    assert victim.force_id is None and victim.owner == service
    assert victim.phone == "07700900555" and victim.safe_channels == ["text"]
    event = AuditEvent.objects.get(verb="advocacy.self_referral")
    assert event.actor_username == "self-referral"
    assert "Juniper" not in str(event.new_values)
    confirmation = client.get(response["Location"]).content.decode()
    assert "Your request has been sent" in confirmation


def test_validation_messages(client: Any, service: Any) -> None:
    html = client.post(URL, _form(first_names="", phone="", email="")).content.decode()
    assert "Enter your first name" in html
    assert "Enter a telephone number or an email address so we can contact you" in html
    assert not Victim.objects.exists()


def test_reveals_nothing_about_existing_records(
    client: Any, service: Any, officer: Any, case: Any
) -> None:
    from desist.people.tests.factories import VICTIM_IDENTITY, make_victim

    make_victim(officer, case)
    existing = _form(
        first_names=VICTIM_IDENTITY["first_names"],
        last_name=VICTIM_IDENTITY["last_name"],
        phone=VICTIM_IDENTITY["phone"],
    )
    new = _form(first_names="Nobody", last_name="Known", phone="07700 900 999")
    a = client.post(URL, existing)
    b = client.post(URL, new)
    sent = re.compile(r"\?sent=.*$")  # a signed token, which may differ by the second
    assert (a.status_code, sent.sub("", a["Location"])) == (b.status_code, URL)
    page_a = client.get(a["Location"]).content.decode()
    page_b = client.get(b["Location"]).content.decode()
    token = re.compile(r'"X-CSRFToken": "[^"]+"')
    assert token.sub("", page_a) == token.sub("", page_b)
    # Never matched against the existing victim: always a new record, owned by the service.
    assert Victim.objects.count() == 3
    assert Victim.objects.filter(owner=service, force__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("started", "reason"),
    [
        (lambda: _started(seconds_ago=1), "too_fast"),  # browser autofill
        (lambda: _started(seconds_ago=25 * 3600), "expired"),  # form left open overnight
        (lambda: "tampered", "no_start"),
        (lambda: "", "no_start"),
    ],
)
def test_doubted_submissions_are_held_for_the_manager_never_dropped(
    client: Any, service: Any, manager: Any, started: Any, reason: str, settings: Any
) -> None:
    # Wide enough that a loaded machine's delay before the POST cannot make 1 s look slow.
    settings.DESIST_SELF_REFERRAL_MIN_SECONDS = 30
    response = client.post(URL, _form(started=started()), follow=True)
    assert "Your request has been sent" in response.content.decode()
    case = AdvocacyCase.objects.get()
    assert (case.status, case.check_reason) == ("check", reason)
    assert case.victim.first_names == "Juniper" and case.referral_notes
    event = AuditEvent.objects.get(verb="advocacy.self_referral")
    assert event.new_values["check_reason"] == reason
    # On the advocacy manager's home page, in "check before triage", not yet in triage.
    assert queues.check_before_triage(manager).count == 1
    assert queues.unallocated(manager).count == 0
    client.force_login(manager)
    home = client.get(reverse("core:home")).content.decode()
    assert "Self-referrals to check before triage" in home
    assert reverse("safeguarding:case_check", args=[case.pk]) in home


def test_honeypot_is_discarded_counted_and_told(
    client: Any, service: Any, users: dict[RoleCode, Any]
) -> None:
    for _ in range(2):
        response = client.post(URL, _form(website="http://spam.example"))
        assert response.status_code == 200
        assert "Your request was not sent" in response.content.decode()
    assert not AdvocacyCase.objects.exists() and not Victim.objects.exists()
    row = SelfReferralDiscards.objects.get()
    assert (row.day, row.honeypot) == (timezone.localdate(), 2)
    client.force_login(users[RoleCode.OVERSEER])
    html = client.get(reverse("evaluation:oversight")).content.decode()
    assert "Self-referrals discarded by the spam trap" in html
    assert re.search(r'numeric">2</td>', html)


def test_confirmation_only_after_a_stored_request(client: Any, service: Any) -> None:
    for fake in ("1", "anything", signing.dumps("sent", salt="another.salt")):
        html = client.get(URL, {"sent": fake}).content.decode()
        assert "Your request has been sent" not in html and 'name="first_names"' in html
    response = client.post(URL, _form(), follow=True)
    assert "Your request has been sent" in response.content.decode()


def test_public_pages_tell_the_victim_what_they_need(client: Any, service: Any) -> None:
    pages = [
        client.get(URL),
        client.post(URL, _form(), follow=True),
        client.post(URL, _form(website="x")),
    ]
    for response in pages:
        html = response.content.decode()
        assert "call 999" in html and "press 55" in html
        assert "National Stalking Helpline" in html and "0808 802 0300" in html
        assert "Every page you view is recorded" not in html
        assert "working days" not in html
    form, sent = pages[0].content.decode(), pages[1].content.decode()
    assert "within 48 hours" in form and "within 48 hours" in sent
    assert "How we use what you tell us" in form and service.name in form
    assert "6 years" in form and "only our staff" in form


@override_settings(DESIST_SELF_REFERRAL_RATE=(2, 3600))
def test_invalid_submissions_do_not_use_up_the_limit(client: Any, service: Any) -> None:
    for _ in range(6):
        response = client.post(URL, _form(first_names=""))
        assert response.status_code == 200 and "Enter your first name" in response.content.decode()
    assert client.post(URL, _form()).status_code == 302
    assert client.post(URL, _form()).status_code == 302
    assert client.post(URL, _form()).status_code == 302
    statuses = list(AdvocacyCase.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["open", "open", "check"]


@override_settings(DESIST_SELF_REFERRAL_RATE=(5, 3600), DESIST_SELF_REFERRAL_HARD_LIMIT=7)
def test_seven_victims_sharing_one_address_are_all_stored(client: Any, service: Any) -> None:
    """A refuge, a library or a mobile network puts many victims behind one address: over the
    soft limit a request is stored and held for a check, and the page says so; only over the
    hard limit is one refused, with the truth and where to get help."""
    pages = []
    for i in range(7):
        sent = client.post(URL, _form(first_names=f"Victim{i}"))
        assert sent.status_code == 302, i
        pages.append(client.get(sent["Location"]).content.decode())
    cases = list(AdvocacyCase.objects.order_by("pk"))
    assert len(cases) == 7
    assert [c.status for c in cases] == ["open"] * 5 + ["check"] * 2
    assert [c.check_reason for c in cases[5:]] == ["many_requests"] * 2
    assert cases[5].get_check_reason_display() == "Many requests from one address in the last hour"
    assert "many requests from this connection" not in pages[4]
    assert "many requests from this connection" in pages[5]
    assert "will check your request before it goes to an advocate" in pages[6]
    audited = AuditEvent.objects.filter(verb="advocacy.self_referral").order_by("pk")
    assert [e.new_values.get("check_reason", "") for e in audited] == [""] * 5 + [
        "many_requests"
    ] * 2
    # The hard limit refuses, truthfully, with the emergency and helpline guidance.
    refused = client.post(URL, _form(first_names="Victim7"))
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "very large number of requests from this connection" in html
    assert "this one was not sent" in html
    assert "call 999" in html and "National Stalking Helpline" in html
    assert AdvocacyCase.objects.count() == 7
    # Another address is not affected.
    assert client.post(URL, _form(), REMOTE_ADDR="203.0.113.9").status_code == 302
    assert AdvocacyCase.objects.order_by("-pk").first().status == "open"


def test_no_service_configured_keeps_the_form(client: Any, db: Any) -> None:
    html = client.post(URL, _form()).content.decode()
    assert "This form is not available at the moment" in html
    assert not Victim.objects.exists()


@override_settings(DESIST_TRUSTED_PROXIES=("10.0.0.5",), DESIST_SELF_REFERRAL_RATE=(5, 3600))
def test_seven_victims_behind_one_proxy_are_all_accepted(client: Any, service: Any) -> None:
    for i in range(7):
        response = client.post(
            URL,
            _form(first_names=f"Victim{i}"),
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 10}",
        )
        assert response.status_code == 302, i
    assert AdvocacyCase.objects.count() == 7
    addresses = AuditEvent.objects.filter(verb="advocacy.self_referral").values_list(
        "client_address", flat=True
    )
    assert sorted(addresses) == sorted(f"198.51.100.{i + 10}" for i in range(7))


@override_settings(DESIST_TRUSTED_PROXIES=(), DESIST_SELF_REFERRAL_RATE=(5, 3600))
def test_forged_forwarded_for_is_ignored_without_a_trusted_proxy(client: Any, service: Any) -> None:
    statuses = [
        client.post(
            URL, _form(), REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 6
    # One address for all six: the sixth is held for a check, as from any one address.
    assert AdvocacyCase.objects.order_by("-pk").first().check_reason == "many_requests"
    addresses = set(
        AuditEvent.objects.filter(verb="advocacy.self_referral").values_list(
            "client_address", flat=True
        )
    )
    assert addresses == {"203.0.113.50"}
