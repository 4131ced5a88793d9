"""Subjects' address history encrypted at rest (issue 12, ADR 0017): the column becomes an EncryptedTextField, then every stored value is
encrypted in place (raw rows; values already encrypted are left alone). Reversible."""

from typing import Any

from django.db import migrations

import desist.core.crypto

TABLE = "people_subjectaddress"
COLUMNS = ["address", "postcode"]


def encrypt(apps: Any, schema_editor: Any) -> None:
    desist.core.crypto.encrypt_columns_in_place(schema_editor, TABLE, COLUMNS)


def decrypt(apps: Any, schema_editor: Any) -> None:
    desist.core.crypto.encrypt_columns_in_place(schema_editor, TABLE, COLUMNS, decrypting=True)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="subjectaddress",
            name="address",
            field=desist.core.crypto.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="subjectaddress",
            name="postcode",
            field=desist.core.crypto.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
