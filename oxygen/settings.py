"""Settings, all read from the environment (and an optional `.env` file beside manage.py).

Defaults suit a local, single-machine run: SQLite in the project folder, console e-mail,
an in-process cache. With DEBUG off the settings refuse insecure production values.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from oxygen import logging as oxygen_logging

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEVELOPMENT_SECRET_KEY = "insecure-local-development-key-never-use-in-production"

# DEBUG is off unless the environment turns it on (`bin/demo` and the test suite do). The demo
# (`bin/demo`, OXYGEN_DEMO=True) is the only run that may start with no secret at all: it uses the
# public development SECRET_KEY and a keystore key derived from it, and says so (oxygen/checks.py).
DEMO = env.bool("OXYGEN_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=DEMO)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A random key of 50 characters has far more than 20 distinct ones; a made-up one often has fewer.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT_CHARACTERS = 20

if not DEBUG:
    if (
        SECRET_KEY == DEVELOPMENT_SECRET_KEY
        or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_DISTINCT_CHARACTERS
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters (20 of them distinct) when DEBUG "
            "is off (generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names when DEBUG is off.")

INSTALLED_APPS = [
    "oxygen.admin_site.OxygenAdminConfig",  # django.contrib.admin, refusing regex lookups
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "oxygen",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "bootstrap",
    "ninja",  # the API's OpenAPI documentation page (its static files)
    "practitioners",
    "ehealth_certs",
    "eid",
    "audit",
    "api",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "oxygen.security.PermissionsPolicyMiddleware",
    "oxygen.logging.RequestIdMiddleware",
    "oxygen.upload_limits.RequestBodyLimitMiddleware",  # 413 before anything reads a too-large body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "oxygen.sessions.SessionActivityMiddleware",  # after SessionMiddleware: runs before the save
    "django.middleware.locale.LocaleMiddleware",
    "practitioners.user_language.UserLanguageMiddleware",  # the language cookie after a login
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oxygen.database.DatabaseBusyMiddleware",  # a locked database: 503 with a clear page, not a 500
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "api.calls.ApiCallAuditMiddleware",  # every API call in the audit log, refusals included
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "oxygen.urls"
WSGI_APPLICATION = "oxygen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practitioners.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. Transactions take the write lock when they begin (IMMEDIATE),
    # so a request waits its turn (up to `timeout` seconds) instead of failing with "database is
    # locked" when its read lock cannot be upgraded; see oxygen/database.py for what is left.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", env.int("SQLITE_TIMEOUT", default=20))
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
# Persistent connections (one per process, checked before reuse): opening a PostgreSQL connection
# per request cost more than a simple page (docs/benchmarks.md, benchmark 1). A URL's
# ?conn_max_age=N wins; DATABASE_CONN_MAX_AGE=0 closes after every request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://oxygen")}
# The keystore password throttle (ehealth_certs/throttle.py) counts in the cache: each process has
# its own in-process cache, so with several gunicorn workers each would keep its own counters.
IN_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
if not DEBUG and CACHES["default"]["BACKEND"] in IN_PROCESS_CACHES:
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache shared by every process (redis://host:6379/1) when DEBUG is off: "
        "the keystore password limits are counted in it."
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# django-axes checks the login throttle first; it needs the request, so tests log in with
# `client.force_login(user)` (or `authenticate(request, ...)`), never `client.login(...)`.
AUTHENTICATION_BACKENDS = [
    "oxygen.security.LoginThrottleBackend",
    "oxygen.auth_backends.ModelBackendInOneQuery",
]

# Language and time: French by default, Dutch and English in the interface; mails also in German.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["oxygen.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# A file missing from the manifest (collectstatic run with other settings) is served by its plain
# name instead of turning every page, error pages included, into a 500.
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console by default; EMAIL_URL=smtp://host:25 (or smtp+tls://user:pass@host:587) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="eHealth Oxygen <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery on Redis. The embedded default runs no broker: reminders are then sent by the
# `send_expiry_reminders` command (cron), which calls the same services in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_IMPORTS = ("ehealth_certs.reminders.tasks",)  # autodiscovery looks only for <app>.tasks

# Sessions expire after a working day without activity, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The age counts from the last request, not from the login: oxygen.sessions pushes the expiry back
# at most once a minute (SESSION_SAVE_EVERY_REQUEST would write the session on every request).
SESSION_ACTIVITY_INTERVAL = env.int("SESSION_ACTIVITY_INTERVAL", default=60)
if not 0 < SESSION_ACTIVITY_INTERVAL < SESSION_COOKIE_AGE:
    raise ImproperlyConfigured("SESSION_ACTIVITY_INTERVAL must be more than 0 and less than SESSION_COOKIE_AGE (seconds).")
# Cookie flags, security headers (CSP, permissions policy), proxies and the login throttle
# (django-axes): oxygen/security_settings.py.
from oxygen.security_settings import *  # noqa: E402,F401,F403

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logs: one console handler on the root logger that masks NISS numbers and passwords and adds
# the request id; LOG_FORMAT=json (one JSON object per line, the default with DEBUG off) or text.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_FORMAT not in oxygen_logging.LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of: {', '.join(oxygen_logging.LOG_FORMATS)}.")
LOGGING = oxygen_logging.logging_config(LOG_FORMAT, LOG_LEVEL)
# Celery workers log through the same root handler instead of replacing it with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Health (/healthz, oxygen/health.py). The Redis it pings: the Celery broker's when the environment
# sets CELERY_BROKER_URL to a Redis URL (the Docker stack does); empty (reported "not_configured", not
# a failure) for the embedded default, which runs no Redis. HEALTHZ_REDIS_URL overrides it.
HEALTHZ_REDIS_URL = env.str(
    "HEALTHZ_REDIS_URL",
    default=CELERY_BROKER_URL if "CELERY_BROKER_URL" in env.ENVIRON and CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "",
)
# /healthz fails when the daily expiry scan last ran longer ago than this (it runs every 24 hours).
HEALTHZ_MAX_SCAN_AGE_HOURS = env.int("HEALTHZ_MAX_SCAN_AGE_HOURS", default=26)

# The registry list page: rows per page, and the largest page a user may ask for.
PRACTITIONERS_PAGE_SIZE = 25
PRACTITIONERS_MAX_PAGE_SIZE = 200

# eHealth keystores.
# Stored keystores are encrypted with Fernet keys (comma-separated, each from
# `Fernet.generate_key()`): the first encrypts, all decrypt, so a new key is put first and an old
# one removed once every keystore has been re-encrypted. Only the demo may run without one: its key
# is derived from the public development SECRET_KEY, so anyone can decrypt what the demo stores.
KEYSTORE_ENCRYPTION_KEY = env.list("KEYSTORE_ENCRYPTION_KEY", default=[])
KEYSTORE_KEY_FROM_DEVELOPMENT_SECRET = not KEYSTORE_ENCRYPTION_KEY and DEMO and DEBUG
if KEYSTORE_KEY_FROM_DEVELOPMENT_SECRET:
    import base64
    import hashlib

    KEYSTORE_ENCRYPTION_KEY = [
        base64.urlsafe_b64encode(
            hashlib.sha256(b"oxygen-keystore-encryption:" + DEVELOPMENT_SECRET_KEY.encode()).digest()
        ).decode()
    ]
elif not KEYSTORE_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "KEYSTORE_ENCRYPTION_KEY must be set (only the demo, bin/demo, runs without it): one or more Fernet keys, "
        "comma-separated (generate one with: python3 -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )
else:
    from cryptography.fernet import Fernet

    for _position, _key in enumerate(KEYSTORE_ENCRYPTION_KEY, start=1):
        try:
            Fernet(_key)
        except ValueError:
            raise ImproperlyConfigured(
                f"KEYSTORE_ENCRYPTION_KEY: key number {_position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None

# Which certificates this installation accepts, and the CA bundles (PEM files) they must chain to.
# A bundle left unset makes the chain check report that the chain could not be verified.
EHEALTH_ENVIRONMENT = env.str("EHEALTH_ENVIRONMENT", default="production")
if EHEALTH_ENVIRONMENT not in ("production", "acceptance"):
    raise ImproperlyConfigured("EHEALTH_ENVIRONMENT must be 'production' or 'acceptance'.")
EHEALTH_CA_BUNDLE_PRODUCTION = env.str("EHEALTH_CA_BUNDLE_PRODUCTION", default="") or None
EHEALTH_CA_BUNDLE_ACCEPTANCE = env.str("EHEALTH_CA_BUNDLE_ACCEPTANCE", default="") or None
# A keystore is usually 7-8 KB: anything above this is refused before it is read whole.
KEYSTORE_MAX_BYTES = 256 * 1024
# Renewal is possible from 3 months before expiry: the certificate shows as "expiring" from then.
EHEALTH_RENEWAL_WINDOW_MONTHS = 3
# Revocation status from the CA's OCSP responder (at upload, in `keystore inspect`, daily):
# EHEALTH_REVOCATION_CHECK=off for installations without outbound network. Timeout in seconds;
# the daily re-check asks at most EHEALTH_REVOCATION_CHECK_WORKERS responders at once; /healthz
# fails when an active certificate had no verified answer for HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS.
EHEALTH_REVOCATION_CHECK = env.bool("EHEALTH_REVOCATION_CHECK", default=True)
EHEALTH_REVOCATION_TIMEOUT = env.float("EHEALTH_REVOCATION_TIMEOUT", default=5.0)
EHEALTH_REVOCATION_CHECK_WORKERS = env.int("EHEALTH_REVOCATION_CHECK_WORKERS", default=4)
HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS = env.int("HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS", default=3)
# Wrong keystore passwords allowed per record and per user within the window, before a pause.
KEYSTORE_PASSWORD_MAX_FAILURES = 5
KEYSTORE_PASSWORD_FAILURE_WINDOW = 15 * 60  # seconds
# Keystore validations (right password or not) per user within the same window: each one derives
# keys for a while, so one account cannot keep the workers busy.
KEYSTORE_VALIDATIONS_PER_USER = env.int("KEYSTORE_VALIDATIONS_PER_USER", default=30)

# Uploads: a keystore stays in memory; anything bigger goes to a temporary file, never to RAM.
# Form fields other than files are small everywhere in this project.
FILE_UPLOAD_MAX_MEMORY_SIZE = KEYSTORE_MAX_BYTES + 1
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Whole request bodies (oxygen/upload_limits.py): larger ones get 413 before they are read.
# 6 MB leaves room for the 5 MB CSV import; keystore pages (files of about 8 KB) accept 1 MB.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=6 * 1024 * 1024)
MAX_REQUEST_BODY_BYTES_BY_URL_NAME = {
    "ehealth_certs:upload": 1024 * 1024,
    "ehealth_certs:password_file": 1024 * 1024,
}


# Expiry reminders
# The daily scan (Celery beat, or `manage.py send_expiry_reminders` from cron) e-mails each
# practitioner when the renewal window opens (EHEALTH_RENEWAL_WINDOW_MONTHS before expiry), then
# these many days before expiry, and once when it has expired; administrators get one digest a day.
from urllib.parse import urlsplit  # noqa: E402

from celery.schedules import crontab  # noqa: E402

EHEALTH_REMINDER_DAYS_BEFORE = [30, 7, 1]
# Links in the mails: the address users reach this site at.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The right-hand side of the reminders' Message-IDs.
EHEALTH_REMINDER_MESSAGE_ID_DOMAIN = env.str(
    "EHEALTH_REMINDER_MESSAGE_ID_DOMAIN", default=urlsplit(SITE_URL).hostname or "localhost"
)
# Attempts per mail (the first plus Celery's retries), and how long a mail may stay "sending"
# before a worker that died while sending it is presumed lost. The retries wait RETRY_BACKOFF
# seconds, then twice as long each time, at most RETRY_BACKOFF_MAX: with the defaults 1, 2, 4, 8
# and 15 minutes, so the sixth attempt comes about half an hour after the first and an SMTP
# server down for a few minutes loses no reminder.
EHEALTH_REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)
EHEALTH_REMINDER_RETRY_BACKOFF = env.int("REMINDER_RETRY_BACKOFF", default=60)  # seconds
EHEALTH_REMINDER_RETRY_BACKOFF_MAX = env.int("REMINDER_RETRY_BACKOFF_MAX", default=15 * 60)  # seconds
if not 1 <= EHEALTH_REMINDER_RETRY_BACKOFF <= EHEALTH_REMINDER_RETRY_BACKOFF_MAX:
    raise ImproperlyConfigured("REMINDER_RETRY_BACKOFF must be at least 1 and at most REMINDER_RETRY_BACKOFF_MAX (seconds).")
EHEALTH_REMINDER_SENDING_LEASE = timedelta(seconds=env.int("REMINDER_SENDING_LEASE_SECONDS", default=10 * 60))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
REMINDER_SCAN_HOUR = env.int("REMINDER_SCAN_HOUR", default=7)
REMINDER_SCAN_MINUTE = env.int("REMINDER_SCAN_MINUTE", default=0)
CELERY_BEAT_SCHEDULE["ehealth-expiry-scan"] = {
    "task": "ehealth_certs.tasks.scan_expiring_certificates",
    "schedule": crontab(hour=REMINDER_SCAN_HOUR, minute=REMINDER_SCAN_MINUTE),  # CELERY_TIMEZONE: Europe/Brussels
}
# Re-encrypted keystores offered for one download and never fetched are deleted once expired.
CELERY_BEAT_SCHEDULE["ehealth-purge-expired-downloads"] = {
    "task": "ehealth_certs.tasks.purge_expired_downloads",
    "schedule": crontab(hour=3, minute=30),
}
# Mails still owed (a worker died, the SMTP server was down) are enqueued again this often.
CELERY_BEAT_SCHEDULE["ehealth-redeliver-owed-reminders"] = {
    "task": "ehealth_certs.tasks.redeliver_owed_reminders",
    "schedule": timedelta(minutes=env.int("REMINDER_SWEEP_MINUTES", default=15)),
}

# Certificate life cycle.
# The Belgian eID middleware's PKCS#11 module, for "Read eID" (the card reader is attached to the
# machine that runs Django). The default is where the eID middleware's Debian/Ubuntu package
# (libbeidpkcs11-0, from the eid-mw repository of eid.belgium.be, not in Debian's own archive)
# installs it on amd64: an assumption, set the variable for other systems.
EID_PKCS11_MODULE = env.str("EID_PKCS11_MODULE", default="/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0")
# eID PIN attempts per user within KEYSTORE_PASSWORD_FAILURE_WINDOW (the card itself locks after 3
# wrong PINs in a row: this keeps one account from trying PINs on the server's reader without end).
EID_PIN_ATTEMPTS_PER_USER = env.int("EID_PIN_ATTEMPTS_PER_USER", default=5)
# A keystore re-encrypted under a new password can be downloaded once, within this many seconds.
KEYSTORE_DOWNLOAD_TTL = env.int("KEYSTORE_DOWNLOAD_TTL", default=10 * 60)
