"""Password reset by e-mail through a real SMTP server (aiosmtpd): the link works once, the
request is audited and rate-limited, and nothing tells a known address from an unknown one."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from desist.accounts import recovery
from desist.accounts.models import User
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-long-passphrase-2026"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    cache.clear()
    yield handler
    controller.stop()


@pytest.fixture
def officer(make_user: Any) -> User:
    user = make_user(RoleCode.POLICE_OFFICER)
    user.email = "officer@force.example"
    user.save()
    return user


def _ask(client: Any, email: str) -> Any:
    # The test client closes the response as a WSGI server does once it is written, and
    # SendAfterResponse sends the e-mail then.
    return client.post("/accounts/password-reset/", {"email": email})


def _shape(queries: list[dict[str, Any]]) -> list[str]:
    # The statements, without their parameters (the address differs, the work must not).
    return [re.sub(r"'[^']*'|\b\d+\b|\"s\w+\"", "?", q["sql"]) for q in queries]


def test_the_link_resets_the_password_once_and_ends_sessions(
    client: Any, inbox: Inbox, officer: User
) -> None:
    elsewhere = Client()
    elsewhere.force_login(officer)
    response = _ask(client, "OFFICER@force.example")

    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == officer.email
    body = inbox.messages[0].get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+)", body)
    assert link
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/password-reset/done/"
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(verb="auth.password_reset_complete").count() == 1
    assert elsewhere.get("/")["Location"].startswith("/accounts/login/")
    # Used once: the same link now says it does not work.
    again = client.get(link.group(1), follow=True)
    assert "This link does not work" in again.content.decode()


def test_a_reset_that_cannot_end_the_old_sessions_leaves_the_password_alone(
    client: Any, officer: User, monkeypatch: Any
) -> None:
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    def fails(*, user: User) -> None:
        raise RuntimeError("the session store is down")

    monkeypatch.setattr(recovery, "password_reset_complete", fails)
    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    link = reverse(
        "accounts:password_reset_confirm", args=[uid, recovery.reset_tokens.make_token(officer)]
    )
    form_page = client.get(link, follow=True)
    client.raise_request_exception = False
    answer = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 500
    officer.refresh_from_db()
    assert not officer.check_password(NEW_PASSWORD)


def test_known_and_unknown_addresses_get_the_same_answer_from_the_same_work(
    client: Any, inbox: Inbox, officer: User
) -> None:
    _ask(client, "someone-else@force.example")  # the client address's counter now exists
    with CaptureQueriesContext(connection) as known_queries:
        known = _ask(client, officer.email)
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = _ask(client, "nobody@force.example")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content
    assert _shape(known_queries.captured_queries) == _shape(unknown_queries.captured_queries)
    page = client.get(known["Location"]).content.decode()
    assert "If the address you entered belongs to a Desist account" in page
    # Only the known address got mail, after the response (the send is in close()).
    assert [m["To"] for m in inbox.messages] == [officer.email]
    assert AuditEvent.objects.filter(verb="auth.password_reset_request").count() == 3


def test_requests_are_rate_limited_per_address_without_saying_so(
    client: Any, inbox: Inbox, officer: User
) -> None:
    answers = {_ask(client, officer.email)["Location"] for _ in range(recovery.PER_EMAIL + 2)}

    assert answers == {"/accounts/password-reset/sent/"}
    assert len(inbox.messages) == recovery.PER_EMAIL
    assert AuditEvent.objects.filter(verb="auth.password_reset_limited").count() == 2


def test_a_disabled_or_sso_only_account_gets_no_link(
    client: Any, inbox: Inbox, officer: User
) -> None:
    # Sent to a live account, so the server is listening: the silences below are refusals.
    _ask(client, officer.email)
    assert len(inbox.messages) == 1
    cache.clear()
    officer.is_active = False
    officer.save()
    _ask(client, officer.email)
    assert len(inbox.messages) == 1
    # Signs in only through their organisation's provider (created just in time): no
    # local password to reset, and none is offered.
    sso_only = User.objects.create(
        username="sso.only", email="sso.only@force.example", organisation=officer.organisation
    )
    sso_only.set_unusable_password()
    sso_only.save()
    _ask(client, sso_only.email)
    assert len(inbox.messages) == 1


def test_the_form_says_what_is_wrong_in_govuk_style(client: Any, inbox: Inbox) -> None:
    page = client.post("/accounts/password-reset/", {"email": "not an address"}).content.decode()
    assert "There is a problem" in page
    assert "Enter an email address in the correct format, like name@example.com" in page
