"""Second factors protected at rest (issue 12, ADR 0017): authenticator seeds move from
django-otp's TOTPDevice (clear) to AuthenticatorDevice (encrypted); recovery codes move from
StaticToken (clear) to RecoveryCode (keyed hashes). The old rows are deleted. Reversing moves
the apps back; recovery codes cannot be un-hashed, so their holders make new ones."""

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

import desist.core.crypto

_TOTP_FIELDS = (
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
)
_STATIC_FIELDS = _TOTP_FIELDS[:7]


def _recovery_code_hash(code):
    """The stored hash of a recovery code, as accounts.models.recovery_code_hashes(code)[0]
    computed it when this migration was written: frozen here, because a migration must not
    follow app code that may change."""
    normalised = code.strip().lower().replace(" ", "")
    return salted_hmac(
        "desist.accounts.recovery-code",
        normalised,
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def _copy(source, target, fields):
    made = target.objects.create(**{f: getattr(source, f) for f in fields})
    # created_at is auto_now_add: put the original moment back.
    target.objects.filter(pk=made.pk).update(created_at=source.created_at)
    return made


def protect(apps, schema_editor):
    old_totp = apps.get_model("otp_totp", "TOTPDevice")
    old_static = apps.get_model("otp_static", "StaticDevice")
    new_totp = apps.get_model("accounts", "AuthenticatorDevice")
    new_static = apps.get_model("accounts", "RecoveryCodeDevice")
    code = apps.get_model("accounts", "RecoveryCode")
    for device in old_totp.objects.all():
        _copy(device, new_totp, _TOTP_FIELDS)  # the new field encrypts the key
    old_totp.objects.all().delete()
    for device in old_static.objects.all():
        made = _copy(device, new_static, _STATIC_FIELDS)
        code.objects.bulk_create(
            code(device=made, code_hash=_recovery_code_hash(t.token))
            for t in device.token_set.all()
        )
    old_static.objects.all().delete()


def unprotect(apps, schema_editor):
    old_totp = apps.get_model("otp_totp", "TOTPDevice")
    new_totp = apps.get_model("accounts", "AuthenticatorDevice")
    for device in new_totp.objects.all():
        _copy(device, old_totp, _TOTP_FIELDS)


def _device_fields(*own_fields):
    """The fields every django-otp Device has (Device, ThrottlingMixin, TimestampMixin, as of
    django-otp 1.x), around a device's own: fresh instances for each model."""
    return [
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        (
            "name",
            models.CharField(help_text="The human-readable name of this device.", max_length=64),
        ),
        (
            "confirmed",
            models.BooleanField(default=True, help_text="Is this device ready for use?"),
        ),
        (
            "throttling_failure_timestamp",
            models.DateTimeField(
                blank=True,
                default=None,
                help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                null=True,
            ),
        ),
        (
            "throttling_failure_count",
            models.PositiveIntegerField(
                default=0, help_text="Number of successive failed attempts."
            ),
        ),
        (
            "created_at",
            models.DateTimeField(
                auto_now_add=True,
                help_text="The date and time when this device was initially created in the system.",
                null=True,
            ),
        ),
        (
            "last_used_at",
            models.DateTimeField(
                blank=True,
                help_text="The most recent date and time this device was used.",
                null=True,
            ),
        ),
        *own_fields,
        (
            "user",
            models.ForeignKey(
                help_text="The user that this device belongs to.",
                on_delete=django.db.models.deletion.CASCADE,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthenticatorDevice",
            fields=_device_fields(
                (
                    "key",
                    desist.core.crypto.EncryptedTextField(
                        default=django_otp.plugins.otp_totp.models.default_key,
                        validators=[django_otp.plugins.otp_totp.models.key_validator],
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
            ),
            options={
                "verbose_name": "authenticator app",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCodeDevice",
            fields=_device_fields(),
            options={
                "verbose_name": "recovery codes",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code_hash", models.CharField(db_index=True, max_length=64)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="accounts.recoverycodedevice",
                    ),
                ),
            ],
        ),
        migrations.RunPython(protect, unprotect),
    ]
