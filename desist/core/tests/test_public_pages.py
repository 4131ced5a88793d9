"""The privacy notice and the accessibility statement (issue 18): public, plain, linked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_privacy_notice_is_public_and_names_the_controllers(client: Any, orgs: Any) -> None:
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    text = _text(response)
    for heading in (
        "Who is responsible for your information",
        "What we use your information for",
        "Our lawful basis",
        "Who we share it with",
        "How long we keep it",
        "Your rights",
        "How to complain",
    ):
        assert heading in text, heading
    # The controllers are the partnership's organisations as recorded, not fixed names.
    assert orgs["advocacy"].name in text
    assert orgs["police_force"].name in text
    assert orgs["provider"].name in text
    assert "retention schedule" in text
    assert "Information Commissioner's Office" in text and "0303 123 1113" in text
    assert 'href="https://ico.org.uk/make-a-complaint/"' in response.content.decode()


def test_a_retired_organisation_is_not_named_as_a_controller(client: Any, orgs: Any) -> None:
    from django.utils import timezone

    force = orgs["other_police_force"]
    type(force).objects.filter(pk=force.pk).update(retired_at=timezone.now())
    text = _text(client.get(reverse("privacy")))
    assert orgs["police_force"].name in text
    assert force.name not in text


def test_the_self_referral_form_and_the_footer_link_to_the_privacy_notice(client: Any) -> None:
    href = f'href="{reverse("privacy")}"'
    form = client.get(reverse("safeguarding:self_refer")).content.decode()
    assert form.count(href) == 2  # in the form's privacy section, and in the footer
    footer = client.get(reverse("accounts:login")).content.decode().split("<footer", 1)[1]
    assert href in footer


def test_the_accessibility_statement_follows_the_govuk_model(client: Any, settings: Any) -> None:
    settings.DESIST_ACCESSIBILITY_EMAIL = "access@partnership.example"
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    text = _text(response)
    for part in (
        "Accessibility statement for Desist",
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Equality and Human Rights Commission (EHRC)",
        "Equality Commission for Northern Ireland (ECNI)",
        "Technical information about this service's accessibility",
        "Compliance status",
        "partially compliant with the Web Content Accessibility Guidelines version 2.2",
        "Non-accessible content",
        "Non-compliance with the accessibility regulations",
        "Disproportionate burden",
        "Preparation of this accessibility statement",
        "This statement was prepared on",
    ):
        assert part in text, part
    assert 'href="mailto:access@partnership.example"' in response.content.decode()


def test_the_accessibility_statement_names_the_address_it_was_reached_at(
    client: Any, settings: Any
) -> None:
    """Not the guessed default (127.0.0.1:8000) of an unset DESIST_BASE_URL; the configured
    address when one was given (tester finding). Seen red: the statement named 127.0.0.1:8000."""
    settings.ALLOWED_HOSTS = ["desist-demo.example"]
    settings.DESIST_BASE_URL = "http://127.0.0.1:8000"
    settings.DESIST_BASE_URL_SET = False
    text = _text(client.get(reverse("accessibility"), HTTP_HOST="desist-demo.example:8443"))
    assert "at http://desist-demo.example:8443/" in text
    assert "127.0.0.1" not in text
    settings.DESIST_BASE_URL = "https://desist.example.org"
    settings.DESIST_BASE_URL_SET = True
    text = _text(client.get(reverse("accessibility"), HTTP_HOST="desist-demo.example:8443"))
    assert "at https://desist.example.org" in text and "desist-demo" not in text


def test_every_page_footer_links_the_accessibility_statement(client: Any, users: Any) -> None:
    href = f'href="{reverse("accessibility")}"'
    for page in (reverse("accounts:login"), reverse("safeguarding:self_refer")):
        assert href in client.get(page).content.decode().split("<footer", 1)[1], page
    client.force_login(next(iter(users.values())))
    assert href in client.get(reverse("core:home")).content.decode().split("<footer", 1)[1]
