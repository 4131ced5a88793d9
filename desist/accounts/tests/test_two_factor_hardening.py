"""Two-factor hardening from the security test: the code throttle cannot be raced, and the
session ID changes when the second factor is proven (so a fixed or leaked pre-2FA ID is void)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from desist.accounts import services
from desist.accounts.models import AuthenticatorDevice, UserSession
from desist.accounts.tests.test_two_factor import PASSWORD, VERIFY, _enrol, _token
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R

LOGIN = "/accounts/login/"
ATTEMPTS = 20


def _wrong_code(device: AuthenticatorDevice) -> str:
    valid = {_token(device, offset=o) for o in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in valid)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent writers, which the in-memory SQLite test database's shared cache "
    "refuses; runs in CI's PostgreSQL pass (.ci/run), and the logic under the lock is tested "
    "on both databases below",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_codes_are_throttled_not_checked(make_user: Any) -> None:
    """20 wrong codes at once, with only the password: one is checked and counted, the rest
    wait out the back-off it earned (the tester saw 9 checked and the count rise by 2)."""
    owner = make_user(R.POLICE_OFFICER)
    device, _ = _enrol(owner)
    wrong = _wrong_code(device)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []

    def guess() -> None:
        try:
            barrier.wait(10)
            services.two_factor_verify(actor=owner, token=wrong)
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("checked")
        except services.TwoFactorThrottled:
            outcomes.append("throttled")
        except Exception as exc:  # noqa: BLE001 (a lock error would be a failure too)
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    device.refresh_from_db()
    assert sorted(set(outcomes)) == ["checked", "throttled"], outcomes
    checked = outcomes.count("checked")
    # Every code that was checked was counted, and the first failure held back the rest.
    assert device.throttling_failure_count == checked == 1


def test_each_checked_code_counts_once_and_a_throttled_one_not_at_all(make_user: Any) -> None:
    """The logic under the lock, on both databases: the failure is counted and audited even
    though the error is raised after the transaction; a throttled try checks nothing."""
    owner = make_user(R.POLICE_OFFICER)
    device, _ = _enrol(owner)
    wrong = _wrong_code(device)
    with pytest.raises(ValidationError):
        services.two_factor_verify(actor=owner, token=wrong)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    with pytest.raises(services.TwoFactorThrottled):
        services.two_factor_verify(actor=owner, token=_token(device))  # right, but too soon
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    verbs = list(
        AuditEvent.objects.filter(actor_id=owner.pk, verb__startswith="auth.2fa").values_list(
            "verb", flat=True
        )
    )
    assert sorted(verbs) == ["auth.2fa_failed", "auth.2fa_throttled"]


def _signed_in(client: Any, make_user: Any) -> tuple[Any, AuthenticatorDevice, list[str]]:
    owner = make_user(R.POLICE_OFFICER)
    device, codes = _enrol(owner)
    client.post(LOGIN, {"username": owner.username, "password": PASSWORD})
    return owner, device, codes


@override_settings(DESIST_REQUIRE_2FA=True)
@pytest.mark.parametrize("method", ["totp", "recovery_code"])
def test_session_id_is_cycled_when_the_second_factor_is_proven(
    client: Any, make_user: Any, method: str
) -> None:
    owner, device, codes = _signed_in(client, make_user)
    before = client.session.session_key
    token = _token(device, offset=1) if method == "totp" else codes[0]  # current one spent
    response = client.post(VERIFY, {"token": token})
    assert response.status_code == 302
    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    # Still tracked under the new ID, so disabling the account still ends this session.
    assert list(UserSession.objects.filter(user=owner).values_list("session_key", flat=True)) == [
        after
    ]
    assert client.session["_auth_user_id"] == str(owner.pk)


@override_settings(DESIST_REQUIRE_2FA=True)
def test_a_wrong_code_keeps_the_session_id(client: Any, make_user: Any) -> None:
    _, device, _ = _signed_in(client, make_user)
    before = client.session.session_key
    client.post(VERIFY, {"token": _wrong_code(device)})
    assert client.session.session_key == before
