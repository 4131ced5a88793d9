"""Desist settings. Everything that varies by deployment is read from the environment.

DESIST_ENV: demo | dev | test | production. DEBUG is off unless DESIST_DEBUG=1.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from desist.ops.logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


_running_tests = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
DESIST_ENV = env("DESIST_ENV") or ("test" if _running_tests else "dev")
if DESIST_ENV not in {"demo", "dev", "test", "production"}:
    raise ImproperlyConfigured(
        f"DESIST_ENV must be demo, dev, test or production, not {DESIST_ENV!r}"
    )
PRODUCTION = DESIST_ENV == "production"

DEBUG = env_bool("DESIST_DEBUG", False)

_secret = env("DESIST_SECRET_KEY")
# The fallback key is only for demo, dev and test. Production without one keeps it empty:
# Django refuses every use of an empty key, and `check --deploy` (desist/ops/checks.py) names
# it beside every other missing variable, so gunicorn's start-up check refuses to serve.
SECRET_KEY = _secret or (
    "" if PRODUCTION else "desist-insecure-development-key-not-for-production-use-0123456789"
)

ALLOWED_HOSTS = [h.strip() for h in (env("DESIST_ALLOWED_HOSTS") or "").split(",") if h.strip()]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "desist.core",
    "desist.audit",
    "desist.accounts",
    "desist.people",
    "desist.cases",
    "desist.safeguarding",
    "desist.orders",
    "desist.risk",
    "desist.programme",
    "desist.sharing",
    "desist.documents",
    "desist.tasks",
    "desist.reviews",
    "desist.evaluation",
    "desist.imports",
    "desist.transfers",
    "desist.events",
    "desist.jobs",
    "desist.home",
    "desist.retention",
    "desist.sar",
    "desist.demo",
    "django_structlog",
    "desist.ops",
    "desist.api",
    "ninja",  # the API docs page's template and its (local) Swagger UI files
]

MIDDLEWARE = [
    "desist.ops.metrics.MetricsMiddleware",
    "desist.ops.probes.ProbeHostMiddleware",  # before anything reads the Host
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "desist.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "desist.core.middleware.CleanTextInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "desist.ops.request_log.RequestLogMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "desist.accounts.retirement.RetiredOrganisationMiddleware",  # issue 16
    "desist.accounts.middleware.SessionLifetimeMiddleware",
    "desist.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "desist.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "desist" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "desist.navigation.context",
                "desist.core.marking.context",
                "desist.sharing.context_processors.break_glass",
                "desist.transfers.context_processors.transfer_notice",
                "desist.accounts.context_processors.session_timeout",
            ],
        },
    }
]

_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'desist.sqlite3'}"
# Unset in production, `check --deploy` names it (desist/ops/checks.py): the default is a trial.
DESIST_DATABASE_URL_SET = bool(env("DATABASE_URL"))
try:
    DATABASES = {
        "default": dj_database_url.parse(env("DATABASE_URL") or _default_sqlite, conn_max_age=60)
    }
except ValueError as _error:  # an unknown scheme, a malformed address
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database address Desist can use (postgresql://... or "
        f"sqlite:///...): {_error}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The database file 0600 and var/ 0700 before SQLite first opens it (issue 12).
    from desist.core.sqlite_files import secure_sqlite_files

    secure_sqlite_files(DATABASES["default"]["NAME"], own_directory=BASE_DIR / "var")
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: compiling took 749 ms of a 779 ms police home query (issue 21); short queries
    # never repay it. A libpq startup option, so every connection has it (docs/performance.md).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if DESIST_ENV == "test":
    # Argon2 is deliberately slow; tests make hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle timeout and absolute lifetime, both in minutes.
DESIST_IDLE_TIMEOUT_MINUTES = env_int("DESIST_IDLE_TIMEOUT_MINUTES", 30)
DESIST_SESSION_MAX_HOURS = env_int("DESIST_SESSION_MAX_HOURS", 10)
# The timeout warning ("Stay signed in") opens this many seconds before the idle sign-out.
DESIST_IDLE_WARNING_SECONDS = env_int("DESIST_IDLE_WARNING_SECONDS", 120)
SESSION_COOKIE_AGE = DESIST_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Two-factor: required everywhere except demo mode (and tests that opt out).
DESIST_REQUIRE_2FA = env_bool("DESIST_REQUIRE_2FA", DESIST_ENV not in {"demo", "test"})
OTP_TOTP_ISSUER = "Desist"
# Webhook endpoints on this machine (http, loopback): the tests' own receiver only (DEBUG allows
# them too). Not the demo: a public demo would let an administrator probe its own ports (ADR 0035).
DESIST_WEBHOOKS_ALLOW_LOCAL = DESIST_ENV == "test"
# Wrong codes make the next try wait 1, 2, 4, 8 ... seconds (django-otp's back-off, per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Adding or replacing an authenticator needs the password typed again within this many minutes.
DESIST_REAUTH_MINUTES = env_int("DESIST_REAUTH_MINUTES", 5)
DESIST_DEMO_PASSWORD = env("DESIST_DEMO_PASSWORD") or "demo-password-2026"

# SPO renewal review: orders ending within this many days appear in the police queue.
DESIST_ORDER_REVIEW_WINDOW_DAYS = env_int("DESIST_ORDER_REVIEW_WINDOW_DAYS", 56)

# Break-glass access to a record outside the user's scope lasts this many minutes.
DESIST_BREAK_GLASS_MINUTES = env_int("DESIST_BREAK_GLASS_MINUTES", 30)
# Break-glass requests a user may make in a (local) day before each needs a supervisor.
DESIST_BREAK_GLASS_DAILY_CAP = env_int("DESIST_BREAK_GLASS_DAILY_CAP", 3)

# Where the accessibility statement tells people to ask for another format or report a problem.
DESIST_ACCESSIBILITY_EMAIL = env("DESIST_ACCESSIBILITY_EMAIL") or "accessibility@desist.example"

# Victims' self-referral form: which advocacy service receives it (organisation code; default
# the first advocacy service), at most N submissions per client address per window (seconds),
# and the least time a person takes to fill it in (faster is a bot). The limit counts in the
# cache: production needs a shared cache (CACHES) so every worker counts together.
DESIST_SELF_REFERRAL_SERVICE = env("DESIST_SELF_REFERRAL_SERVICE") or ""
DESIST_SELF_REFERRAL_RATE = (
    env_int("DESIST_SELF_REFERRAL_LIMIT", 5),
    env_int("DESIST_SELF_REFERRAL_WINDOW_SECONDS", 3600),
)
DESIST_SELF_REFERRAL_MIN_SECONDS = env_int("DESIST_SELF_REFERRAL_MIN_SECONDS", 3)
# Over the limit above a submission is still stored, held for a check (a refuge, library or
# mobile network shares one address); only over this hard limit per window is one refused.
DESIST_SELF_REFERRAL_HARD_LIMIT = env_int("DESIST_SELF_REFERRAL_HARD_LIMIT", 50)

# The client's address (docs/adr/0016): the reverse proxies in front of Desist, as addresses or
# CIDR prefixes, comma-separated. Only a request arriving from one of them has its
# X-Forwarded-For believed; empty trusts no proxy and uses the connecting address. One helper
# (desist.core.context.client_address_of) serves audit rows, the self-referral limit and axes
# (AXES_CLIENT_IP_CALLABLE, in the lockout section).
DESIST_TRUSTED_PROXIES = tuple(
    p.strip() for p in (env("DESIST_TRUSTED_PROXIES") or "").split(",") if p.strip()
)
for _proxy in DESIST_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DESIST_TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR prefix"
        ) from None

# A cache shared by every web process and worker (the self-referral limit counts in it): the
# database, so nothing more to run. A migration (core 0002) creates its table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "desist_cache",
        # Culling at the default 300 entries would let a flood of addresses evict counters.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}

_cache_url = env("DESIST_CACHE_URL") or ""
if _cache_url:
    # Redis instead (redis://...): needs the `redis` package installed beside Desist.
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_url,
    }

# Background jobs (desist/jobs, ADR 0025): Django's tasks API on the database, run by
# `desist worker` (several on PostgreSQL claim with SELECT ... FOR UPDATE SKIP LOCKED); the
# schedule is desist/jobs/schedule.py. A worker silent for DESIST_WORKER_DEAD_SECONDS is taken
# for dead and its running job is run again; /readyz fails when the last successful alerts
# pass is older than DESIST_ALERTS_STALE_SECONDS.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "alerts", "mail", "evaluation"],
    }
}
DESIST_ALERTS_INTERVAL_SECONDS = env_int("DESIST_ALERTS_INTERVAL_SECONDS", 30)
DESIST_WORKER_DEAD_SECONDS = env_int("DESIST_WORKER_DEAD_SECONDS", 60)
DESIST_ALERTS_STALE_SECONDS = env_int("DESIST_ALERTS_STALE_SECONDS", 180)
DESIST_EVALUATION_TIME_LIMIT = env_int("DESIST_EVALUATION_TIME_LIMIT", 1800)
# A run still queued after this long is failed (no evaluation worker); waiting behind other
# runs is normal and does not count against the time limit above.
DESIST_EVALUATION_QUEUED_LIMIT = env_int("DESIST_EVALUATION_QUEUED_LIMIT", 6 * 3600)

# Where the service is reached, for links in e-mails (alerts). Set it in production.
DESIST_BASE_URL = env("DESIST_BASE_URL") or (
    "" if PRODUCTION else f"http://127.0.0.1:{env('PORT') or '8000'}"
)
# Whether the address above was given, not guessed: pages that name the service's address
# (the accessibility statement) use the address they were reached at otherwise.
DESIST_BASE_URL_SET = bool(env("DESIST_BASE_URL"))

# Field encryption keys (Fernet, comma-separated, newest first). See desist/core/crypto.py.
DESIST_FIELD_KEYS = env("DESIST_FIELD_KEYS") or ""

# Keyed-hash pseudonyms in evaluation extracts (HMAC-SHA256). Stable across extracts; without
# the key a pseudonym cannot be reversed. Production must set it; demo, dev and test derive one
# from the secret key (see desist/evaluation/privacy.py and docs/adr/0008).
DESIST_PSEUDONYM_KEY = env("DESIST_PSEUDONYM_KEY") or ""
# The audit hash chain's HMAC key (desist/audit/chain.py). Keep it apart from the database (a
# secret store), so that whoever can write the database cannot re-chain altered rows.
# Production must set it (check --deploy); demo, dev and test use a published demo key.
DESIST_AUDIT_HMAC_KEY = env("DESIST_AUDIT_HMAC_KEY") or ""
# Oversight: more record views than this by one person between 20:00 and 07:00 is flagged.
DESIST_BULK_VIEW_THRESHOLD = env_int("DESIST_BULK_VIEW_THRESHOLD", 20)
# Evaluation reports for more than this many people are generated in a background thread with
# a progress page; smaller ones run within the request.
DESIST_EVALUATION_SYNC_MAX = env_int(
    "DESIST_EVALUATION_SYNC_MAX", 100_000 if DESIST_ENV == "test" else 400
)

# Sign-in throttling (django-axes; desist/accounts/lockout.py, ADR 0015): failures counted per
# username from one address (5), per address (20) and per username from addresses it has not
# signed in from (50); the cool-off (15 minutes) doubles with each further 5 failures from an
# address in a day, up to a day. The owner at their usual address is not locked out by others.
AXES_FAILURE_LIMIT = env_int("DESIST_LOCKOUT_ATTEMPTS", 5)
DESIST_LOCKOUT_SOURCE_ATTEMPTS = env_int("DESIST_LOCKOUT_SOURCE_ATTEMPTS", 20)
DESIST_LOCKOUT_ACCOUNT_ATTEMPTS = env_int("DESIST_LOCKOUT_ACCOUNT_ATTEMPTS", 50)
DESIST_LOCKOUT_KNOWN_DAYS = env_int("DESIST_LOCKOUT_KNOWN_DAYS", 90)
DESIST_LOCKOUT_MINUTES = env_int("DESIST_LOCKOUT_MINUTES", 15)
AXES_HANDLER = "desist.accounts.lockout.DesistAxesHandler"
AXES_LOCKOUT_PARAMETERS = "desist.accounts.lockout.lockout_parameters"
AXES_COOLOFF_TIME = "desist.accounts.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "desist.accounts.lockout.lockout_response"
# The one client-address helper (trusted proxies only), as for audit rows and rate limits.
AXES_CLIENT_IP_CALLABLE = "desist.core.context.client_address_of"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# A failed CSRF check shows a GOV.UK page (templates/403_csrf.html), not Django's bare one.
CSRF_FAILURE_VIEW = "desist.core.views.csrf_failure"

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DESIST_SSL_REDIRECT", True)
    # Probes and the metrics scraper talk to the server directly, often over plain http; these
    # answers carry no personal data (/metrics is still restricted: desist/ops/metrics.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if DESIST_TRUSTED_PROXIES:
        # Believed only behind a declared proxy, which must set (not pass on) this header;
        # without one, any client could claim HTTPS.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # The service's own origin: a form posted from it passes the Origin check even if a proxy
    # in front reports the scheme or host differently from how the browser saw them.
    if "://" in DESIST_BASE_URL:
        _base = urllib.parse.urlsplit(DESIST_BASE_URL)
        CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# Static assets: GOV.UK Frontend, MoJ Frontend and htmx come from npm (node_modules), no CDN.
# Their CSS refers to /assets/fonts and /assets/images, so static is served at /assets/.
STATIC_URL = "/assets/"
STATIC_ROOT = Path(env("DESIST_STATIC_ROOT") or BASE_DIR / "staticfiles")
_npm = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("govuk", _npm / "govuk-frontend" / "dist" / "govuk"),
    ("fonts", _npm / "govuk-frontend" / "dist" / "govuk" / "assets" / "fonts"),
    ("images", _npm / "govuk-frontend" / "dist" / "govuk" / "assets" / "images"),
    ("images", _npm / "@ministryofjustice" / "frontend" / "moj" / "assets" / "images"),
    ("moj", _npm / "@ministryofjustice" / "frontend" / "moj"),
    ("htmx", _npm / "htmx.org" / "dist"),
]
# Production: hashed names and gzip/brotli copies (WhiteNoise), so every asset is served with
# `Cache-Control: max-age=315360000, public, immutable`; demo and test keep plain storage.
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Documents attached to records (issue 18, ADR 0032): encrypted before they reach storage.
# "filesystem" (demo, dev, test) keeps them in DESIST_DOCUMENTS_DIR, outside the source tree's
# tracked files (var/ is ignored by git; tests use a temporary directory); "s3" keeps them in an
# S3-compatible bucket (production; docs/deployment.md).
DESIST_DOCUMENTS_STORAGE = env("DESIST_DOCUMENTS_STORAGE") or ("s3" if PRODUCTION else "filesystem")
if DESIST_DOCUMENTS_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(
        f"DESIST_DOCUMENTS_STORAGE must be filesystem or s3, not {DESIST_DOCUMENTS_STORAGE!r}"
    )


def _test_documents_dir() -> str:
    """A temporary directory removed when the process that made it exits (not a forked child)."""
    path, owner = tempfile.mkdtemp(prefix="desist-documents-"), os.getpid()

    def _remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(_remove)
    return path


DESIST_DOCUMENTS_DIR = Path(
    env("DESIST_DOCUMENTS_DIR")
    or (_test_documents_dir() if DESIST_ENV == "test" else BASE_DIR / "var" / "documents")
)
# The largest file a user may attach, in megabytes (of the file as uploaded).
DESIST_DOCUMENT_MAX_MB = env_int("DESIST_DOCUMENT_MAX_MB", 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, (DESIST_DOCUMENT_MAX_MB + 1) * 1024 * 1024)
# The largest record-system export a supervisor may upload to import (issue 17), in megabytes:
# about 100,000 rows.
DESIST_IMPORT_MAX_MB = env_int("DESIST_IMPORT_MAX_MB", 20)
if DESIST_DOCUMENTS_STORAGE == "s3":
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("DESIST_S3_BUCKET") or "",
            "endpoint_url": env("DESIST_S3_ENDPOINT_URL") or None,
            "region_name": env("DESIST_S3_REGION") or None,
            "access_key": env("DESIST_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("DESIST_S3_SECRET_ACCESS_KEY") or None,
            "location": env("DESIST_S3_PREFIX") or "documents",
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,
            "querystring_auth": True,  # never a public URL; downloads go through Desist anyway
        },
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(DESIST_DOCUMENTS_DIR),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }

WHITENOISE_USE_FINDERS = DESIST_ENV in {"dev", "test"}
WHITENOISE_AUTOREFRESH = DESIST_ENV == "dev"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
# The en-gb locale's own formats ('7 Dec 2026') win over the two above unless overridden.
FORMAT_MODULE_PATH = ["desist.core.formats"]

EMAIL_BACKEND = env("DESIST_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
# The SMTP server (issue 12). STARTTLS (DESIST_EMAIL_USE_TLS, usually port 587) or implicit TLS
# (DESIST_EMAIL_USE_SSL, usually 465), not both. The timeout (seconds, every connect and read)
# bounds how long a server that accepts and never answers can hold the delivery pass.
EMAIL_HOST = env("DESIST_EMAIL_HOST") or ("" if PRODUCTION else "localhost")
EMAIL_PORT = env_int("DESIST_EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("DESIST_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("DESIST_EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set DESIST_EMAIL_USE_TLS or DESIST_EMAIL_USE_SSL, not both")
EMAIL_HOST_USER = env("DESIST_EMAIL_USER") or ""
EMAIL_HOST_PASSWORD = env("DESIST_EMAIL_PASSWORD") or ""
DEFAULT_FROM_EMAIL = env("DESIST_EMAIL_FROM") or ("" if PRODUCTION else "desist@localhost")
EMAIL_TIMEOUT = env_int("DESIST_EMAIL_TIMEOUT", 10)
# How long a worker holds an e-mail while sending it; one killed mid-send leaves it for this long.
DESIST_EMAIL_SEND_LEASE_SECONDS = env_int("DESIST_EMAIL_SEND_LEASE_SECONDS", 300)
if not 1 <= EMAIL_TIMEOUT <= 120:
    raise ImproperlyConfigured("DESIST_EMAIL_TIMEOUT must be between 1 and 120 seconds")

# GOV.UK Notify instead of SMTP (desist/core/mail_notify.py): with an API key set (and no
# DESIST_EMAIL_BACKEND), e-mails go through Notify's one template of ((subject)) and ((body)).
DESIST_NOTIFY_API_KEY = env("DESIST_NOTIFY_API_KEY") or ""
DESIST_NOTIFY_TEMPLATE_ID = env("DESIST_NOTIFY_TEMPLATE_ID") or ""
DESIST_NOTIFY_REPLY_TO_ID = env("DESIST_NOTIFY_REPLY_TO_ID") or ""
DESIST_NOTIFY_BASE_URL = env("DESIST_NOTIFY_BASE_URL") or "https://api.notifications.service.gov.uk"
if DESIST_NOTIFY_API_KEY and not env("DESIST_EMAIL_BACKEND"):
    EMAIL_BACKEND = "desist.core.mail_notify.NotifyEmailBackend"

# Logs: JSON lines on stderr with timestamp, level, request id and user id, never personal
# data (desist/ops/logs.py). Request lines are INFO, so production logs them by default.
LOGGING = logging_config(level=env("DESIST_LOG_LEVEL") or ("INFO" if PRODUCTION else "WARNING"))
configure_structlog()
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # a client address is personal data

# Prometheus metrics at /metrics (desist/ops/metrics.py): with a token, only a scraper that
# sends "Authorization: Bearer <token>"; without one, only a direct connection from this host.
DESIST_METRICS_TOKEN = env("DESIST_METRICS_TOKEN") or ""

SILENCED_SYSTEM_CHECKS: list[str] = []
