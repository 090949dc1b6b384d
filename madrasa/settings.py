"""Madrasa settings: one file, driven by the environment (see `.env.example`).

With no environment at all, Madrasa runs in development mode on an SQLite file under `var/`.
`MADRASA_ENV=production` turns on every secure default and refuses to start without a secret key.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MADRASA_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_secret(name: str) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, "")


MADRASA_ENV = env_str("MADRASA_ENV", "development")
if MADRASA_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"MADRASA_ENV={MADRASA_ENV!r} is not one of development, production, test"
    )
PRODUCTION = MADRASA_ENV == "production"

DEBUG = env_bool("MADRASA_DEBUG", default=not PRODUCTION)


def _development_secret_key() -> str:
    """A random key kept in var/ so that development sessions survive a restart."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = env_secret("MADRASA_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "MADRASA_SECRET_KEY (or MADRASA_SECRET_KEY_FILE) must be set "
            "when MADRASA_ENV=production"
        )
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = [h for h in env_str("MADRASA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Behind a reverse proxy that sets X-Forwarded-For, the client address is its first hop.
MADRASA_TRUST_X_FORWARDED_FOR = env_bool("MADRASA_TRUST_X_FORWARDED_FOR", default=False)
CSRF_TRUSTED_ORIGINS = [o for o in env_str("MADRASA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "madrasa.core",
    "madrasa.accounts",
    "madrasa.registry",
    "madrasa.enrolment",
    "madrasa.grading",
    "madrasa.marks",
    "madrasa.attendance",
    "madrasa.health",
    "madrasa.bulletins",
    "madrasa.results",
    "madrasa.credentials",
    "madrasa.agency",
    "madrasa.imports",
    "madrasa.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "madrasa.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "madrasa.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "madrasa.urls"
WSGI_APPLICATION = "madrasa.wsgi.application"

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
                "django.template.context_processors.i18n",
                "madrasa.web.context_processors.shell",
            ],
        },
    }
]


# --- Database -------------------------------------------------------------------------------
def database_from_env() -> dict[str, Any]:
    """`DATABASE_URL` if set (PostgreSQL or SQLite), else an SQLite file under var/."""
    import dj_database_url

    url = env_str("DATABASE_URL").strip()
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "madrasa.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            "DATABASE_URL must start with postgresql:// or sqlite:///, "
            f"got {url.split(':', 1)[0]!r}"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database (postgresql://host/NAME)")
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].setdefault("connect_timeout", env_int("MADRASA_DB_CONNECT_TIMEOUT", 5))
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Read replicas (issue 8, docs/scale.md) ----------------------------------------------------
# MADRASA_REPLICA_URLS: comma-separated PostgreSQL URLs of streaming replicas of the primary
# (DATABASE_URL); they become the aliases replica_0, replica_1, … Only code that opts in with
# `madrasa.core.routers.on_replica()` reads from them (results-day lookups, dashboards, agency
# reads); writes, reads after a write in the same request, and reads inside a transaction stay on
# the primary. Migrations never run on a replica. Without replicas everything uses `default`.
def replica_databases(raw: str, primary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    import dj_database_url

    urls = [url.strip() for url in raw.split(",") if url.strip()]
    if urls and primary.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("MADRASA_REPLICA_URLS needs a PostgreSQL DATABASE_URL")
    replicas: dict[str, dict[str, Any]] = {}
    for number, url in enumerate(urls):
        if url.split("://", 1)[0] not in {"postgres", "postgresql", "pgsql"}:
            raise ImproperlyConfigured(
                f"MADRASA_REPLICA_URLS entry {number + 1} must start with postgresql://"
            )
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        except Exception as exc:  # dj_database_url raises several types for bad URLs
            raise ImproperlyConfigured(
                f"MADRASA_REPLICA_URLS entry {number + 1} is malformed: {exc}"
            ) from None
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].setdefault("connect_timeout", env_int("MADRASA_DB_CONNECT_TIMEOUT", 5))
        config["TEST"] = {"MIRROR": "default"}  # tests read the primary's test database
        replicas[f"replica_{number}"] = config
    return replicas


DATABASES |= replica_databases(env_str("MADRASA_REPLICA_URLS"), DATABASES["default"])
DATABASE_ROUTERS = ["madrasa.core.routers.ReplicaRouter"]

