"""`check --deploy` errors naming each production setting that is missing (issue 15).

With the keys checked elsewhere (field keys, pseudonym key and base URL in
desist/core/checks.py, the audit key in desist/audit/checks.py), an operator who runs
`desist check --deploy` on an empty environment gets one error per variable to set, each
naming it. Errors, not warnings: a deployment missing one must not pass.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50  # Django's own threshold (security.W009)
NOTIFY_BACKEND = "desist.core.mail_notify.NotifyEmailBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Backends that would keep alert e-mails on the server: never right in production.
NOWHERE_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
LOCAL_RELAYS = {"localhost", "127.0.0.1", "::1"}


def _missing(name: str, why: str, hint: str, id_: str) -> Error:
    return Error(f"{name} is not set: {why}.", hint=hint, id=id_)


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    # Production settings leave SECRET_KEY empty when DESIST_SECRET_KEY is unset, and Django
    # refuses any use of an empty one; here the check names it.
    try:
        value = settings.SECRET_KEY
    except ImproperlyConfigured:
        value = ""
    if len(value) >= MIN_SECRET_KEY_LENGTH:
        return []
    if value:
        return [
            Error(
                f"DESIST_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: "
                "sessions and CSRF tokens could be forged.",
                hint="Generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(64))'",
                id="desist.ops.E001",
            )
        ]
    return [
        _missing(
            "DESIST_SECRET_KEY",
            "sessions and CSRF tokens cannot be signed",
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'",
            "desist.ops.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.ALLOWED_HOSTS:
        return []
    return [
        _missing(
            "DESIST_ALLOWED_HOSTS",
            "every request would be refused (Bad Request 400)",
            "Set the host names staff use, comma-separated, e.g. desist.example.police.uk",
            "desist.ops.E002",
        )
    ]


@register(Tags.security, deploy=True)
def check_email(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Alert e-mails must leave the server: SMTP with a host, a sender and TLS (unless the
    relay is on this machine), or GOV.UK Notify with its key and template."""
    backend = settings.EMAIL_BACKEND
    if backend in NOWHERE_BACKENDS:
        return [
            Error(
                f"DESIST_EMAIL_BACKEND is {backend}: alert e-mails would never be delivered.",
                hint="Unset it (SMTP is the production default) or set DESIST_NOTIFY_API_KEY.",
                id="desist.ops.E003",
            )
        ]
    if backend == NOTIFY_BACKEND:
        return _notify_errors()
    if backend == SMTP_BACKEND:
        return _smtp_errors()
    return []


def _smtp_errors() -> list[Error]:
    errors = []
    why = "alert e-mails cannot be sent"
    if not settings.EMAIL_HOST:
        hint = "Set the SMTP server's name, or DESIST_NOTIFY_API_KEY to send through Notify."
        errors.append(_missing("DESIST_EMAIL_HOST", why, hint, "desist.ops.E004"))
    if not settings.DEFAULT_FROM_EMAIL:
        hint = "Set the address alert e-mails come from, e.g. desist@example.police.uk"
        errors.append(_missing("DESIST_EMAIL_FROM", why, hint, "desist.ops.E005"))
    if settings.EMAIL_HOST_USER and not settings.EMAIL_HOST_PASSWORD:
        hint = "Set the password of DESIST_EMAIL_USER, or unset the user."
        errors.append(_missing("DESIST_EMAIL_PASSWORD", why, hint, "desist.ops.E006"))
    remote = settings.EMAIL_HOST and settings.EMAIL_HOST not in LOCAL_RELAYS
    if remote and not (settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL):
        errors.append(
            Error(
                "Neither DESIST_EMAIL_USE_TLS nor DESIST_EMAIL_USE_SSL is set: alert e-mails "
                f"would cross the network to {settings.EMAIL_HOST} unencrypted.",
                hint="Set DESIST_EMAIL_USE_TLS=1 (STARTTLS, port 587) or DESIST_EMAIL_USE_SSL=1 "
                "(port 465).",
                id="desist.ops.E007",
            )
        )
    return errors


def _notify_errors() -> list[Error]:
    errors = []
    why = "alert e-mails cannot be sent through GOV.UK Notify"
    if not settings.DESIST_NOTIFY_API_KEY:
        hint = "Create an API key in the Notify service's settings."
        errors.append(_missing("DESIST_NOTIFY_API_KEY", why, hint, "desist.ops.E008"))
    if not settings.DESIST_NOTIFY_TEMPLATE_ID:
        hint = "Create an e-mail template whose subject is ((subject)) and body ((body))."
        errors.append(_missing("DESIST_NOTIFY_TEMPLATE_ID", why, hint, "desist.ops.E009"))
    return errors


@register(Tags.security, deploy=True)
def check_database_url(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if getattr(settings, "DESIST_DATABASE_URL_SET", True):
        return []
    return [
        _missing(
            "DATABASE_URL",
            "records would be kept in the trial SQLite file under var/ beside the code",
            "Set the PostgreSQL address as the runtime role, e.g. "
            "postgres://desist_app:PASSWORD@db.example.police.uk:5432/desist",
            "desist.ops.E010",
        )
    ]


@register(Tags.security, deploy=True)
def check_static_manifest(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With hashed static names (production), every page needs staticfiles.json: without it
    each {% static %} raises and every page answers 500 (tester finding)."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [
        Error(
            f"The static files manifest {staticfiles_storage.path(staticfiles_storage.manifest_name)} "
            "is missing: every page would answer 500.",
            hint="Run `desist collectstatic --noinput` (the Dockerfile does, into DESIST_STATIC_ROOT "
            "or staticfiles/ beside the code).",
            id="desist.ops.E011",
        )
    ]
