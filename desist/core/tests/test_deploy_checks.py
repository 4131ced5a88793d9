"""`check --deploy` fails (errors, not warnings) without production keys (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Error, run_checks
from django.test import override_settings

from desist.audit import chain

GOOD: dict[str, Any] = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "DESIST_TRUSTED_PROXIES": (),
    "DESIST_FIELD_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
    "DESIST_PSEUDONYM_KEY": "p" * 40,
    "DESIST_AUDIT_HMAC_KEY": "a" * 40,
    "DESIST_BASE_URL": "https://desist.example.org",
}


def _deploy_errors(**overrides: Any) -> dict[str, str]:
    with override_settings(**{**GOOD, **overrides}):
        issues = run_checks(include_deployment_checks=True)
    return {
        i.id: i.msg
        for i in issues
        if isinstance(i, Error) and (i.id or "").startswith(("desist.core", "desist.audit"))
    }


def test_good_keys_pass() -> None:
    assert _deploy_errors() == {}


@pytest.mark.parametrize(
    ("overrides", "error_id", "words"),
    [
        ({"DESIST_FIELD_KEYS": ""}, "desist.core.E001", "DESIST_FIELD_KEYS is not set"),
        (
            {"DESIST_FIELD_KEYS": f"{Fernet.generate_key().decode()},not-a-key"},
            "desist.core.E002",
            "key 2 of 2 is not a Fernet key",
        ),
        ({"DESIST_PSEUDONYM_KEY": ""}, "desist.core.E003", "DESIST_PSEUDONYM_KEY is not set"),
        ({"DESIST_PSEUDONYM_KEY": "short"}, "desist.core.E003", "shorter than 32"),
        ({"DESIST_AUDIT_HMAC_KEY": ""}, "desist.audit.E001", "DESIST_AUDIT_HMAC_KEY is not set"),
        ({"DESIST_AUDIT_HMAC_KEY": chain.DEMO_KEY}, "desist.audit.E001", "published demo key"),
        ({"DESIST_AUDIT_HMAC_KEY": "k" * 20}, "desist.audit.E001", "shorter than 32"),
    ],
)
def test_missing_or_bad_key_is_an_error(
    overrides: dict[str, str], error_id: str, words: str
) -> None:
    errors = _deploy_errors(**overrides)
    assert list(errors) == [error_id]
    assert words in errors[error_id]
    assert "not-a-key" not in errors[error_id]  # never echo a secret


def test_checks_only_with_deploy() -> None:
    with override_settings(DESIST_FIELD_KEYS="", DESIST_AUDIT_HMAC_KEY=""):
        ids = {i.id for i in run_checks()}
    assert not {"desist.core.E001", "desist.audit.E001"} & ids


@pytest.mark.parametrize(
    "url",
    ["", "desist.example.org", "/alerts", "ftp://desist.example.org", "http://desist.example.org"],
)
def test_base_url_must_be_set_and_absolute(url: str) -> None:
    assert "desist.core.E010" in _deploy_errors(DESIST_BASE_URL=url)


def test_an_absolute_base_url_passes() -> None:
    assert "desist.core.E010" not in _deploy_errors(DESIST_BASE_URL="https://desist.example.org")


# --- unsafe production switches (security test finding 2) ---------------------------------


def test_debug_is_an_error() -> None:
    assert "DESIST_DEBUG is on" in _deploy_errors(DEBUG=True)["desist.core.E011"]


def test_ssl_redirect_off_is_an_error_without_a_tls_proxy() -> None:
    errors = _deploy_errors(SECURE_SSL_REDIRECT=False, SECURE_PROXY_SSL_HEADER=None)
    assert list(errors) == ["desist.core.E012"]
    # A trusted proxy alone is not enough: Desist must also be told it terminates TLS.
    errors = _deploy_errors(
        SECURE_SSL_REDIRECT=False,
        SECURE_PROXY_SSL_HEADER=None,
        DESIST_TRUSTED_PROXIES=("10.0.0.5",),
    )
    assert list(errors) == ["desist.core.E012"]


def test_ssl_redirect_off_is_allowed_behind_a_tls_terminating_proxy() -> None:
    assert (
        _deploy_errors(
            SECURE_SSL_REDIRECT=False,
            SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
            DESIST_TRUSTED_PROXIES=("10.0.0.5", "10.1.0.0/16"),
        )
        == {}
    )


@pytest.mark.parametrize("proxy", ["0.0.0.0/0", "::/0", "10.0.0.0/7", "2001:db8::/31", "1.2.3.4/1"])
def test_broad_trusted_proxies_are_an_error(proxy: str) -> None:
    errors = _deploy_errors(DESIST_TRUSTED_PROXIES=("10.0.0.5", proxy))
    assert list(errors) == ["desist.core.E013"]
    assert proxy in errors["desist.core.E013"] and "too broad" in errors["desist.core.E013"]


@pytest.mark.parametrize("proxy", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "2001:db8::1"])
def test_narrow_trusted_proxies_pass(proxy: str) -> None:
    assert _deploy_errors(DESIST_TRUSTED_PROXIES=(proxy,)) == {}


ROOT = Path(__file__).resolve().parents[3]


def test_the_testers_production_settings_fail_check_deploy() -> None:
    """The tester's case, end to end: production with every key but debug on, every client
    a trusted proxy and no SSL redirect must exit non-zero, naming debug and the too-broad
    proxy. (A declared proxy turns SECURE_PROXY_SSL_HEADER on, so the redirect check, E012,
    is satisfied here; E013 is what refuses that proxy.)"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DESIST_ENV": "production",
        "DESIST_SECRET_KEY": "production-secret-key-for-the-check-only-0123456789-abcdefgh",
        "DESIST_ALLOWED_HOSTS": "desist.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        "DESIST_FIELD_KEYS": Fernet.generate_key().decode(),
        "DESIST_PSEUDONYM_KEY": "p" * 40,
        "DESIST_AUDIT_HMAC_KEY": "a" * 40,
        "DESIST_BASE_URL": "https://desist.example.org",
        "DESIST_DEBUG": "1",
        "DESIST_TRUSTED_PROXIES": "0.0.0.0/0",
        "DESIST_SSL_REDIRECT": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "desist.core.E011" in result.stderr and "desist.core.E013" in result.stderr


def _documents_storage(bucket: str) -> dict[str, Any]:
    from django.conf import settings

    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": bucket}}
    return {**settings.STORAGES, "documents": s3}


@pytest.mark.parametrize("bucket", ["", "  "])
def test_s3_documents_without_a_bucket_is_an_error(bucket: str) -> None:
    errors = _deploy_errors(STORAGES=_documents_storage(bucket))
    assert "DESIST_S3_BUCKET is not set" in errors["desist.core.E014"]


def test_s3_documents_with_a_bucket_pass() -> None:
    assert _deploy_errors(STORAGES=_documents_storage("desist-documents")) == {}