# --- Accounts, passwords, sessions ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: staff sessions end after 8 hours at most, and after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("MADRASA_SESSION_AGE_SECONDS", 8 * 3600)
MADRASA_IDLE_TIMEOUT_SECONDS = env_int("MADRASA_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login throttling (per account and per address, counted in the database so every worker agrees).
MADRASA_LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("MADRASA_LOGIN_MAX_FAILURES_PER_ACCOUNT", 10)
MADRASA_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("MADRASA_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
MADRASA_LOGIN_WINDOW_SECONDS = env_int("MADRASA_LOGIN_WINDOW_SECONDS", 15 * 60)

# Second factor (TOTP) for staff roles: required in production, optional in the demo.
MADRASA_REQUIRE_MFA = env_bool("MADRASA_REQUIRE_MFA", default=PRODUCTION)
OTP_TOTP_ISSUER = "Madrasa"

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("MADRASA_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("MADRASA_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Languages, dates and numbers --------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("fr", "Français"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "madrasa_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "madrasa" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Casablanca"
# Digits used when Madrasa formats numbers: "latn" (0-9, Morocco's usage) or "arab"
# (Arabic-Indic digits).
# National pupil codes (registry.rules.NationalCodeFormat): a letter per region, then digits, the
# last of which is a Luhn check digit unless the check is "none".
MADRASA_NATIONAL_CODE_DIGITS = env_int("MADRASA_NATIONAL_CODE_DIGITS", 9)
MADRASA_NATIONAL_CODE_CHECK = env_str("MADRASA_NATIONAL_CODE_CHECK", "luhn")
MADRASA_NATIONAL_CODE_LETTERS = env_str("MADRASA_NATIONAL_CODE_LETTERS", "ABCDEFGHIJKL")
if MADRASA_NATIONAL_CODE_CHECK not in {"luhn", "none"}:
    raise ImproperlyConfigured("MADRASA_NATIONAL_CODE_CHECK must be luhn or none")

MADRASA_DIGITS = env_str("MADRASA_DIGITS", "latn")
if MADRASA_DIGITS not in {"latn", "arab"}:
    raise ImproperlyConfigured(f"MADRASA_DIGITS={MADRASA_DIGITS!r} must be latn or arab")

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Credentials ------------------------------------------------------------------------------
# Ed25519 signing keys of verifiable documents: files outside the database (`madrasa keys create`).
MADRASA_KEYS_DIR = Path(os.environ.get("MADRASA_KEYS_DIR", VAR_DIR / "keys"))

# --- Cache -------------------------------------------------------------------------------------
# Rate limits (results day) are counted in the cache: with several workers or servers set
# MADRASA_CACHE_URL=redis://127.0.0.1:6379/1 so that they share one count (needs the `redis`
# package); without it each process counts alone, in memory.
MADRASA_CACHE_URL = env_str("MADRASA_CACHE_URL").strip()
if MADRASA_CACHE_URL:
    if not MADRASA_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("MADRASA_CACHE_URL must be a redis://, rediss:// or unix:// URL")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": MADRASA_CACHE_URL,
            "KEY_PREFIX": "madrasa",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Results day (docs/results.md): lookups per national code per hour (wrong birth dates or PINs),
# and per client address per minute, before 429.
MADRASA_RESULTS_RATE_PER_CODE = env_int("MADRASA_RESULTS_RATE_PER_CODE", 10)
MADRASA_RESULTS_RATE_CODE_WINDOW = env_int("MADRASA_RESULTS_RATE_CODE_WINDOW", 3600)
MADRASA_RESULTS_RATE_PER_ADDRESS = env_int("MADRASA_RESULTS_RATE_PER_ADDRESS", 60)
MADRASA_RESULTS_RATE_ADDRESS_WINDOW = env_int("MADRASA_RESULTS_RATE_ADDRESS_WINDOW", 60)

# The dashboard's stored national indicators are computed again, in the background, when the
# latest are older than this (madrasa/web/dashboard.py; docs/scale.md).
MADRASA_INDICATORS_MAX_AGE_MINUTES = env_int("MADRASA_INDICATORS_MAX_AGE_MINUTES", 60)

# --- Background tasks (ADR 0008) ----------------------------------------------------------------
# Tasks are rows in the database, run by `madrasa db_worker` (`madrasa serve` starts one). Tests
# run them at once, in the caller's process.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if MADRASA_ENV == "test"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- API ---------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": env_str("MADRASA_LOG_LEVEL", "INFO")},
}
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL_PATH = "/"

# --- Agencies: OAuth 2.0 client credentials (issue 6, docs/agencies.md) -------------------------
# Agencies (other public services) are OAuth clients using the client-credentials grant only
# (each Application is created with that grant type by `madrasa agency create`).
# Their secrets are stored hashed, tokens are stored only as a SHA-256 checksum and expire after
# MADRASA_AGENCY_TOKEN_SECONDS; each scope is a purpose (madrasa/agency/purposes.py).
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("MADRASA_AGENCY_TOKEN_SECONDS", 15 * 60),
    "SCOPES": {
        "social_aid": "Schooling status for social aid",
        "recruitment": "Diploma verification for recruitment competitions",
        "health": "School health record (with the guardian's consent)",
    },
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "madrasa.agency.oauth.PurposeScopes",
    "OAUTH2_VALIDATOR_CLASS": "madrasa.agency.oauth.AgencyValidator",
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # The OAuth 2.0 Security BCP (RFC 9700) in full: no implicit or password grant, no token in
    # a URL, S256 PKCE only, https redirects only (agencies use none of these anyway).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The toolkit's models are swappable; ours point at its Application (migrations need the name).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
