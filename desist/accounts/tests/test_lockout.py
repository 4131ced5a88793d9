"""Sign-in throttling (issue 12, Medium 1): per source, per account from unknown places, and a
delay that grows; the owner at their usual address is not locked out by someone elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.test import RequestFactory, override_settings

from desist.accounts import lockout
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode

R = RoleCode
PASSWORD = "correct-horse-battery-staple"
LOGIN = "/accounts/login/"
HOME_NET, ATTACKER = "192.0.2.10", "198.51.100.66"


def _attempt(client: Any, username: str, ip: str, password: str = "wrong-password") -> Any:
    client.logout()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signs_in(client: Any, username: str, ip: str) -> bool:
    response = _attempt(client, username, ip, PASSWORD)
    return response.status_code == 302 and not response["Location"].startswith(LOGIN)


def _age_everything(by: dt.timedelta) -> None:
    for model in (AccessAttempt, AccessFailureLog):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - by)


@override_settings(AXES_FAILURE_LIMIT=5)
def test_locking_an_account_from_one_address_leaves_the_owner_free_elsewhere(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    owner = users[R.POLICE_OFFICER].username
    for _ in range(5):
        _attempt(client, owner, ATTACKER)
    locked = _attempt(client, owner, ATTACKER, PASSWORD)  # right password, still locked there
    assert locked.status_code == 429
    assert "Wait 15 minutes" in locked.content.decode()
    assert AuditEvent.objects.filter(verb="auth.locked_out", actor_username=owner).exists()
    assert _signs_in(client, owner, HOME_NET)


@override_settings(
    AXES_FAILURE_LIMIT=5, DESIST_LOCKOUT_SOURCE_ATTEMPTS=100, DESIST_LOCKOUT_ACCOUNT_ATTEMPTS=20
)
def test_guessing_one_account_from_many_places_spares_its_usual_address(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    owner = users[R.POLICE_OFFICER].username
    assert _signs_in(client, owner, HOME_NET)  # the owner's usual address, now known
    for n in range(5):  # four tries from each of five addresses: no single address locks
        for _ in range(4):
            _attempt(client, owner, f"203.0.113.{n + 1}")
    assert _attempt(client, owner, "203.0.113.99", PASSWORD).status_code == 429
    assert _signs_in(client, owner, HOME_NET)


@override_settings(AXES_FAILURE_LIMIT=5, DESIST_LOCKOUT_SOURCE_ATTEMPTS=20)
def test_spraying_usernames_from_one_address_is_throttled(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    real = users[R.POLICE_OFFICER].username
    for n in range(19):
        assert _attempt(client, f"guess-{n}", ATTACKER).status_code == 200
    assert _attempt(client, "guess-19", ATTACKER).status_code == 429
    # Now nobody signs in from there, not even with a right password; elsewhere is unaffected.
    assert _attempt(client, real, ATTACKER, PASSWORD).status_code == 429
    assert _signs_in(client, real, HOME_NET)


@override_settings(AXES_FAILURE_LIMIT=5, DESIST_LOCKOUT_SOURCE_ATTEMPTS=20)
def test_a_few_mistakes_behind_one_office_address_lock_nobody(
    client: Any, users: dict[RoleCode, Any], make_user: Any
) -> None:
    staff = [make_user(R.POLICE_OFFICER).username for _ in range(6)]
    for name in staff:
        for _ in range(2):
            _attempt(client, name, HOME_NET)
    assert all(_signs_in(client, name, HOME_NET) for name in staff)


@override_settings(AXES_FAILURE_LIMIT=5, DESIST_LOCKOUT_MINUTES=15)
def test_the_wait_grows_with_failures(client: Any, users: dict[RoleCode, Any]) -> None:
    owner = users[R.POLICE_OFFICER].username
    for _ in range(5):
        _attempt(client, owner, ATTACKER)
    assert "Wait 15 minutes" in _attempt(client, owner, ATTACKER).content.decode()
    _age_everything(dt.timedelta(minutes=16))
    # The first lock has passed; five more failures lock again, now for twice as long.
    for _ in range(5):
        _attempt(client, owner, ATTACKER)
    second = _attempt(client, owner, ATTACKER, PASSWORD)
    assert second.status_code == 429
    assert "Wait 30 minutes" in second.content.decode()
    _age_everything(dt.timedelta(minutes=16))
    assert _attempt(client, owner, ATTACKER, PASSWORD).status_code == 429  # 16 < 30 minutes
    # Every try while locked counts: by 15 failures in the day the wait is an hour.
    for _ in range(2):
        _attempt(client, owner, ATTACKER)
    assert "Wait 60 minutes" in _attempt(client, owner, ATTACKER).content.decode()
    assert AccessFailureLog.objects.filter(ip_address=ATTACKER).count() == 16


@override_settings(AXES_FAILURE_LIMIT=5, DESIST_LOCKOUT_MINUTES=15)
def test_the_wait_stops_at_a_day(db: Any) -> None:
    request = RequestFactory().post(LOGIN)
    request.axes_ip_address = ATTACKER  # type: ignore[attr-defined]
    assert lockout.cool_off(request) == dt.timedelta(minutes=15)
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(
            username="x", ip_address=ATTACKER, user_agent="", attempt_time=dt.datetime.now(dt.UTC)
        )
        for _ in range(500)
    )
    assert lockout.cool_off(request) == dt.timedelta(hours=24)
