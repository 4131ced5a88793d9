"""The victim wall at run time, for the test suite only.

An import contract cannot see `term.protected_persons.all()`: an ORM relation hands over
`Victim` rows without any import of safeguarding. So, while a request by a provider account
(practitioner or clinical supervisor) is being served, this guard raises, and records, when
any row of a safeguarding model is loaded (every model there holds or points at a victim) or
any safeguarding encrypted field is decrypted.

Use the `victim_wall` fixture: it adds `ProviderRequestMiddleware` (test settings only) and
fails the test at teardown if anything crossed the wall, even where the page turned the error
into a 500. A streamed download is watched while its body is produced, after the view returns.

One exception, by design: the redaction guard (`desist.sharing.redaction`, through the identifiers safeguarding registers) reads
the subject's victims' identifiers to answer "does this provider-written text contain one?"
with yes or no; it never hands them over. Frames from those modules are allowed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models.signals import post_init

from desist.core.crypto import EncryptedTextField
from desist.core.roles import RoleCode

PROVIDER_ROLES = frozenset({RoleCode.PRACTITIONER.value, RoleCode.CLINICAL_SUPERVISOR.value})
GUARDED_APP = "safeguarding"
# Modules allowed to read victims inside a provider request (see the module docstring).
ALLOWED_MODULES = ("desist/sharing/redaction.py",)

# The path of the provider request being served, or None.
_serving: ContextVar[str | None] = ContextVar("provider_request", default=None)


class VictimWallBreached(AssertionError):
    pass


@dataclass
class Wall:
    breaches: list[str] = field(default_factory=list)
    provider_requests: int = 0

    def breach(self, what: str) -> None:
        path = _serving.get()
        if path is None or _called_from_allowed_module():
            return
        message = f"{what} while serving a provider request for {path}"
        self.breaches.append(message)
        raise VictimWallBreached(message)


_wall: Wall | None = None


def _called_from_allowed_module() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.replace("\\", "/").endswith(ALLOWED_MODULES):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _is_provider(request: Any) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(PROVIDER_ROLES & set(user.role_codes))


class ProviderRequestMiddleware:
    """Marks the serving of a provider's request (and the streaming of its body)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if _wall is None or not _is_provider(request):
            return self.get_response(request)
        _wall.provider_requests += 1
        token = _serving.set(request.path)
        try:
            response = self.get_response(request)
        finally:
            _serving.reset(token)
        if getattr(response, "streaming", False):
            response.streaming_content = _watched(request.path, response.streaming_content)
        return response


def _watched(path: str, chunks: Iterator[Any]) -> Iterator[Any]:
    iterator = iter(chunks)
    while True:
        token = _serving.set(path)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _serving.reset(token)
        yield chunk


def _on_init(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _wall is not None and sender._meta.app_label == GUARDED_APP:
        _wall.breach(f"a {sender._meta.label} row was loaded")


_real_from_db_value = EncryptedTextField.from_db_value


def _guarded_from_db_value(
    self: EncryptedTextField, value: Any, expression: Any, connection: Any
) -> Any:
    if _wall is not None and self.model._meta.app_label == GUARDED_APP:
        _wall.breach(f"{self.model._meta.label}.{self.name} was decrypted")
    return _real_from_db_value(self, value, expression, connection)


MIDDLEWARE = f"{__name__}.ProviderRequestMiddleware"


@pytest.fixture
def victim_wall(settings: Any, monkeypatch: Any) -> Iterator[Wall]:
    """Raise on, and fail the test for, any victim row or field reaching a provider request."""
    global _wall
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    monkeypatch.setattr(EncryptedTextField, "from_db_value", _guarded_from_db_value)
    post_init.connect(_on_init, dispatch_uid="victim_wall")
    wall = _wall = Wall()
    try:
        yield wall
    finally:
        _wall = None
        post_init.disconnect(dispatch_uid="victim_wall")
    assert not wall.breaches, "the victim wall was crossed:\n" + "\n".join(wall.breaches[:20])
