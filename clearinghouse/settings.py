"""Settings, read from the environment. Every variable is documented in .env.example."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from clearinghouse.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
#: Behind HTTPS (the default in production): secure cookies, HSTS and redirects to https.
HTTPS = env_bool("HTTPS", not DEBUG)


def _secret_key() -> str:
    if env_str("SECRET_KEY"):
        return env_str("SECRET_KEY")
    key_file = env_str("SECRET_KEY_FILE")
    if key_file:
        try:
            return Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE={key_file}: {error.strerror}") from None
    # A laptop or a small regulator: a random key kept beside the database, made once.
    generated = VAR_DIR / "secret_key"
    if not generated.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        generated.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        generated.chmod(0o600)
    return generated.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "Clearinghouse 174")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "axes",
    "clearinghouse.core",
    "clearinghouse.countries",
    "clearinghouse.accounts",
    "clearinghouse.mandates",
    "clearinghouse.catalog",
    "clearinghouse.reports",
    "clearinghouse.exchange",
    "clearinghouse.assistance",
    "clearinghouse.insights",
    "clearinghouse.web",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # compresses what the public page cache has not already compressed; Django's own, with its BREACH mitigation
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "clearinghouse.core.middleware.ContentSecurityPolicyMiddleware",
    "clearinghouse.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clearinghouse.core.pagecache.PublicPageCacheMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clearinghouse.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clearinghouse.urls"
WSGI_APPLICATION = "clearinghouse.wsgi.application"

#: Widgets are rendered from the project's templates first: typed text takes its direction from itself (dir="auto").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clearinghouse" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clearinghouse.web.context_processors.languages",
                "clearinghouse.accounts.context_processors.notifications",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (postgres://user@host:5432/name).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clearinghouse.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # kept open too: opening a SQLite file and setting its pragmas cost more than a cached page's whole answer
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock up front so
        # concurrent transactions wait (up to the busy timeout) instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The search index (Tantivy): one per machine and database, under this folder, rebuilt from the database
# when missing and kept current from its change log. Empty: each process keeps its own in memory.
SEARCH_INDEX_DIR = env_str("SEARCH_INDEX_DIR", str(VAR_DIR / "search-index"))
CACHE_URL = env_str("CACHE_URL", f"file://{VAR_DIR / 'cache'}")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith("file://"):
    # one SQLite file per shard in that folder, shared by the workers (diskcache, its connections kept open
    # between requests: core/caching.py): a throttle count costs about 50–150 µs
    CACHES = {
        "default": {
            "BACKEND": "clearinghouse.core.caching.DiskCache",
            "LOCATION": CACHE_URL.removeprefix("file://"),
            "OPTIONS": {"size_limit": env_int("CACHE_SIZE_LIMIT_BYTES", 256 * 1024 * 1024)},
        }
    }
elif CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use file://PATH, redis://HOST:PORT/DB or locmem://")

# The public page cache (core/pagecache.py): what readers who are not signed in are answered, kept until any
# record changes. In each worker's memory, or in Redis when CACHE_URL names one (shared by the workers).
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 1_000_000)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "pages",
    }
else:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 2000)},
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "clearinghouse.accounts.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "web:home"

# Sign-in throttling: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_VERBOSE = False
OTP_TOTP_ISSUER = SITE_NAME

# Internationalization: the six official languages of the ITU.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("zh-hans", "中文"),
]
LOCALE_PATHS = [BASE_DIR / "clearinghouse" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "clearinghouse" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Attachments are served through a view that applies the visibility rule, never from MEDIA_URL.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
# STIX bundles taken in (upload page, TAXII, sync, `manage.py import_stix`): larger ones are refused unread.
STIX_IMPORT_MAX_BYTES = env_int("STIX_IMPORT_MAX_BYTES", 200 * 1024 * 1024)

# Bodies above this are refused with 413 before they are read.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# TAXII 2.1: objects per page unless the client asks for fewer, the most it may ask for, the largest POST.
TAXII_PAGE_SIZE = env_int("TAXII_PAGE_SIZE", 1000)
TAXII_MAX_PAGE_SIZE = env_int("TAXII_MAX_PAGE_SIZE", 10000)
TAXII_MAX_CONTENT_LENGTH = env_int("TAXII_MAX_CONTENT_LENGTH", 100 * 1024 * 1024)
TAXII_CONTACT = env_str("TAXII_CONTACT", "")
#: Fernet keys the sync sources' saved tokens and passwords are encrypted with (the first encrypts, all
#: decrypt; see exchange.credentials). Empty: a key derived from SECRET_KEY.
SYNC_CREDENTIALS_KEYS = env_list("SYNC_CREDENTIALS_KEYS")

# E-mail: printed to the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
#: Implicit TLS (SMTPS, usually port 465); otherwise STARTTLS (usually port 587) unless EMAIL_USE_TLS=0.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 30)  # a stalled server fails the sending task, which is retried
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clearinghouse 174 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operator", address) for address in env_list("ADMINS")]
#: How long the link in an invitation works.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
#: The address the links in e-mails start with (e-mails are written by the task worker, outside any request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
#: The hour (UTC, 0–23) daily digests go out, and weekly ones on Mondays.
DIGEST_HOUR = env_int("DIGEST_HOUR_UTC", 6)
if not 0 <= DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR_UTC must be an hour from 0 to 23, not {DIGEST_HOUR}")

# Security. `manage.py check --deploy` is clean when DEBUG is off and HTTPS on.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything comes from this site, with no inline script or style; `data:` images are the QR code for an
# authenticator and Swagger UI's icons. An operator may replace the whole policy (docs/operations.md).
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clearinghouse.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "clearinghouse.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "clearinghouse.core.throttling.AnonymousThrottle",
        "clearinghouse.core.throttling.MemberThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_RATE_ANONYMOUS", "120/minute"),
        "user": env_str("API_RATE_MEMBER", "600/minute"),
    },
    # a public reader is counted by the address the trusted proxies report, never by a header it sends itself
    "NUM_PROXIES": env_int("PROXY_COUNT", 0),
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clearinghouse 174 API",
    "DESCRIPTION": "Open API of the platform that implements ITU Plenipotentiary Resolution 174. "
    "Authenticate scripts with a personal token: `Authorization: Token ch174_…`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clearinghouse.core.api.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BDTRegionEnum": "clearinghouse.countries.models.BDTRegion",
        "MeasureStatusEnum": "clearinghouse.catalog.models.MeasureStatus",
        "ActivityStatusEnum": "clearinghouse.mandates.models.ActivityStatus",
        "LanguageEnum": "clearinghouse.catalog.models.Language",
        "ContactMarkingEnum": "clearinghouse.countries.models.CONTACT_MARKINGS",
        "TlpEnum": "clearinghouse.core.visibility.TLP",
        "AccountRoleEnum": "clearinghouse.accounts.models.Role",
        "MemberPositionEnum": "clearinghouse.accounts.models.Position",
        "NotificationKindEnum": "clearinghouse.accounts.models.NotificationKind",
        "NotificationDeliveryEnum": "clearinghouse.accounts.models.Delivery",
        "AssistanceMarkingEnum": "clearinghouse.assistance.services.REQUEST_MARKINGS",
        "ModalityEnum": "clearinghouse.assistance.models.Modality",
        "HelpKindEnum": "clearinghouse.assistance.models.HelpKind",
    },
}

# Background work (reports): stored in the database and run by `manage.py db_worker`; `immediate` runs
# each task in the request that enqueued it (tests, or a single-process demo).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_str("TASKS_BACKEND", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # it narrates every step of a PDF at INFO
        "fontTools": {"level": "WARNING"},
    },
}

# A typed "www.example.org" means https://, as Django 6 will do by default.
FORMS_URLFIELD_ASSUME_HTTPS = True
