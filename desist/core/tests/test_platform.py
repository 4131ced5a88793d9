from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError
from django.urls import reverse

from desist import policy
from desist.core.roles import RoleCode

ROOT = Path(__file__).resolve().parents[3]


def test_healthz(client: Any, db: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ok_and_503(client: Any, db: Any, monkeypatch: Any) -> None:
    from desist.jobs.tasks import ALERT_JOBS, beat

    for job in ALERT_JOBS:  # the alerts pass has just run (desist/jobs/tests: when it has not)
        beat(f"job:{job}", "job")
    assert client.get("/readyz").json() == {"status": "ok"}

    class DownConnection:
        def cursor(self) -> None:
            raise DatabaseError("database is down at 10.0.0.5")

    monkeypatch.setattr("desist.core.views.connection", DownConnection())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert b"10.0.0.5" not in response.content


HEADER_PAGES = ["/accounts/login/", "/", "/audit/", "/no-such-page/", "/healthz"]


@pytest.mark.parametrize("path", HEADER_PAGES)
def test_security_headers(client: Any, users: dict[RoleCode, Any], path: str) -> None:
    client.force_login(users[RoleCode.OVERSEER])
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_cookies_httponly_and_samesite(client: Any, users: dict[RoleCode, Any]) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": users[RoleCode.OVERSEER].username, "password": "correct-horse-battery-staple"},
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_no_inline_script_in_pages(client: Any, users: dict[RoleCode, Any]) -> None:
    for role, user in users.items():
        client.force_login(user)
        html = client.get("/").content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (role, tag)
        assert " onclick=" not in html and " style=" not in html


def test_404_leaks_nothing(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[RoleCode.OVERSEER])
    response = client.get("/accounts/manage/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Traceback" not in html and "DoesNotExist" not in html


def test_500_page_renders_without_context(rf: Any) -> None:
    from desist.core.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content


def test_403_page(client: Any, users: dict[RoleCode, Any]) -> None:
    client.force_login(users[RoleCode.POLICE_OFFICER])
    response = client.get(reverse("audit:list"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()
    assert "audit.view" not in response.content.decode()


def test_views_never_touch_sensitive_managers() -> None:
    """The lint rule: views, forms, templatetags and API modules use selectors, not managers."""
    offenders = []
    pattern = re.compile(
        r"\b(" + "|".join(sorted(policy.SENSITIVE_MODELS)) + r")\.(objects|_default_manager)\b"
    )
    for path in (ROOT / "desist").rglob("*.py"):
        if path.name in {"views.py", "forms.py"} or path.parent.name in {"templatetags", "api"}:
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    for path in (ROOT / "desist").rglob("*.html"):
        text = path.read_text()
        if re.search(r"\.objects\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, "Use a selector instead:\n" + "\n".join(offenders)


def test_lint_rule_catches_a_violation(tmp_path: Path) -> None:
    pattern = re.compile(
        r"\b(" + "|".join(sorted(policy.SENSITIVE_MODELS)) + r")\.(objects|_default_manager)\b"
    )
    assert pattern.search("rows = AuditEvent.objects.all()")
    assert not pattern.search("rows = audit_event_list_for(actor=user)")


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')  # collected
    env = {
        **os.environ,
        "DESIST_STATIC_ROOT": str(tmp_path),
        "DESIST_ENV": "production",
        "DESIST_SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-0123456789",
        "DESIST_ALLOWED_HOSTS": "desist.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        # Without these three, check --deploy errors (desist/core/checks.py, audit/checks.py).
        "DESIST_FIELD_KEYS": "x6nWVR5eLkTnUrW6ZFs2dkBQJ1MK0XdQa3dQR2Up8jw=",
        "DESIST_PSEUDONYM_KEY": "pseudonym-key-for-the-check-only-0123456789",
        "DESIST_AUDIT_HMAC_KEY": "audit-hmac-key-for-the-check-only-0123456789",
        "DESIST_BASE_URL": "https://desist.example.org",
        # E-mail must leave the server (desist/ops/checks.py).
        "DESIST_EMAIL_HOST": "smtp.example.org",
        "DESIST_EMAIL_USE_TLS": "1",
        "DESIST_EMAIL_FROM": "desist@example.org",
        "DESIST_S3_BUCKET": "desist-documents",
    }
    for unsafe in ("DESIST_DEBUG", "DESIST_TRUSTED_PROXIES", "DESIST_SSL_REDIRECT"):
        env.pop(unsafe, None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests; never in production
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SIGN_SOMETHING = "import django; django.setup(); from django.core import signing; signing.dumps(1)"


def test_production_refuses_to_run_without_secret_key() -> None:
    # Without DESIST_SECRET_KEY nothing can sign (Django refuses an empty key); `check --deploy`
    # names it beside the other missing keys (desist/ops/tests/test_production_server.py).
    env = {**os.environ, "DESIST_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DESIST_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", SIGN_SOMETHING],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "The SECRET_KEY setting must not be empty" in result.stderr


def _production_setting(name: str, **extra_env: str) -> str:
    env = {
        **os.environ,
        "DESIST_ENV": "production",
        "DESIST_SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-0123456789",
        "DESIST_ALLOWED_HOSTS": "desist.example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **extra_env,
    }
    if "DESIST_TRUSTED_PROXIES" not in extra_env:
        env.pop("DESIST_TRUSTED_PROXIES", None)
    code = f"import django; django.setup(); from django.conf import settings; print(repr(settings.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_forwarded_proto_believed_only_behind_a_trusted_proxy() -> None:
    # Without a declared proxy any client could send X-Forwarded-Proto: https.
    assert _production_setting("SECURE_PROXY_SSL_HEADER") == "None"
    behind = _production_setting("SECURE_PROXY_SSL_HEADER", DESIST_TRUSTED_PROXIES="10.0.0.5")
    assert behind == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_failed_csrf_check_shows_a_govuk_page(users: dict[RoleCode, Any]) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users[RoleCode.POLICE_OFFICER])
    response = browser.post("/accounts/password/", {"old_password": "x"})  # no token
    assert response.status_code == 403
    html = response.content.decode()
    assert "govuk-header" in html and "govuk-footer" in html  # the layout
    assert "data-desist-user" in html  # rendered with the request (the signed-in layout)
    assert '<h1 class="govuk-heading-l">Your form could not be sent</h1>' in html
    assert "Nothing you entered on that page has been saved." in html
    assert "CSRF verification failed" not in html  # Django's bare page
