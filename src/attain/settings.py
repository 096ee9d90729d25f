"""Django settings for Attain.

Everything a deployment changes comes from the environment:
- ``ATTAIN_DATABASE_URL``: the app database (default: SQLite file ``var/attain.sqlite3``).
- ``ATTAIN_WAREHOUSE_URL``: the warehouse (default: ``duckdb:///var/warehouse.duckdb``),
  read only by :mod:`attain.warehouse.connection`.
- ``ATTAIN_SECRET_KEY``: otherwise a key is generated on first run into ``var/secret_key``
  so no secret ever lives in the repository.
- ``ATTAIN_DEBUG``, ``ATTAIN_ALLOWED_HOSTS``.
- ``ATTAIN_HTTPS`` (``1``: HTTPS only: secure cookies, redirect, HSTS for
  ``ATTAIN_HSTS_SECONDS``), ``ATTAIN_BEHIND_PROXY`` (``1``: trust X-Forwarded-Proto from
  the TLS-terminating proxy). See docs/deployment.md.
- ``ATTAIN_FISCAL_YEAR_START``: the calendar month (1–12, default 1) the company's fiscal
  year starts in; every default period (metric grains, quotas, runs, pages) follows it
  through :func:`attain.core.company.company_calendar`. See docs/periods.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import plotly

from attain.paths import var_dir

VAR_DIR = var_dir()
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    configured = os.environ.get("ATTAIN_SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _fiscal_year_start() -> int:
    """The month the fiscal year starts in, refused at start-up unless it is 1–12 (a typo
    must not silently shift every quarter)."""
    from django.core.exceptions import ImproperlyConfigured

    configured = os.environ.get("ATTAIN_FISCAL_YEAR_START", "").strip() or "1"
    if not configured.isdigit() or not 1 <= int(configured) <= 12:
        raise ImproperlyConfigured(
            f"ATTAIN_FISCAL_YEAR_START must be a month number 1-12, got {configured!r}")
    return int(configured)


SECRET_KEY = _secret_key()
FISCAL_YEAR_START = _fiscal_year_start()
DEBUG = os.environ.get("ATTAIN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ATTAIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "attain.core",
    "attain.org",
    "attain.warehouse",
    "attain.territories",
    "attain.targets",
    "attain.plans",
    "attain.engine",
    "attain.metrics",
    "attain.ingest",
    "attain.payouts",
    "attain.forecast",
    "attain.engage",
    "attain.api",
    "attain.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "attain.web.display.DisplayMiddleware",  # the reader's date format and time zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "attain.urls"
WSGI_APPLICATION = "attain.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "attain.web.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("ATTAIN_DATABASE_URL", f"sqlite:///{VAR_DIR / 'attain.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a calculation writes its run record.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# plotly.js ships inside the plotly wheel: served as static/plotly/plotly.min.js, no CDN.
STATICFILES_DIRS = [("plotly", Path(plotly.__file__).resolve().parent / "package_data")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG and os.environ.get("ATTAIN_HTTPS", "0") == "1":
    # Served over HTTPS only: cookies never sent in clear, plain HTTP redirected, browsers
    # told to stay on HTTPS (HSTS; ATTAIN_HSTS_SECONDS, a year unless set). /healthz stays
    # reachable over HTTP for a load balancer's probe inside the network.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("ATTAIN_HSTS_SECONDS", str(365 * 24 * 3600)))
    if os.environ.get("ATTAIN_BEHIND_PROXY", "0") == "1":
        # The TLS-terminating proxy says the scheme in X-Forwarded-Proto; only trusted when
        # the proxy sets it on every request (and drops a client's own), see deployment.md.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Long work (runs, imports) goes to the database queue, worked by ``attain serve``'s worker;
# ATTAIN_TASKS=immediate runs it inside the request instead (the tests set it).
TASKS = {"default": {"BACKEND": (
    "django_tasks.backends.immediate.ImmediateBackend"
    if os.environ.get("ATTAIN_TASKS") == "immediate" else "django_tasks_db.DatabaseBackend")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ATTAIN_LOG_LEVEL", "WARNING")},
}
