"""Settings for the Chat Gateway Sandbox: one module, driven by environment variables.

With no variable set it boots with no other service: SQLite in the data directory, the
in-memory channel layer and the webhook/timer workers inside the server process.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis for scale-out. Every knob is
listed in `.env.example`.
"""

import os
import secrets
from pathlib import Path

from gateway_sim.env import (
    SQLITE_ENGINE,
    env_bool,
    env_database,
    env_float,
    env_float_list,
    env_int,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SANDBOX_DATA_DIR", str(BASE_DIR / ".data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env_str("SANDBOX_SECRET_KEY", "")
    if configured:
        return configured
    # Persisted so that signed attachment links and CSRF tokens survive a restart.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()


def _admin_key() -> str:
    configured = env_str("SANDBOX_ADMIN_KEY", "")
    if configured:
        return configured
    # Persisted like the secret key, so a test harness can read it once and keep it.
    key_file = DATA_DIR / "admin_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(24))
    return key_file.read_text().strip()


# The control API's admin key: creates and deletes customers (gateway_sim.control).
SANDBOX_ADMIN_KEY = _admin_key()
DEBUG = env_bool("SANDBOX_DEBUG", False)
ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in env_str("SANDBOX_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "gateway_sim",
    "webhooks",
    "conversations",
]

MIDDLEWARE = [
    # Outermost, so the journal records the status and headers the client gets.
    "gateway_sim.control.journal.JournalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gateway_sim.static_files.StaticFilesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# A refused CSRF check under an API prefix answers JSON, like every other error there.
CSRF_FAILURE_VIEW = "gateway_sim.error_views.csrf_failure"

# 8x8's paths never carry a trailing slash; the URL patterns accept one optionally, so
# CommonMiddleware must not redirect.
APPEND_SLASH = False

ROOT_URLCONF = "gateway_sim.urls"
ASGI_APPLICATION = "gateway_sim.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", DATA_DIR / "sandbox.sqlite3")}
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    # A file, not memory: live-server tests run Daphne in a subprocess on the same database.
    # One file per test process, so parallel runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
# HTTP requests run on a fixed pool of threads (gateway_sim/asgi.py); each thread keeps
# its connection between requests rather than opening one per request.
DATABASES["default"]["CONN_MAX_AGE"] = None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads are streamed to disk, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = None

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "gateway_sim.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat Gateway Sandbox control API",
    "DESCRIPTION": (
        "The sandbox's own API for integration tests (`/sandbox/v1/`): play the agent side, wait "
        "for events, reset a tenant, inspect deliveries and the API journal. Authenticated like "
        "the Chat Gateway: `x-api-key`, and `X-8x8-Tenant` when the customer has several tenants. "
        "Errors are `application/problem+json`. Every answer for a tenant carries its event cursor "
        "in `X-Sandbox-Cursor`."
    ),
    "VERSION": "1.0.0",
    "APPEND_COMPONENTS": {
        "securitySchemes": {"sandboxApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}}
    },
    "SECURITY": [{"sandboxApiKey": []}],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SANDBOX_LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- Sandbox behaviour -------------------------------------------------------------------

# Where `manage.py sandbox` (and `make run`) listens.
SANDBOX_HOST = env_str("SANDBOX_HOST", "127.0.0.1")
SANDBOX_PORT = env_int("SANDBOX_PORT", 8000, minimum=1)
# The URL integrations use to reach the sandbox (attachment links in events, start-up banner).
SANDBOX_PUBLIC_URL = env_str("SANDBOX_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Fixed seed for id generation: the same sequence of calls yields the same ids.
SANDBOX_ID_SEED = env_str("SANDBOX_ID_SEED", "")
# YAML file replacing the built-in demo data on first start.
SANDBOX_SEED_FILE = env_str("SANDBOX_SEED_FILE", "")
# Run the webhook delivery and timer workers inside the server process.
SANDBOX_EMBEDDED_WORKERS = env_bool("SANDBOX_EMBEDDED_WORKERS", True)

SANDBOX_OFFER_TIMEOUT_SECONDS = env_float("SANDBOX_OFFER_TIMEOUT_SECONDS", 20.0, minimum=0.1)
SANDBOX_AGENT_CAPACITY = env_int("SANDBOX_AGENT_CAPACITY", 3, minimum=1)
SANDBOX_MAX_ATTACHMENT_BYTES = env_int("SANDBOX_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024, minimum=1)
# Sandbox choices, 8x8 documents no limits: the largest request body other than an attachment
# upload (refused with 413 before it is read) and the longest message text (400).
SANDBOX_MAX_REQUEST_BODY_BYTES = env_int("SANDBOX_MAX_REQUEST_BODY_BYTES", 1024 * 1024, minimum=1024)
SANDBOX_MAX_MESSAGE_TEXT_LENGTH = env_int("SANDBOX_MAX_MESSAGE_TEXT_LENGTH", 32 * 1024, minimum=1)
SANDBOX_ATTACHMENT_URL_TTL_SECONDS = env_int("SANDBOX_ATTACHMENT_URL_TTL_SECONDS", 3600, minimum=1)
SANDBOX_LEGACY_TOKEN_TTL_SECONDS = env_int("SANDBOX_LEGACY_TOKEN_TTL_SECONDS", 3600, minimum=1)

SANDBOX_WEBHOOK_TIMEOUT_SECONDS = env_float("SANDBOX_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1)
SANDBOX_RETRY_SCHEDULE_SECONDS = env_float_list("SANDBOX_RETRY_SCHEDULE_SECONDS", [1, 5, 30, 120, 600])
# Multiplies every retry delay and timer: 0.01 turns the 10-minute retry into 6 seconds.
SANDBOX_TIME_SCALE = env_float("SANDBOX_TIME_SCALE", 1.0, minimum=0.0)
SANDBOX_DELIVERY_THREADS = env_int("SANDBOX_DELIVERY_THREADS", 8, minimum=1)

# The API journal (GET /sandbox/v1/requests): record every API call, keeping the newest
# SANDBOX_JOURNAL_KEEP per tenant.
SANDBOX_JOURNAL = env_bool("SANDBOX_JOURNAL", True)
SANDBOX_JOURNAL_KEEP = env_int("SANDBOX_JOURNAL_KEEP", 1000, minimum=1)
