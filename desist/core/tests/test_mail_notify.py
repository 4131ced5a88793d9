"""GOV.UK Notify as the e-mail backend, against a local server speaking Notify's API: the
request is signed with the key's secret (HS256, issuer = service id), fills the template's
((subject)) and ((body)), and a refusal raises without echoing the key."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from django.core.mail import EmailMessage, get_connection
from django.test import override_settings

from desist.core.mail_notify import NotifyDeliveryError

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"desist_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    refuse = False
    refuse_once: set[str] = set()  # addresses refused the first time only

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])  # raises if not signed by it
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        refused = FakeNotify.refuse or body["email_address"] in FakeNotify.refuse_once
        FakeNotify.refuse_once.discard(body["email_address"])
        if not refused:
            FakeNotify.received.append({"path": self.path, "iss": claims["iss"], **body})
        status, answer = (
            (400, {"errors": [{"error": "BadRequestError", "message": "Template not found"}]})
            if refused
            else (201, {"id": str(uuid.uuid4())})
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def notify() -> Iterator[str]:
    FakeNotify.received = []
    FakeNotify.refuse = False
    FakeNotify.refuse_once = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with override_settings(
        EMAIL_BACKEND="desist.core.mail_notify.NotifyEmailBackend",
        DESIST_NOTIFY_API_KEY=API_KEY,
        DESIST_NOTIFY_TEMPLATE_ID=TEMPLATE_ID,
        DESIST_NOTIFY_BASE_URL=url,
    ):
        yield url
    server.shutdown()


def test_an_email_goes_through_notify(notify: str) -> None:
    sent = EmailMessage(
        subject="Alert A000123: breach recorded",
        body="Open https://desist.example.org/sharing/alerts/123/",
        to=["officer@example.org", "supervisor@example.org"],
        connection=get_connection(),
    ).send()
    assert sent == 1
    assert [r["email_address"] for r in FakeNotify.received] == [
        "officer@example.org",
        "supervisor@example.org",
    ]
    first = FakeNotify.received[0]
    assert first["path"] == "/v2/notifications/email" and first["iss"] == SERVICE_ID
    assert first["template_id"] == TEMPLATE_ID
    assert first["personalisation"] == {
        "subject": "Alert A000123: breach recorded",
        "body": "Open https://desist.example.org/sharing/alerts/123/",
    }


def test_a_refusal_raises_without_the_key(notify: str) -> None:
    FakeNotify.refuse = True
    message = EmailMessage(subject="s", body="b", to=["officer@example.org"])
    with pytest.raises(NotifyDeliveryError) as refused:
        get_connection().send_messages([message])
    assert "400" in str(refused.value) and "Template not found" in str(refused.value)
    assert SECRET not in str(refused.value) and "officer@example.org" not in str(refused.value)
    assert get_connection(fail_silently=True).send_messages([message]) == 0


def test_a_retry_after_one_recipient_failed_reaches_only_the_rest(notify: str) -> None:
    FakeNotify.refuse_once = {"second@example.org"}
    message = EmailMessage(
        subject="Two-factor change",
        body="A synthetic notice.",
        to=["first@example.org", "second@example.org", "third@example.org"],
        connection=get_connection(),
    )
    with pytest.raises(NotifyDeliveryError) as refused:
        message.send()
    assert refused.value.delivered == ("first@example.org",)
    assert message.send() == 1  # the caller's retry
    assert [r["email_address"] for r in FakeNotify.received] == [
        "first@example.org",
        "second@example.org",
        "third@example.org",
    ]
