"""Second factors at rest (issue 12, Medium 5; ADR 0017): after enrolment through the
services, no table holds the authenticator seed (hex or base32) or a recovery code in clear;
the seed is a Fernet token, the codes are keyed hashes; both still work at sign-in."""

from __future__ import annotations

import base64
from typing import Any

from django.db import connection

from desist.accounts import services
from desist.accounts.models import AuthenticatorDevice, RecoveryCode
from desist.accounts.services import SessionProof
from desist.accounts.tests.test_two_factor import _token
from desist.core.roles import RoleCode


def _raw_everything() -> str:
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump).lower()


def test_seed_and_recovery_codes_are_nowhere_in_clear(users: dict[RoleCode, Any]) -> None:
    user = users[RoleCode.POLICE_OFFICER]
    proof = SessionProof(otp_verified=False)
    device = services.totp_device_start(actor=user, proof=proof)
    codes = services.totp_device_confirm(
        actor=user, device=device, token=_token(device), proof=proof
    )
    seed_hex = AuthenticatorDevice.objects.get(pk=device.pk).key
    seed_b32 = base64.b32encode(bytes.fromhex(seed_hex)).decode().lower()
    dump = _raw_everything()
    assert seed_hex.lower() not in dump and seed_b32 not in dump
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticatordevice WHERE id = %s", [device.pk])
        assert cursor.fetchone()[0].startswith("gAAAA")
    assert RecoveryCode.objects.filter(device__user=user).count() == len(codes)
    # Both still work: the next app code, then a recovery code (used once only).
    assert services.two_factor_verify(actor=user, token=_token(device, offset=1)).pk == device.pk
    assert services.two_factor_verify(actor=user, token=codes[0].upper()) is not None
    assert RecoveryCode.objects.filter(device__user=user).count() == len(codes) - 1
