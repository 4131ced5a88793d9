"""Clinical notes and risk disclosures encrypted at rest (issue 12, ADR 0017): the columns
become EncryptedTextFields, then every stored value is encrypted in place (raw rows; values
already encrypted are left alone). Reversible."""

from typing import Any

from django.db import migrations

import desist.core.crypto

COLUMNS = {"programme_clinicalnote": ["text"], "programme_riskdisclosure": ["disclosed"]}


def encrypt(apps: Any, schema_editor: Any) -> None:
    for table, columns in COLUMNS.items():
        desist.core.crypto.encrypt_columns_in_place(schema_editor, table, columns)


def decrypt(apps: Any, schema_editor: Any) -> None:
    for table, columns in COLUMNS.items():
        desist.core.crypto.encrypt_columns_in_place(schema_editor, table, columns, decrypting=True)


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_expenditure")]

    operations = [
        migrations.AlterField(
            model_name="clinicalnote",
            name="text",
            field=desist.core.crypto.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="riskdisclosure",
            name="disclosed",
            field=desist.core.crypto.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
