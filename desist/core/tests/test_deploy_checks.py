"""`check --deploy` fails (errors, not warnings) without production keys (issue 12)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Error, run_checks
from django.test import override_settings

from desist.audit import chain

GOOD = {
    "DESIST_FIELD_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
    "DESIST_PSEUDONYM_KEY": "p" * 40,
    "DESIST_AUDIT_HMAC_KEY": "a" * 40,
}


def _deploy_errors(**overrides: str) -> dict[str, str]:
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


@pytest.mark.parametrize("url", ["", "desist.example.org", "/alerts", "ftp://desist.example.org"])
def test_base_url_must_be_set_and_absolute(url: str) -> None:
    assert "desist.core.E010" in _deploy_errors(DESIST_BASE_URL=url)


def test_an_absolute_base_url_passes() -> None:
    assert "desist.core.E010" not in _deploy_errors(DESIST_BASE_URL="https://desist.example.org")
