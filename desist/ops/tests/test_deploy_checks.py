"""The production settings' deploy checks, one setting at a time (desist/ops/checks.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error, run_checks
from django.test import override_settings

from desist.ops.checks import NOTIFY_BACKEND, SMTP_BACKEND

GOOD: dict[str, Any] = {
    "SECRET_KEY": "s" * 60,
    "ALLOWED_HOSTS": ["desist.example.org"],
    "EMAIL_BACKEND": SMTP_BACKEND,
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_USE_TLS": True,
    "EMAIL_USE_SSL": False,
    "EMAIL_HOST_USER": "",
    "EMAIL_HOST_PASSWORD": "",
    "DEFAULT_FROM_EMAIL": "desist@example.org",
    "DESIST_DATABASE_URL_SET": True,
}


def _ops_errors(**overrides: Any) -> dict[str, str]:
    with override_settings(**{**GOOD, **overrides}):
        issues = run_checks(include_deployment_checks=True)
    return {
        i.id or "": i.msg
        for i in issues
        if isinstance(i, Error) and (i.id or "").startswith("desist.ops")
    }


def test_good_settings_pass() -> None:
    assert _ops_errors() == {}


@pytest.mark.parametrize(
    ("overrides", "error_id", "words"),
    [
        ({"SECRET_KEY": ""}, "desist.ops.E001", "DESIST_SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "desist.ops.E001", "DESIST_SECRET_KEY is shorter than 50"),
        ({"ALLOWED_HOSTS": []}, "desist.ops.E002", "DESIST_ALLOWED_HOSTS is not set"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "desist.ops.E003",
            "would never be delivered",
        ),
        ({"EMAIL_HOST": ""}, "desist.ops.E004", "DESIST_EMAIL_HOST is not set"),
        ({"DEFAULT_FROM_EMAIL": ""}, "desist.ops.E005", "DESIST_EMAIL_FROM is not set"),
        ({"EMAIL_HOST_USER": "desist"}, "desist.ops.E006", "DESIST_EMAIL_PASSWORD is not set"),
        ({"EMAIL_USE_TLS": False}, "desist.ops.E007", "unencrypted"),
        ({"DESIST_DATABASE_URL_SET": False}, "desist.ops.E010", "DATABASE_URL is not set"),
    ],
)
def test_each_missing_setting_is_named(
    overrides: dict[str, Any], error_id: str, words: str
) -> None:
    errors = _ops_errors(**overrides)
    assert list(errors) == [error_id]
    assert words in errors[error_id]


def test_plain_smtp_to_a_relay_on_this_host_is_allowed() -> None:
    assert _ops_errors(EMAIL_HOST="localhost", EMAIL_USE_TLS=False) == {}


def test_notify_needs_its_key_and_template() -> None:
    errors = _ops_errors(
        EMAIL_BACKEND=NOTIFY_BACKEND, DESIST_NOTIFY_API_KEY="", DESIST_NOTIFY_TEMPLATE_ID=""
    )
    assert sorted(errors) == ["desist.ops.E008", "desist.ops.E009"]
    assert "DESIST_NOTIFY_API_KEY is not set" in errors["desist.ops.E008"]
    assert "DESIST_NOTIFY_TEMPLATE_ID is not set" in errors["desist.ops.E009"]
    # With Notify, no SMTP host or sender is needed.
    assert (
        _ops_errors(
            EMAIL_BACKEND=NOTIFY_BACKEND,
            DESIST_NOTIFY_API_KEY="k",
            DESIST_NOTIFY_TEMPLATE_ID="t",
            EMAIL_HOST="",
            DEFAULT_FROM_EMAIL="",
        )
        == {}
    )


def test_the_static_manifest_must_exist_with_manifest_storage(tmp_path: Any) -> None:
    manifest_storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    errors = _ops_errors(STATIC_ROOT=tmp_path, STORAGES=manifest_storage)
    assert list(errors) == ["desist.ops.E011"]
    assert "every page would answer 500" in errors["desist.ops.E011"]
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert _ops_errors(STATIC_ROOT=tmp_path, STORAGES=manifest_storage) == {}
