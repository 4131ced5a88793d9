"""Recovery codes and an administrator's two-factor resets are rate-limited per hour, with the
password reset's cache counters (accounts.limits), on top of django-otp's back-off; each
lock-out is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from desist.accounts import services
from desist.accounts.models import AuthenticatorDevice, RecoveryCodeDevice
from desist.accounts.tests.test_two_factor import LOGIN, PASSWORD, VERIFY, _enrol, _token
from desist.audit.models import AuditEvent
from desist.core.roles import RoleCode as R


def _no_back_off(user: Any) -> None:
    # django-otp makes each try after a failure wait longer; these tests are about the hourly
    # cap, so skip that wait.
    for model in (AuthenticatorDevice, RecoveryCodeDevice):
        for device in model.objects.filter(user=user):
            device.throttle_reset()


def test_recovery_codes_lock_after_five_failures_an_hour_and_the_lock_is_audited(
    client: Client, users: dict[R, Any]
) -> None:
    person = users[R.POLICE_OFFICER]
    device, codes = _enrol(person)
    for _ in range(services.RECOVERY_CODE_FAILURES_PER_HOUR):
        _no_back_off(person)
        with pytest.raises(ValidationError, match="The code is not correct"):
            services.two_factor_verify(actor=person, token="abcdef12-345678")
    _no_back_off(person)
    # Now even a right recovery code is refused, unchecked, for the rest of the hour.
    with pytest.raises(services.RecoveryCodesLimited, match="Too many recovery codes"):
        services.two_factor_verify(actor=person, token=codes[0])
    limited = AuditEvent.objects.filter(verb="auth.recovery_code_limited", object_id=str(person.pk))
    assert limited.count() == 1
    # The code was not spent: it was never checked.
    assert RecoveryCodeDevice.objects.get(user=person).codes.count() == len(codes)
    # The person's authenticator app still works.
    assert services.two_factor_verify(actor=person, token=_token(device, offset=1)) == device
    # And the sign-in page says what to do.
    assert client.post(LOGIN, {"username": person.username, "password": PASSWORD}).status_code
    page = client.post(VERIFY, {"token": codes[1]}).content.decode()
    assert "Too many recovery codes have been tried" in page


def test_an_administrators_two_factor_resets_are_capped_per_hour_and_audited(
    client: Client, users: dict[R, Any], make_user: Any
) -> None:
    admin = users[R.SYSTEM_ADMIN]
    limit = services.RESETS_PER_ADMINISTRATOR_PER_HOUR
    people = [
        make_user(R.POLICE_OFFICER, organisation=admin.organisation) for _ in range(limit + 2)
    ]
    for person in people:
        _enrol(person)
    for person in people[:limit]:
        services.two_factor_reset(actor=admin, user=person, reason="Phone lost")
    with pytest.raises(services.ResetsLimited, match="Wait an hour, or ask another administrator"):
        services.two_factor_reset(actor=admin, user=people[limit], reason="Phone lost")
    assert services.has_second_factor(people[limit])
    assert AuditEvent.objects.filter(verb="account.2fa_reset").count() == limit
    refused = AuditEvent.objects.get(verb="account.2fa_reset_limited")
    assert (refused.actor_id, refused.object_id) == (admin.pk, str(people[limit].pk))
    # Through the page: a GOV.UK error, 429, nothing reset.
    client.force_login(admin)
    session = client.session
    session["desist_password_confirmed_at"] = timezone.now().timestamp()
    session.save()
    url = reverse("accounts:manage_two_factor_reset", args=[people[limit + 1].pk])
    response = client.post(url, {"reason": "Phone lost"})
    assert response.status_code == 429
    assert "There is a problem" in response.content.decode()
    assert services.has_second_factor(people[limit + 1])
    # Another administrator is not held back by the first one's count.
    other = make_user(R.SYSTEM_ADMIN, organisation=admin.organisation)
    services.two_factor_reset(actor=other, user=people[limit], reason="Phone lost")
    assert not services.has_second_factor(people[limit])
