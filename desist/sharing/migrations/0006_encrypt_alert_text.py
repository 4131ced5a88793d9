"""Alert bodies (which may copy a risk disclosure) and acknowledgement notes encrypted at rest (issue 12, ADR 0017): the column becomes an EncryptedTextField, then every stored value is
encrypted in place (raw rows; values already encrypted are left alone). Reversible."""

from typing import Any

from django.db import migrations

import desist.core.crypto

TABLE = "sharing_alert"
COLUMNS = ["body", "acknowledgement_note"]


def encrypt(apps: Any, schema_editor: Any) -> None:
    desist.core.crypto.encrypt_columns_in_place(schema_editor, TABLE, COLUMNS)


def decrypt(apps: Any, schema_editor: Any) -> None:
    desist.core.crypto.encrypt_columns_in_place(schema_editor, TABLE, COLUMNS, decrypting=True)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0005_break_glass_approval")]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="body",
            field=desist.core.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="alert",
            name="acknowledgement_note",
            field=desist.core.crypto.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
