"""Special-category data is never stored in clear (issue 12, Medium 5; ADR 0017).

Each record is saved through its service, then every text column of every table is read with
raw SQL: the sentinels written must appear nowhere, not in the record's own table, not in an
alert that copied it, not in an audit row. The model still reads them back in clear.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.db import connection
from django.utils import timezone

from desist.cases.models import Incident
from desist.cases.services import case_create, incident_add
from desist.people.models import SubjectAddress
from desist.people.services import subject_address_add
from desist.programme import actions
from desist.programme.models import ClinicalNote, Referral, RiskDisclosure
from desist.programme.tests.conftest import book
from desist.sharing.models import Alert
from desist.sharing.services import alert_acknowledge

NOTE = "Zephyrine note: he reported intrusive thoughts"
DISCLOSURE = "Quillonby disclosure: he still believes they are together"
ADDRESS = "14 Marrowgate Terrace, Brightling"
POSTCODE = "BN9 7QX"
INCIDENT = "Vantablush incident: waited outside her workplace"
ACK = "Krellwick acknowledgement note"


def raw_text_everywhere() -> str:
    """Every row of every table, as the database holds it."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def _raw_column(table: str, column: str, pk: int) -> str:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def _save_everything(active: Referral, practitioner: Any, officer: Any) -> dict[str, Any]:
    session = book(practitioner, active, 1)
    note = actions.clinical_note_save(
        actor=practitioner, session=session, text=NOTE, base_revision=0
    )
    disclosure = actions.risk_disclosure_record(
        actor=practitioner, session=session, disclosed=DISCLOSURE, urgency="urgent"
    )
    address = subject_address_add(
        actor=officer,
        subject=active.subject,
        address=ADDRESS,
        postcode=POSTCODE,
        from_date=timezone.localdate() - dt.timedelta(days=30),
    )
    case = case_create(
        actor=officer,
        subject=active.subject,
        crime_reference=f"47/{active.pk:05d}/25",
        relationship="stranger",
        opened_on=timezone.localdate() - dt.timedelta(days=60),
    )
    incident = incident_add(
        actor=officer,
        case=case,
        occurred_on=timezone.localdate() - dt.timedelta(days=50),
        incident_type="stalking",
        description=INCIDENT,
    )
    alert = Alert.objects.filter(source_type="programme.RiskDisclosure").first()
    assert alert is not None and DISCLOSURE in alert.body  # the alert copied it
    alert_acknowledge(actor=alert.recipient, alert=alert, version=alert.version, note=ACK)
    return {
        "note": note,
        "disclosure": disclosure,
        "address": address,
        "incident": incident,
        "alert": alert,
    }


def test_special_category_text_is_nowhere_in_clear(
    active: Referral, practitioner: Any, officer: Any
) -> None:
    saved = _save_everything(active, practitioner, officer)
    dump = raw_text_everywhere()
    for plain in (NOTE, DISCLOSURE, ADDRESS, POSTCODE, INCIDENT, ACK):
        assert plain not in dump, plain
    # Not even a distinctive word of it.
    for word in ("Zephyrine", "Quillonby", "Marrowgate", "Vantablush", "Krellwick", "BN9"):
        assert word not in dump, word
    # Stored as Fernet tokens, and read back in clear through the models.
    for table, column, pk in (
        ("programme_clinicalnote", "text", saved["note"].pk),
        ("programme_riskdisclosure", "disclosed", saved["disclosure"].pk),
        ("people_subjectaddress", "address", saved["address"].pk),
        ("people_subjectaddress", "postcode", saved["address"].pk),
        ("cases_incident", "description", saved["incident"].pk),
        ("sharing_alert", "body", saved["alert"].pk),
        ("sharing_alert", "acknowledgement_note", saved["alert"].pk),
    ):
        assert _raw_column(table, column, pk).startswith("gAAAA"), (table, column)
    assert ClinicalNote.objects.get(pk=saved["note"].pk).text == NOTE
    assert RiskDisclosure.objects.get(pk=saved["disclosure"].pk).disclosed == DISCLOSURE
    fresh = SubjectAddress.objects.get(pk=saved["address"].pk)
    assert (fresh.address, fresh.postcode) == (ADDRESS, POSTCODE)
    assert Incident.objects.get(pk=saved["incident"].pk).description == INCIDENT
    assert Alert.objects.get(pk=saved["alert"].pk).acknowledgement_note == ACK


def test_the_data_migration_encrypts_rows_written_in_clear(
    active: Referral, practitioner: Any, officer: Any
) -> None:
    """What the 0003/0002/0005/0006 migrations run: rows written in clear before them become
    tokens; running it again changes nothing; the reverse gives the clear text back."""
    from types import SimpleNamespace

    from desist.core.crypto import encrypt_columns_in_place

    saved = _save_everything(active, practitioner, officer)
    pk = saved["note"].pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE programme_clinicalnote SET text = %s WHERE id = %s", [NOTE, pk])
    editor = SimpleNamespace(connection=connection)
    assert encrypt_columns_in_place(editor, "programme_clinicalnote", ["text"]) == 1
    token = _raw_column("programme_clinicalnote", "text", pk)
    assert token.startswith("gAAAA") and NOTE not in token
    assert ClinicalNote.objects.get(pk=pk).text == NOTE
    assert encrypt_columns_in_place(editor, "programme_clinicalnote", ["text"]) == 0
    assert _raw_column("programme_clinicalnote", "text", pk) == token
    encrypt_columns_in_place(editor, "programme_clinicalnote", ["text"], decrypting=True)
    assert _raw_column("programme_clinicalnote", "text", pk) == NOTE


def test_key_rotation_covers_every_new_field(
    active: Referral, practitioner: Any, officer: Any, users: Any
) -> None:
    """rotate_field_keys finds every EncryptedTextField in every app (it walks the models):
    after rotating, the old key can go and every value still reads back."""
    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.test import override_settings

    from desist.core import crypto
    from desist.safeguarding.rotation import encrypted_columns

    found = {(m._meta.label, f.name) for m, fields in encrypted_columns() for f in fields}
    assert {
        ("programme.ClinicalNote", "text"),
        ("programme.RiskDisclosure", "disclosed"),
        ("people.SubjectAddress", "address"),
        ("people.SubjectAddress", "postcode"),
        ("cases.Incident", "description"),
        ("sharing.Alert", "body"),
        ("sharing.Alert", "acknowledgement_note"),
        ("accounts.AuthenticatorDevice", "key"),
    } <= found
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    try:
        with override_settings(DESIST_FIELD_KEYS=old):
            crypto.reset_keys()
            saved = _save_everything(active, practitioner, officer)
        with override_settings(DESIST_FIELD_KEYS=f"{new},{old}"):
            crypto.reset_keys()
            call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
        with override_settings(DESIST_FIELD_KEYS=new):
            crypto.reset_keys()
            assert ClinicalNote.objects.get(pk=saved["note"].pk).text == NOTE
            assert Alert.objects.get(pk=saved["alert"].pk).body.endswith(DISCLOSURE)
            assert SubjectAddress.objects.get(pk=saved["address"].pk).postcode == POSTCODE
            assert Incident.objects.get(pk=saved["incident"].pk).description == INCIDENT
    finally:
        crypto.reset_keys()
