"""Django settings: wiring only, everything configurable comes from accord.config."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from accord import config

CFG = config.load()
BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
DATA_DIR = CFG.data_dir

SECRET_KEY = CFG.secret_key
DEBUG = CFG.debug
ALLOWED_HOSTS = [*CFG.allowed_hosts, "testserver"] if CFG.tests else CFG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "huey.contrib.djhuey",
    "axes",
    "accord.core",
    "accord.ledger",
    "accord.comms",
    "accord.negotiation",
    "accord.consult",
    "accord.meetings",
    "accord.alignment",
    "accord.verification",
    "accord.implementation",
    "accord.library",
    "accord.ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "accord.core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.core.middleware.MfaMiddleware",
    "accord.core.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accord.ui.middleware.LabelBannerMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.urls"
ASGI_APPLICATION = "accord.asgi.application"

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
                "accord.ui.context.accord",
                "accord.comms.context.urgent",
            ],
        },
    },
]

# A channel layer drops group messages silently for a channel whose queue is full (default
# 100): a busy instance's fan-out hub must never lose a live event, so its queue is deep.
LAYER_CAPACITY = 100_000

# --- database: embedded SQLite (WAL) unless ACCORD_DATABASE_URL is set -----------------------
if CFG.database_url:
    # Threads other than the HTTP pool (live fan-out, jobs, tests) come and go: persistent
    # per-thread connections would pile up until PostgreSQL refuses clients, so PostgreSQL
    # gets psycopg's pool and every thread returns its connection after each request.
    DATABASES = {"default": dj_database_url.parse(CFG.database_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": CFG.db_pool,
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "accord.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
            # HTTP requests run on a fixed pool of threads (accord.asgi): each keeps its
            # connection rather than opening one (and running the PRAGMAs) per request
            "CONN_MAX_AGE": 600,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- live delivery and background jobs --------------------------------------------------------
if CFG.redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [CFG.redis_url],
                "capacity": LAYER_CAPACITY,
                "prefix": CFG.redis_prefix,
            },
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": CFG.redis_prefix,
        "url": CFG.redis_url,
        "immediate": CFG.tests,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CFG.redis_url,
            "KEY_PREFIX": CFG.redis_prefix,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": LAYER_CAPACITY},
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "accord",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": CFG.tests,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts and security --------------------------------------------------------------------
AUTH_USER_MODEL = "auth.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if CFG.tests:
    # Tests create many users; the production hasher stays argon2 (asserted in tests/core).
    PASSWORD_HASHERS = ["accord.core.hashers.FastArgon2PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: a locked account opens again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accord.core.auth.lockout_response"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CFG.https
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if CFG.https:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        # label colours are per process: inline style *attributes* only, never <style> or scripts
        "style-src-attr": ["'unsafe-inline'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- i18n, static, mail -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = REPO_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / sub)
    for prefix, sub in [
        ("vendor/htmx", "htmx.org/dist"),
        ("vendor/uswds", "@uswds/uswds/dist"),
        ("vendor/vega", "vega/build"),
        ("vendor/vega-lite", "vega-lite/build"),
        ("vendor/vega-embed", "vega-embed/build"),
        ("vendor/leaflet", "leaflet/dist"),
        ("vendor/geoman", "@geoman-io/leaflet-geoman-free/dist"),
        ("vendor/world-atlas", "world-atlas"),
        ("vendor/topojson", "topojson-client/dist"),
    ]
    if (NODE_MODULES / sub).is_dir()
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
EMAIL_BACKEND = CFG.email_backend
DEFAULT_FROM_EMAIL = "accord@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "accord": {"handlers": ["console"], "level": "INFO"},
        "axes": {"handlers": ["console"], "level": "WARNING"},
        # unhandled errors (500) with their traceback, in production too
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

ACCORD = {
    "LEDGER_KEY_PATH": DATA_DIR / "ledger_ed25519.pem",
    "EMBEDDED": CFG.embedded,
}
