"""Django settings for citystat, read from `CITYSTAT_*` environment variables.

Every variable is documented in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path

from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from citystat.lib.config import (
    citystat_home,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    is_local_host,
)
from citystat.lib.deployment import cache_config, logging_config, media_settings
from citystat.lib.mail import email_config

# Templates and static files live inside the package, so a wheel carries them.
PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = Path(__file__).resolve().parent

CITYSTAT_HOME = citystat_home()
DEFAULT_SECRET_KEY = "citystat-development-only-never-use-in-production"

SECRET_KEY = env_str("CITYSTAT_SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("CITYSTAT_DEBUG", False)
ALLOWED_HOSTS = env_list("CITYSTAT_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CITYSTAT_CSRF_TRUSTED_ORIGINS", [])

# A site reachable under a public host name is production: it must not run with the
# published development key or with tracebacks shown to visitors.
PUBLIC_HOSTS = [host for host in ALLOWED_HOSTS if not is_local_host(host)]
if PUBLIC_HOSTS and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        f"CITYSTAT_ALLOWED_HOSTS names {PUBLIC_HOSTS[0]!r} but CITYSTAT_SECRET_KEY is not set; "
        "set it to a long random string, for example the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if PUBLIC_HOSTS and DEBUG:
    raise ImproperlyConfigured(
        f"CITYSTAT_DEBUG is on while CITYSTAT_ALLOWED_HOSTS names {PUBLIC_HOSTS[0]!r}; "
        "unset CITYSTAT_DEBUG on a public site."
    )
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "CITYSTAT_SECRET_KEY is shorter than 32 characters; use a longer one."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    # Cross-origin reads of the open-data APIs (CORS_* below).
    "corsheaders",
    # TOTP two-factor sign-in for staff (citystat/accounts/signin.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Who changed which plan element or target, when and why (plan history pages).
    "simple_history",
    # The plan's REST API's OpenAPI document (citystat/api/rest, docs/api.md). Django REST
    # framework itself needs no entry: its browsable API (and 1.6 MB of static files) is off.
    "drf_spectacular",
    "citystat.city",
    "citystat.accounts",
    # Scheduled jobs' locks and run records, shared by every node (citystat/jobs).
    "citystat.jobs",
    "citystat.catalog",
    "citystat.plan",
    "citystat.surveys",
    "citystat.meetings",
    "citystat.engagement",
    # Peer cities and benchmark figures beside the measures (docs/peers.md).
    "citystat.peers",
    # Council exports: workbook, deck and annual report (docs/exports.md).
    "citystat.reports",
    "citystat.ops",
    "citystat.demo",
    "citystat.api",
    "citystat.public",
]

MIDDLEWARE = [
    # First, so every log line of a request (and its latency) is counted and carries its id.
    "citystat.ops.middleware.RequestIdMiddleware",
    "citystat.ops.middleware.MetricsMiddleware",
    # Before anything that answers on its own (rate limits, 304s, preflights).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "citystat.accounts.middleware.RequestSizeLimitMiddleware",
    "citystat.accounts.middleware.RefuseNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers live question board polls before sessions and users (hundreds a second
    # during a meeting; citystat/engagement/middleware.py).
    "citystat.engagement.middleware.LiveBoardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Logs (and drops) forged or altered session and messages cookies.
    "citystat.accounts.middleware.RefuseTamperedCookiesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Whole public pages for readers not signed in, before the work only a render needs
    # (citystat/public/page_cache.py).
    "citystat.public.page_cache.PublicPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "citystat.accounts.middleware.TwoFactorRequiredMiddleware",
    "citystat.accounts.context.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "citystat.city.middleware.city_time_zone",
    # Records the signed-in user on every plan history row a request writes.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "citystat.urls"
WSGI_APPLICATION = "citystat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "citystat.city.context_processors.city",
            ],
        },
    },
]

DATABASES = {"default": database_config(env_str("DATABASE_URL", ""), CITYSTAT_HOME)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The public dataset the Open311 GeoReport v2 endpoints serve (citystat/api/open311.py).
CITYSTAT_OPEN311_DATASET = env_str("CITYSTAT_OPEN311_DATASET", "service-requests")

# The warehouse holds published datasets: a folder of immutable Parquet versions read by
# DuckDB (default: CITYSTAT_HOME/warehouse), or an Ibis URL (postgres://…, pyspark://…)
# naming the engine that reads them (citystat/catalog/engines/, docs/warehouses.md).
CITYSTAT_WAREHOUSE = env_str("CITYSTAT_WAREHOUSE", str(CITYSTAT_HOME / "warehouse"))
# Where loads write the version files when CITYSTAT_WAREHOUSE is a URL (Spark reads them
# there, so on a cluster this is a folder every executor sees).
CITYSTAT_WAREHOUSE_FILES = env_str("CITYSTAT_WAREHOUSE_FILES", str(CITYSTAT_HOME / "warehouse"))
# How many published versions of each dataset keep their files for `citystat rollback`.
CITYSTAT_KEEP_VERSIONS = env_int("CITYSTAT_KEEP_VERSIONS", 3, minimum=2)
# DuckDB's memory ceiling for one load; beyond it the load spills to disk.
CITYSTAT_LOAD_MEMORY = env_str("CITYSTAT_LOAD_MEMORY", "2GB")
# A load is refused when its rows × columns exceed this many times the file's size in
# bytes (catalog.load.Load.check_expansion): a 97 kB Parquet file of 20 million repeated
# rows would otherwise become gigabytes of warehouse, exports and API answers.
CITYSTAT_MAX_EXPANSION = env_int("CITYSTAT_MAX_EXPANSION", 200, minimum=1)
# Folders a dataset's stored file source may lie in (citystat/catalog/sources.py): a path
# typed on the staff form is refused outside them, so stewards cannot publish server files.
CITYSTAT_SOURCE_FOLDERS = env_list("CITYSTAT_SOURCE_FOLDERS", [str(CITYSTAT_HOME / "sources")])
# Host names and addresses (CIDRs) that http(s) sources may reach although they are not
# public, for a city loading from its intranet (citystat/catalog/fetch.py).
CITYSTAT_SOURCE_ALLOW_HOSTS = env_list("CITYSTAT_SOURCE_ALLOW_HOSTS", [])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Stored in UTC; pages show the city's own time zone (citystat.city.middleware).
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CITYSTAT_HOME / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
# Uploaded files: CITYSTAT_HOME/media, or object storage shared by every node (s3://…).
MEDIA_STORAGE, MEDIA_ROOT = media_settings(env_str("CITYSTAT_MEDIA_URL", ""), CITYSTAT_HOME)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# `citystat serve` collects (and compresses) static files into STATIC_ROOT first; before
# that has happened, serve straight from the source folders so a checkout still works.
WHITENOISE_USE_FINDERS = not STATIC_ROOT.is_dir()
WHITENOISE_MAX_AGE = 3600

# Sessions live in the app database, so a visitor signed in on one node is on every node.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("CITYSTAT_SESSION_HOURS", 12, minimum=1) * 3600
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("CITYSTAT_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
if SECURE_SSL_REDIRECT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Staff sign-in, roles and the department scope (citystat/accounts, docs/security.md).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "citystat.accounts.backends.DepartmentScopeBackend",
]
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "citystat.accounts.views.signin.csrf_failure"
PASSWORD_RESET_TIMEOUT = 3600
OTP_TOTP_ISSUER = "citystat"
# Proxies in front of citystat whose X-Forwarded-For may be trusted (throttling, audit).
CITYSTAT_PROXY_COUNT = env_int("CITYSTAT_PROXY_COUNT", 0, minimum=0)
# The audit log's HMAC key (citystat/accounts/audit.py). Unset, the key lives in
# CITYSTAT_HOME/audit.key (made on first use, mode 0600); every node must share one key.
CITYSTAT_AUDIT_KEY = env_str("CITYSTAT_AUDIT_KEY", "")
if CITYSTAT_AUDIT_KEY and len(CITYSTAT_AUDIT_KEY) < 32:
    raise ImproperlyConfigured(
        "CITYSTAT_AUDIT_KEY is shorter than 32 characters; use a longer one, for example the "
        "output of python -c 'import secrets; print(secrets.token_hex(32))'."
    )
# The append-only file the audit chain's head is written to, outside the database.
CITYSTAT_AUDIT_ANCHORS = env_str(
    "CITYSTAT_AUDIT_ANCHORS", str(CITYSTAT_HOME / "audit-anchors.jsonl")
)
# Anchor the head every this many entries (0: only on `citystat refresh` and `audit anchor`).
CITYSTAT_AUDIT_ANCHOR_EVERY = env_int("CITYSTAT_AUDIT_ANCHOR_EVERY", 100, minimum=0)
# Also send each anchor to syslog: /dev/log, or HOST:PORT (UDP). Empty: no syslog.
CITYSTAT_AUDIT_SYSLOG = env_str("CITYSTAT_AUDIT_SYSLOG", "")
# Uploads: form fields are capped in memory; whole request bodies by Content-Length.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
CITYSTAT_MAX_UPLOAD_BYTES = env_int("CITYSTAT_MAX_UPLOAD_MB", 512, minimum=1) * 1024 * 1024
# The site's one rate limiter (citystat/accounts/ratelimit.py) counts in its own cache, so
# clearing the page cache never resets a limit. Both are shared by every worker and node:
# the app database by default (tables made by `citystat migrate`), or Redis with
# CITYSTAT_CACHE_URL=redis://… (citystat/lib/deployment.py).
CACHES = cache_config(env_str("CITYSTAT_CACHE_URL", ""))
# Whole public pages are kept for anonymous readers (citystat/public/page_cache.py): any
# change to the site's data shows on the next request; what changes with the clock alone
# (a meeting ending) shows within this many seconds. 0 turns the page cache off.
CITYSTAT_PAGE_CACHE_SECONDS = env_int("CITYSTAT_PAGE_CACHE_SECONDS", 60, minimum=0)
# API requests per client: anonymous ones per IP address, app-token ones per token.
CITYSTAT_API_RATE_ANON = env_str("CITYSTAT_API_RATE_ANON", "120/minute")
CITYSTAT_API_RATE_TOKEN = env_str("CITYSTAT_API_RATE_TOKEN", "1200/minute")
# SODA answers count rows instead (each at least 1,000), so a bulk reader paging through a
# dataset is not cut off: 1,000,000 rows per 10 minutes lets sodapy's get_all read a
# dataset of that size without a token, while 1,000 small queries per 10 minutes (100 a
# minute) stays under the request limit above (docs/api.md, "Bulk readers").
CITYSTAT_API_ROWS_ANON = env_str("CITYSTAT_API_ROWS_ANON", "1000000/10minutes")
CITYSTAT_API_ROWS_TOKEN = env_str("CITYSTAT_API_ROWS_TOKEN", "10000000/10minutes")
# Cross-origin reads (django-cors-headers): any web page may read the open-data APIs and
# downloads, as Socrata portals allow; never with cookies, and no other URL (staff pages,
# forms) answers a cross-origin request. Writes are not allowed cross-origin.
CORS_URLS_REGEX = (
    r"^/(?:api/|resource/|open311/|downloads/|data\.json$"
    r"|measures/[^/]+/values\.(?:csv|json)$)"
)
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (
    *cors_default_headers,
    "x-app-token",
    "if-none-match",
    "if-modified-since",
    "if-range",
    "range",
)
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Last-Modified",
    "Retry-After",
    "Content-Range",
    "Accept-Ranges",
    "X-SODA2-Fields",
    "X-SODA2-Types",
    "X-SODA2-Legacy-Types",
    "X-SODA2-Truth-Last-Modified",
    "X-SODA2-Secondary-Last-Modified",
    "X-SODA2-Data-Out-Of-Date",
)
CORS_PREFLIGHT_MAX_AGE = 24 * 60 * 60
# The REST API (citystat/api/rest): anyone reads, a staff-issued token writes; one rate
# limiter for every API (citystat/api/limits.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["citystat.api.rest.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["citystat.api.rest.auth.ReadOrTokenWrite"],
    "DEFAULT_THROTTLE_CLASSES": ["citystat.api.rest.auth.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "citystat API",
    "DESCRIPTION": "The strategic plan, its measures, values, targets and narratives.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI for /api/docs, vendored from npm like every browser library (static/vendor).
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
}
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload needs the operator to submit the domain to browsers' lists first.
    "security.W021",
]

# Stat meetings (citystat/meetings, docs/meetings.md): how many days before a meeting its
# published agenda shows on the public calendar, and the livestream providers pages embed.
CITYSTAT_AGENDA_DAYS_AHEAD = env_int("CITYSTAT_AGENDA_DAYS_AHEAD", 7, minimum=0)
# Make a meeting's briefing book PDFs in a background thread as its agenda is published
# (docs/meetings.md); false leaves them to `citystat meetings briefings` on a timer.
CITYSTAT_BRIEFING_IN_BACKGROUND = env_bool("CITYSTAT_BRIEFING_IN_BACKGROUND", True)
# Render the public plan pages again as soon as the plan changes (a compute, a load, an
# edit) and when `citystat serve` starts (docs/operations.md, "Warm pages"): background
# (a thread), foreground (the change waits for it), or off.
CITYSTAT_WARM_PAGES = env_str("CITYSTAT_WARM_PAGES", "background").strip().lower()
if CITYSTAT_WARM_PAGES not in ("background", "foreground", "off"):
    raise ImproperlyConfigured(
        f"CITYSTAT_WARM_PAGES={CITYSTAT_WARM_PAGES!r} is not one of background, foreground, off."
    )
# Where a queued job (citystat/jobs/queue.py: a load's recompute, an update's immediate
# emails) runs once its asker commits: "thread" of the same process, "worker" (left to
# `citystat jobs run`), or "inline" in the committing thread (docs/operations.md).
CITYSTAT_JOBS_RUN = env_str("CITYSTAT_JOBS_RUN", "thread")
if CITYSTAT_JOBS_RUN not in ("thread", "worker", "inline"):
    raise ImproperlyConfigured(
        f"CITYSTAT_JOBS_RUN={CITYSTAT_JOBS_RUN!r}: use thread, worker or inline."
    )
# Resident engagement (docs/engagement.md): the site's own address for links in emails,
# and the shared secret of each social-media tool that may post questions by webhook.
CITYSTAT_SITE_URL = env_str("CITYSTAT_SITE_URL", "http://127.0.0.1:8000")
CITYSTAT_WEBHOOK_SECRETS = env_str("CITYSTAT_WEBHOOK_SECRETS", "")
CITYSTAT_LIVESTREAM_PROVIDERS = env_list("CITYSTAT_LIVESTREAM_PROVIDERS", ["youtube", "vimeo"])

EMAIL_URL = env_str("CITYSTAT_EMAIL_URL", "console:")
globals().update(email_config(EMAIL_URL, CITYSTAT_HOME))
DEFAULT_FROM_EMAIL = env_str("CITYSTAT_EMAIL_FROM", "citystat@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Everything is served from this site: no CDN, no external fonts, no tile servers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# One line per record on stderr, as text or JSON (CITYSTAT_LOG_FORMAT), with request ids.
LOGGING = logging_config(
    env_str("CITYSTAT_LOG_FORMAT", "text"), env_str("CITYSTAT_LOG_LEVEL", "INFO")
)

# Prometheus metrics at /metrics (citystat/ops/metrics.py), off unless asked for; with a
# token, scrapers must send it as `Authorization: Bearer TOKEN`.
CITYSTAT_METRICS = env_bool("CITYSTAT_METRICS", False)
CITYSTAT_METRICS_TOKEN = env_str("CITYSTAT_METRICS_TOKEN", "")
# `citystat serve` turns this on: one access line per request, from the app, with its id.
CITYSTAT_ACCESS_LOG = False
