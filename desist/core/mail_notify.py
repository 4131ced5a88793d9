"""GOV.UK Notify as Django's e-mail backend, instead of SMTP (issue 15).

Set DESIST_NOTIFY_API_KEY and DESIST_NOTIFY_TEMPLATE_ID: the settings then choose this backend.
Notify sends only from templates, so the service keeps one e-mail template whose subject is
`((subject))` and whose body is `((body))`; each message fills both. The sender's address and
name are the Notify service's own (set in Notify, not here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyDeliveryError(Exception):
    """Notify refused or could not be reached. The message carries Notify's status and error
    text only: never the API key, and never the e-mail's content. `delivered`: the addresses
    Notify had already accepted for that message (taken off it, so sending it again reaches
    only the others)."""

    delivered: tuple[str, ...] = ()


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.client = NotificationsAPIClient(
            settings.DESIST_NOTIFY_API_KEY,
            base_url=settings.DESIST_NOTIFY_BASE_URL,
            timeout=settings.EMAIL_TIMEOUT,
        )
        self.template_id = settings.DESIST_NOTIFY_TEMPLATE_ID
        self.reply_to_id = settings.DESIST_NOTIFY_REPLY_TO_ID or None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            # Notify takes one address a request: each is its own send, so a retry after the
            # second of three failed must not reach the first again.
            delivered: list[str] = []
            try:
                for address in message.recipients():
                    self._send(message, address)
                    delivered.append(address)
            except NotifyDeliveryError as exc:
                _drop_recipients(message, delivered)
                exc.delivered = tuple(delivered)
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def _send(self, message: EmailMessage, address: str) -> None:
        try:
            self.client.send_email_notification(
                email_address=address,
                template_id=self.template_id,
                personalisation={"subject": message.subject, "body": message.body},
                email_reply_to_id=self.reply_to_id,
            )
        except APIError as exc:
            raise NotifyDeliveryError(f"Notify answered {exc.status_code}: {exc.message}") from exc
        except requests.RequestException as exc:
            raise NotifyDeliveryError(f"Notify could not be reached: {type(exc).__name__}") from exc


def _drop_recipients(message: EmailMessage, delivered: list[str]) -> None:
    done = set(delivered)
    message.to = [a for a in message.to if a not in done]
    message.cc = [a for a in message.cc if a not in done]
    message.bcc = [a for a in message.bcc if a not in done]
