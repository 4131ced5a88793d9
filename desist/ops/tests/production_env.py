"""The production environment as README's table documents it, for tests that start Desist in
a child process: nothing inherited but PATH, HOME and PYTHONPATH, so no setting comes from the
test run."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]
DESIST = str(Path(sys.executable).with_name("desist"))

# Every variable a production deployment must set (README, "Production settings").
REQUIRED = {
    "DESIST_SECRET_KEY": "production-secret-key-for-tests-only-0123456789abcdefghijklmnopqrstu",
    "DESIST_ALLOWED_HOSTS": "desist.example.org",
    "DESIST_FIELD_KEYS": Fernet.generate_key().decode(),
    "DESIST_PSEUDONYM_KEY": "pseudonym-key-for-tests-only-0123456789ab",
    "DESIST_AUDIT_HMAC_KEY": "audit-hmac-key-for-tests-only-0123456789ab",
    "DESIST_BASE_URL": "https://desist.example.org",
    "DESIST_EMAIL_HOST": "smtp.example.org",
    "DESIST_EMAIL_FROM": "desist@example.org",
    # Documents default to S3 in production (desist.core.E014 without a bucket).
    "DESIST_S3_BUCKET": "desist-documents",
}
OPTIONAL = {"DESIST_EMAIL_USE_TLS": "1"}


def bare_env(database: Path, **extra: str) -> dict[str, str]:
    # PYTHONPATH is code, not a setting: the child runs the same checkout as the test.
    code = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        **code,
        "DESIST_ENV": "production",
        "DATABASE_URL": f"sqlite:///{database}",
        **extra,
    }


def production_env(database: Path, **extra: str) -> dict[str, str]:
    # A collected static tree's manifest (empty: these tests serve probes, not pages); running
    # collectstatic itself takes minutes.
    static = database.parent / "static"
    static.mkdir(exist_ok=True)
    (static / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    return bare_env(database, DESIST_STATIC_ROOT=str(static), **{**REQUIRED, **OPTIONAL, **extra})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
