"""Django settings for collabstate's web layer.

Everything that differs between a laptop and production comes from the environment:

- ``DATABASE_URL``: PostgreSQL (or any database dj-database-url understands); default SQLite in
  WAL mode at ``$COLLABSTATE_VAR/collabstate.sqlite3`` (``./var/`` by default).
- ``COLLABSTATE_PRODUCTION=1``: HTTPS-only cookies, HSTS, SSL redirect, no debug; then
  ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` must be set.
- ``COLLABSTATE_SITE_URL``: the site's public address, e.g. ``https://survey.example.org``, that links
  in e-mails start with (default ``http://127.0.0.1:8000``; required in production; checked at start,
  :mod:`.checks`).
- ``DJANGO_EMAIL_BACKEND`` / ``EMAIL_*``: invitations go to files under ``var/mail`` by default.
- ``DEFAULT_FROM_EMAIL``: the e-mails' From address; ``COLLABSTATE_REPLY_TO``: their Reply-To (none by default).
- ``COLLABSTATE_TOKEN_FAILURES``: unknown-token look-ups allowed per address (default ``30/m``).
- ``COLLABSTATE_SIGN_IN_FAILURES``: failed sign-ins (admin and workspace) allowed per account and
  address (default ``10/15m``); ``COLLABSTATE_SIGN_IN_ADDRESS_FAILURES`` per address over all
  accounts (default ``100/15m``).
- ``COLLABSTATE_PASSWORD_RESETS``: password-reset e-mails an address may ask for (default ``5/15m``).
- ``COLLABSTATE_OPEN_LINK_STARTS``: respondents an address may start on open links (default ``60/10m``).
- ``COLLABSTATE_OIDC_*``: optional single sign-on through OpenID Connect (at the end; docs/sign-in.md).
- ``COLLABSTATE_TRUSTED_PROXIES``: how many reverse proxies stand in front of the site (default 0);
  with one or more, a client's address for the limits above is read from ``X-Forwarded-For``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PRODUCTION = os.environ.get("COLLABSTATE_PRODUCTION", "") == "1"
#: Public (it is in the source): refused in production by ``check --deploy`` and at start (:mod:`.checks`).
DEVELOPMENT_SECRET_KEY = "collabstate-development-key-not-for-production-use-0123456789"
VAR_DIR = Path(os.environ.get("COLLABSTATE_VAR", "var")).resolve()

DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1" and not PRODUCTION
if PRODUCTION:
    # Missing ones are left empty here and refused with a clear message by the deployment checks
    # and at start (collabstate serve, manage.py, the WSGI module: .checks.production_problems).
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
else:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "collabstate.web.surveys",
    "collabstate.web.workspace",
    "collabstate.web.throttle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files leave here: what follows is for pages
    "csp.middleware.CSPMiddleware",
    "collabstate.web.headers.NoStore",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "collabstate.web.errors.CollabstateErrorMiddleware",  # the error family as a page (web/errors.py)
    "collabstate.web.throttle.sign_in.ThrottledPage",
]

# Sign-ins are throttled before any password is checked (admin and workspace alike).
AUTHENTICATION_BACKENDS = ["collabstate.web.throttle.sign_in.SignInThrottle", "django.contrib.auth.backends.ModelBackend"]

ROOT_URLCONF = "collabstate.web.urls"
WSGI_APPLICATION = "collabstate.web.wsgi.application"

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
            ],
        },
    },
]


def _sqlite() -> dict:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "collabstate.sqlite3",
        # Keep each worker's connection (opening one and running the PRAGMAs costs ~1.5 ms a request).
        "CONN_MAX_AGE": 600,
        # WAL: readers never wait for the writer; IMMEDIATE: a writing transaction takes the lock at
        # its start, so two page saves queue instead of failing with "database is locked".
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
    }


def _from_url() -> dj_database_url.DBConfig:
    database = dj_database_url.config(conn_max_age=60, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "collabstate.web.postgres"  # the same, with a health check that needs no round trip
        # parameters sent apart from the SQL (no quoting in Python; psycopg prepares the statements it sees often)
        database.setdefault("OPTIONS", {})["server_side_binding"] = True
    return database


DATABASES: dict[str, dj_database_url.DBConfig | dict]
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _from_url()}
else:
    DATABASES = {"default": _sqlite()}

# Shared by every worker and machine.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "collabstate_cache"}}
# Rate limits (counted in the database: web/throttle): e.g. 10/15m is 10 in 15 minutes, then 429 until the window ends.
TOKEN_FAILURES_RATE = os.environ.get("COLLABSTATE_TOKEN_FAILURES", "30/m")
SIGN_IN_FAILURES_RATE = os.environ.get("COLLABSTATE_SIGN_IN_FAILURES", "10/15m")  # per account and address
SIGN_IN_ADDRESS_FAILURES_RATE = os.environ.get("COLLABSTATE_SIGN_IN_ADDRESS_FAILURES", "100/15m")  # per address
PASSWORD_RESETS_RATE = os.environ.get("COLLABSTATE_PASSWORD_RESETS", "5/15m")  # password-reset e-mails asked for, per address
OPEN_LINK_STARTS_RATE = os.environ.get("COLLABSTATE_OPEN_LINK_STARTS", "60/10m")  # per address
SHARED_LINK_OPENS_RATE = os.environ.get("COLLABSTATE_SHARED_LINK_OPENS", "60/10m")  # fetches of one shared link, per address
TRUSTED_PROXIES = int(os.environ.get("COLLABSTATE_TRUSTED_PROXIES", "0"))
#: Seconds a worker keeps a wave (its dates, mode, instrument) before reading it again.
WAVE_CACHE_SECONDS = float(os.environ.get("COLLABSTATE_WAVE_CACHE_SECONDS", "5"))

# The analysts' workspace: signing in (Django's auth views) and where a signed-in person lands.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
# The task queue (django-tasks, the API of Django 6's django.tasks, with django-tasks-db's backend):
# tasks are rows of the site's own database, SQLite or PostgreSQL, so a worker on any machine that
# reaches the database runs them. `collabstate serve` starts TASK_WORKERS workers beside the web
# server; `collabstate worker` starts one on another machine. Imports, invitee lists, invitations,
# reminders, exports and report builds run there (run_export in web/workspace/export_jobs.py, run_wave_job in wave_jobs.py).
# On SQLite (WAL) a worker claims a task in a short BEGIN EXCLUSIVE transaction (readers go on; a
# busy writer is waited for up to the 20 s timeout, then the worker looks again), and work that
# writes much does it in short transactions (an import: 2,000 responses each), so respondents'
# page saves never wait long for SQLite's one writer.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
#: Task workers `collabstate serve` starts beside the web server (each runs one task at a time).
TASK_WORKERS = int(os.environ.get("COLLABSTATE_TASK_WORKERS", "2"))
#: Exports of responses made in the background at once across the site, and days their files are kept.
EXPORT_JOBS_AT_ONCE = int(os.environ.get("COLLABSTATE_EXPORT_JOBS_AT_ONCE", "2"))
EXPORT_DAYS = int(os.environ.get("COLLABSTATE_EXPORT_DAYS", "7"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("COLLABSTATE_MAIL_DIR", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "surveys@collabstate.invalid")
#: Seconds to wait for the mail server before an e-mail counts as not sent (a silent server must not hold a send for ever).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
#: Seconds after which an invitee a send was interrupted on (a crash between sending and recording) is due again.
SEND_CLAIM_SECONDS = int(os.environ.get("COLLABSTATE_SEND_CLAIM_SECONDS", "600"))
#: Where replies to the e-mails go (a Reply-To header), e.g. survey-team@example.org; none when empty.
REPLY_TO = os.environ.get("COLLABSTATE_REPLY_TO", "").strip()
#: The site's public address, that links in e-mails start with, e.g. https://survey.example.org
#: (checked at start by .checks.site_url_check: absolute http(s), no path; set explicitly in production).
SITE_URL = os.environ.get("COLLABSTATE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_URL_SET = bool(os.environ.get("COLLABSTATE_SITE_URL", "").strip())
#: (host, port) `collabstate serve` listens on, set by it before the start-up checks; None otherwise.
SERVING_ON: tuple[str, int] | None = None

# Content-Security-Policy on every page (django-csp): scripts, styles, images and fonts from this
# site only, nothing inline (no page has an inline script or style; the admin's scripts are files),
# frames only of this site (the live results show the report in one), forms posting only here.
# The report page in that frame sets its own, narrower policy (workspace.results.REPORT_POLICY).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # a respondent's link never leaves in a Referer header
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("COLLABSTATE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Answers never reach a log: no request bodies are logged, SQL is not logged, and error reports
# hide every POST parameter of the respondent views (sensitive_post_parameters). Respondents'
# tokens are cut out of logged addresses (a token is a password).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tokens": {"()": "collabstate.web.logs.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["tokens"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.db.backends": {"handlers": [], "level": "WARNING", "propagate": False}},
}

# Single sign-on through OpenID Connect (optional; docs/sign-in.md): on when COLLABSTATE_OIDC_CLIENT_ID is set.
# mozilla-django-oidc reads the OIDC_* names; web/workspace/single_sign_on.py decides who gets in;
# .checks.single_sign_on_check reports a half-made setup. Endpoints left empty come from the issuer's
# discovery document, read at the first single sign-on, never at start.
OIDC_RP_CLIENT_ID = os.environ.get("COLLABSTATE_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("COLLABSTATE_OIDC_CLIENT_SECRET", "").strip()
OIDC_ISSUER = os.environ.get("COLLABSTATE_OIDC_ISSUER", "").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("COLLABSTATE_OIDC_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("COLLABSTATE_OIDC_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = os.environ.get("COLLABSTATE_OIDC_USERINFO_ENDPOINT", "").strip()
OIDC_OP_JWKS_ENDPOINT = os.environ.get("COLLABSTATE_OIDC_JWKS_ENDPOINT", "").strip()
OIDC_RP_SIGN_ALGO = os.environ.get("COLLABSTATE_OIDC_SIGN_ALGO", "").strip() or "RS256"
OIDC_NAME = os.environ.get("COLLABSTATE_OIDC_NAME", "").strip()  # the button says "Sign in with <name>"
OIDC_RP_SCOPES, OIDC_USE_NONCE, OIDC_USE_PKCE, OIDC_TIMEOUT = "openid email profile", True, True, 10
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("collabstate.web.workspace.single_sign_on.Backend")
    LOGGING["loggers"]["collabstate.web.sso"] = {"level": "INFO"}  # type: ignore[index]  # sign-ins and refusals
