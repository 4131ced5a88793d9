from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from desist.audit.models import AuditEvent
from desist.cases.models import Case
from desist.core import crypto
from desist.people.tests.factories import VICTIM_IDENTITY, make_victim
from desist.safeguarding.models import Victim

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def fresh_keys() -> Iterator[None]:
    crypto.reset_keys()
    yield
    crypto.reset_keys()


def _raw(victim: Victim) -> dict[str, str]:
    fields = list(VICTIM_IDENTITY)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(fields)} FROM safeguarding_victim WHERE id = %s",  # noqa: S608
            [victim.pk],
        )
        row = cursor.fetchone()
    return dict(zip(fields, row, strict=True))


def _keys(value: str) -> Any:
    crypto.reset_keys()
    return override_settings(DESIST_FIELD_KEYS=value)


def test_identity_is_encrypted_at_rest_and_readable(officer: Any, case: Case) -> None:
    victim = make_victim(officer, case)
    raw = _raw(victim)
    for field, plain in VICTIM_IDENTITY.items():
        assert raw[field] != plain
        assert plain not in raw[field]
        assert raw[field].startswith("gAAAA")  # a Fernet token
    fresh = Victim.objects.get(pk=victim.pk)
    for field, plain in VICTIM_IDENTITY.items():
        assert getattr(fresh, field) == plain


def test_rotation_re_encrypts_so_old_key_can_be_dropped(officer: Any, case: Case) -> None:
    with _keys(OLD):
        crypto.reset_keys()
        victim = make_victim(officer, case)
        before = _raw(victim)
    with _keys(f"{NEW},{OLD}"):
        crypto.reset_keys()
        # Values written under the old key still decrypt while it is listed.
        assert Victim.objects.get(pk=victim.pk).first_names == "Philippa"
        call_command("rotate_field_keys", "--batch-size", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = _raw(victim)
        assert all(after[f] != before[f] for f in VICTIM_IDENTITY)
    with _keys(NEW):
        crypto.reset_keys()
        fresh = Victim.objects.get(pk=victim.pk)
        assert (fresh.first_names, fresh.email) == ("Philippa", "philippa.qz@example.org")
    event = AuditEvent.objects.get(verb="crypto.rotate_field_keys")
    assert event.new_values["rows"]["safeguarding.Victim"] == 1
    assert "Philippa" not in str(event.new_values)


def test_without_rotation_dropping_the_old_key_fails_loudly(officer: Any, case: Case) -> None:
    with _keys(OLD):
        crypto.reset_keys()
        victim = make_victim(officer, case)
    with _keys(NEW):
        crypto.reset_keys()
        with pytest.raises(ImproperlyConfigured):
            Victim.objects.get(pk=victim.pk)


def test_rotation_refuses_tokens_no_key_can_read(officer: Any, case: Case) -> None:
    from django.core.management.base import CommandError

    with _keys(OLD):
        crypto.reset_keys()
        make_victim(officer, case)
    with _keys(NEW):
        crypto.reset_keys()
        with pytest.raises(CommandError, match="could not be decrypted"):
            call_command("rotate_field_keys")


# --- the fields added for advocacy (issue 5) --------------------------------------------------

NEW_SECRETS = {
    "preferred_name": "Pippa",
    "alternative_phone": "+447700900444",
    "safe_times": "Weekdays after 6pm",
    "never_contact": "Never ring the landline",
    "safe_word": "bluebell",
    "vulnerability_notes": "Hearing impairment",
    "wishes_notes": "Does not want her GP told",
}


def _with_new_fields(officer: Any, case: Case) -> Victim:
    victim = make_victim(officer, case)
    Victim.objects.filter(pk=victim.pk).update(**NEW_SECRETS)
    return victim


def _raw_columns(table: str, pk: int, columns: list[str]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_new_victim_fields_are_unreadable_in_the_table(officer: Any, case: Case) -> None:
    victim = _with_new_fields(officer, case)
    raw = _raw_columns("safeguarding_victim", victim.pk, [*VICTIM_IDENTITY, *NEW_SECRETS])
    for field, plain in {**VICTIM_IDENTITY, **NEW_SECRETS}.items():
        assert plain not in raw[field], field
        assert raw[field].startswith("gAAAA"), field
    fresh = Victim.objects.get(pk=victim.pk)
    assert fresh.safe_word == "bluebell" and fresh.never_contact == "Never ring the landline"


def test_casework_free_text_is_unreadable_in_the_table(
    officer: Any, case: Case, users: Any, orgs: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from desist.core.models import Partnership
    from desist.core.roles import RoleCode
    from desist.safeguarding import services

    p = Partnership.objects.create(code="p", name="P")
    p.organisations.add(orgs["police_force"], orgs["advocacy"])
    advocate = users[RoleCode.VICTIM_ADVOCATE]
    victim = make_victim(officer, case)
    adv = services.advocacy_refer(
        actor=officer, victim=victim, service=orgs["advocacy"], notes="Referral reason secret"
    )
    entry = services.contact_log_add(
        actor=advocate,
        case=adv,
        kind="contact",
        occurred_at=timezone.now(),
        channel="phone",
        summary="Summary secret",
        actions="Actions secret",
    )
    plan = services.safety_plan_save(
        actor=advocate,
        case=adv,
        based_on=0,
        risk_level="medium",
        marac="not_needed",
        risks="Risks secret",
        measures="Measures secret",
        review_on=timezone.localdate() + dt.timedelta(days=7),
    )
    for table, pk, columns in (
        ("safeguarding_advocacycase", adv.pk, ["referral_notes"]),
        ("safeguarding_contactlogentry", entry.pk, ["summary", "actions"]),
        ("safeguarding_safetyplanversion", plan.pk, ["risks", "measures"]),
    ):
        raw = _raw_columns(table, pk, columns)
        for column in columns:
            assert "secret" not in raw[column] and raw[column].startswith("gAAAA"), column


def test_rotation_covers_the_new_fields(officer: Any, case: Case) -> None:
    with _keys(OLD):
        crypto.reset_keys()
        victim = _with_new_fields(officer, case)
        before = _raw_columns("safeguarding_victim", victim.pk, list(NEW_SECRETS))
    with _keys(f"{NEW},{OLD}"):
        crypto.reset_keys()
        call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = _raw_columns("safeguarding_victim", victim.pk, list(NEW_SECRETS))
        assert all(after[f] != before[f] for f in NEW_SECRETS)
    with _keys(NEW):
        crypto.reset_keys()
        fresh = Victim.objects.get(pk=victim.pk)
        assert {f: getattr(fresh, f) for f in NEW_SECRETS} == NEW_SECRETS
