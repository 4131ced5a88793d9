"""`check --deploy` errors for keys production cannot run without (issue 12).

Field-encryption keys (DESIST_FIELD_KEYS) and the pseudonym key (DESIST_PSEUDONYM_KEY) have
demo fallbacks derived from the secret key; a deployment must set its own. These are errors,
not warnings: a deployment with them missing must not pass its check. (The audit key's check
is the audit app's: desist/audit/checks.py.)
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_PSEUDONYM_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def check_field_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    keys = [k.strip() for k in (settings.DESIST_FIELD_KEYS or "").split(",") if k.strip()]
    if not keys:
        return [
            Error(
                "DESIST_FIELD_KEYS is not set: victims' details would be encrypted with a key "
                "derived from the secret key.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="desist.core.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    f"DESIST_FIELD_KEYS: key {position} of {len(keys)} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes).",
                    id="desist.core.E002",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_pseudonym_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    key = settings.DESIST_PSEUDONYM_KEY or ""
    if len(key) >= MIN_PSEUDONYM_KEY_LENGTH:
        return []
    problem = "is not set" if not key else f"is shorter than {MIN_PSEUDONYM_KEY_LENGTH} characters"
    return [
        Error(
            f"DESIST_PSEUDONYM_KEY {problem}: evaluation extracts' pseudonyms could be reversed.",
            hint="Set a random secret of at least 32 characters, kept apart from the database.",
            id="desist.core.E003",
        )
    ]


@register(Tags.security, deploy=True)
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Alert e-mails link to the record by DESIST_BASE_URL: unset or relative, the link is
    useless to a recipient reading the e-mail outside Desist (issue 12). In production it is
    https: a plain-http link would send the session cookie's owner to a page that refuses it."""
    url = (settings.DESIST_BASE_URL or "").strip()
    parts = urlsplit(url)
    if url and parts.scheme == "https" and parts.netloc:
        return []
    problem = "is not set" if not url else f"is not an absolute https address: {url!r}"
    return [
        Error(
            f"DESIST_BASE_URL {problem}: alert e-mails would carry broken links.",
            hint="Set it to where staff reach Desist, e.g. https://desist.example.police.uk",
            id="desist.core.E010",
        )
    ]


# --- unsafe production switches (security test finding) -------------------------------------
# The broadest prefix a trusted proxy may be: anything wider trusts most of the internet's (or a
# whole provider's) X-Forwarded-For, so any client could choose the address audit rows record.
MIN_PROXY_PREFIX = {4: 8, 6: 32}


@register(Tags.security, deploy=True)
def check_debug_off(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.DEBUG:
        return []
    return [
        Error(
            "DESIST_DEBUG is on: error pages would show settings, queries and personal data.",
            hint="Unset DESIST_DEBUG (or set it to 0) in production.",
            id="desist.core.E011",
        )
    ]


@register(Tags.security, deploy=True)
def check_ssl_redirect(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Plain http is refused by redirecting it to https. Turning the redirect off is only safe
    when a trusted reverse proxy terminates TLS (and redirects http itself) and says so in
    X-Forwarded-Proto: DESIST_TRUSTED_PROXIES set and SECURE_PROXY_SSL_HEADER configured."""
    if settings.SECURE_SSL_REDIRECT:
        return []
    if settings.DESIST_TRUSTED_PROXIES and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    return [
        Error(
            "DESIST_SSL_REDIRECT is off and no trusted proxy terminates TLS: sign-in and "
            "records could be sent over plain http.",
            hint="Leave DESIST_SSL_REDIRECT on, or set DESIST_TRUSTED_PROXIES to the proxy "
            "that terminates TLS and redirects http to https (docs/deployment.md).",
            id="desist.core.E012",
        )
    ]


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for proxy in settings.DESIST_TRUSTED_PROXIES:
        network = ipaddress.ip_network(proxy, strict=False)
        if network.prefixlen < MIN_PROXY_PREFIX[network.version]:
            errors.append(
                Error(
                    f"DESIST_TRUSTED_PROXIES: {proxy} is too broad (shorter than "
                    f"/{MIN_PROXY_PREFIX[network.version]}): any client in it could forge "
                    "the address recorded in the audit log.",
                    hint="List only the addresses of your own reverse proxies.",
                    id="desist.core.E013",
                )
            )
    return errors


S3_BACKEND = "storages.backends.s3.S3Storage"


@register(Tags.security, deploy=True)
def check_documents_bucket(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The S3 documents backend with no bucket named: every upload would fail at the first
    attempt, in front of a user, rather than at deployment (issue 18)."""
    documents = settings.STORAGES.get("documents", {})
    if documents.get("BACKEND") != S3_BACKEND:
        return []
    if str(documents.get("OPTIONS", {}).get("bucket_name") or "").strip():
        return []
    return [
        Error(
            "DESIST_DOCUMENTS_STORAGE is s3 but DESIST_S3_BUCKET is not set: documents could "
            "not be stored.",
            hint="Set DESIST_S3_BUCKET to the private bucket for documents (docs/deployment.md).",
            id="desist.core.E014",
        )
    ]
