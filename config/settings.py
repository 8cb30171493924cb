"""One settings module; the environment decides.

Three environments, chosen by ``DJANGO_ENV`` (or implied):

* ``development`` (default): SQLite in WAL mode, Celery on a filesystem broker, console
  e-mail, DEBUG on. Needs no server.
* ``test``: like development but DEBUG off and cheap password hashing; ``DATABASE_URL``
  points it at PostgreSQL in CI.
* ``production``: implied when ``DATABASE_URL`` is set and ``DJANGO_ENV`` is not. Requires
  ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``; turns on HTTPS-only cookies, HSTS and
  the SSL redirect; Redis for Celery and the cache.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV") or (
    "production" if os.environ.get("DATABASE_URL") else "development"
)
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"

DEBUG = env_bool("DJANGO_DEBUG", default=ENVIRONMENT == "development")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    # Only for development and tests: a fixed key keeps sessions valid across restarts.
    SECRET_KEY = "dev-insecure-" + "k" * 50

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Help Community")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django.contrib.postgres",  # SearchVectorField for forum search; inert on SQLite
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "django_ratelimit",
    # Ours, bottom of the stack first (see DESIGN.md for who may import whom).
    "core",
    "accounts",
    "forum",
    "experts",
    "rewards",
    "escalations",
    "notifications",
    "listening",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "core.ratelimit.IpWriteRateLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
                # busy timeout instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
# Services open their own transactions; see CONVENTIONS.md.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Parallel test workers each get their own Redis database: tests clear the cache
    # (FLUSHDB), which must not wipe another worker's rate-limit counters mid-test.
    _worker = int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _worker % 15}"
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by the web workers and Celery in the embedded default (no server needed).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth and accounts ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "forum:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory" if PRODUCTION else "optional"
)
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "forum:home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Brute force protection on login, sign-up and resets (allauth keeps the counters in the cache).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# Providers (Google, Microsoft, …) are added to INSTALLED_APPS and configured with
# SocialApp rows in the admin; none is needed to run.
SOCIALACCOUNT_PROVIDERS: dict = {}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# locale/ is ours (makemessages writes to the first entry). locale_overrides/ re-translates
# allauth's German messages, which say "du", into the "Sie" our UI uses; every LOCALE_PATHS
# catalog outranks the installed apps' ones (see locale_overrides/README.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests serve static files straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail ---------------------------------------------------------------------------------
# Django 6.1 mailers. Production: SMTP from EMAIL_* variables, or any backend by EMAIL_BACKEND
# (e.g. "anymail.backends.postmark.EmailBackend" with django-anymail).
_smtp_options = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "25")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    "timeout": 20,
}
_mail_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": _smtp_options if _mail_backend.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "community@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the API's progressive-enhancement script reads it
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is on so `check --deploy` is clean; set DJANGO_HSTS_PRELOAD=0 for a domain
    # that must stay reachable over plain HTTP on some subdomain.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
# No inline scripts or styles anywhere: every script is a static file.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

RATELIMIT_VIEW = "core.views.rate_limited"
# W001: django-ratelimit only "officially" knows django-redis, but Django's own RedisCache
# has the atomic incr it needs. Without Redis (embedded default) the file cache is shared
# between processes but its incr is not atomic: a burst may pass a few more writes than the
# limit, which is acceptable for a single-machine install. Production uses Redis.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's
    # WWW-Authenticate header, and only a class that has one turns 403 into 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "writes": os.environ.get("API_THROTTLE_WRITES", "60/min"),
        "votes": os.environ.get("API_THROTTLE_VOTES", "120/min"),
        "accepts": os.environ.get("API_THROTTLE_ACCEPTS", "20/hour"),
        # Password guessing through the token endpoint, per client IP.
        "auth_token": os.environ.get("API_THROTTLE_AUTH_TOKEN", "5/min"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Names nested Input/OutputSerializers after their view (see config.api_schema).
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Questions, answers, votes and accepted answers of the support community.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # validatorUrl off: the badge would load an image from validator.swagger.io, which the
    # CSP (img-src 'self') blocks anyway, and it would leak the schema URL.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Tags come from the first segment after this ("threads", "answers", "me", ...).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Two apps have a "kind" choice field; name their enums so neither gets a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "notifications.kinds.Kind",
        "PayoutMethodKindEnum": "rewards.models.PayoutMethodKind",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or (REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast/control messages (remote control, pings) also live on disk.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"rewards.*": {"queue": "money"}}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# All periodic work is declared here, in one place.
CELERY_BEAT_SCHEDULE = {
    "redispatch-missed-events": {
        "task": "core.tasks.redispatch_pending_events",
        "schedule": timedelta(seconds=60),
    },
    "prune-delivered-events": {
        "task": "core.tasks.prune_delivered_events",
        "schedule": crontab(hour=3, minute=17),
    },
    "escalations-sweep": {
        "task": "escalations.tasks.sweep",
        "schedule": timedelta(seconds=60),
    },
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "notifications-send-stuck-emails": {
        "task": "notifications.tasks.send_stuck_emails",
        "schedule": timedelta(minutes=5),
    },
    "rewards-release-pending": {
        "task": "rewards.tasks.release_pending_rewards",
        "schedule": timedelta(minutes=10),
    },
    "rewards-expire-bounties": {
        "task": "rewards.tasks.expire_bounties",
        "schedule": timedelta(minutes=15),
    },
    "rewards-resubmit-stuck-payouts": {
        "task": "rewards.tasks.resubmit_stuck_payouts",
        "schedule": timedelta(minutes=5),
    },
    "experts-escalate-unanswered": {
        "task": "experts.tasks.escalate_unanswered",
        "schedule": timedelta(minutes=30),
    },
    "experts-remind-askers": {
        "task": "experts.tasks.remind_askers",
        "schedule": crontab(hour=10, minute=5),
    },
    "experts-refresh-scores": {
        "task": "experts.tasks.refresh_scores",
        "schedule": crontab(hour=4, minute=11),
    },
    "experts-calibrate-routing": {
        "task": "experts.tasks.calibrate_routing",
        "schedule": crontab(hour=4, minute=41),
    },
    "metrics-refresh-rollups": {
        "task": "metrics.tasks.refresh_rollups",
        "schedule": timedelta(minutes=15),
    },
    "metrics-monthly-summary": {
        "task": "metrics.tasks.queue_monthly_summaries",
        "schedule": crontab(day_of_month=1, hour=6, minute=30),
    },
    "moderation-expire-sanctions": {
        "task": "forum.moderation.tasks.expire_sanctions",
        "schedule": timedelta(minutes=10),
    },
    "privacy-purge-ip-addresses": {
        "task": "accounts.tasks.purge_ip_addresses",
        "schedule": crontab(hour=2, minute=41),
    },
    "privacy-delete-expired-exports": {
        "task": "accounts.tasks.delete_expired_exports",
        "schedule": crontab(minute=23),
    },
    "listening-poll-sources": {
        "task": "listening.tasks.poll_due_sources",
        "schedule": timedelta(minutes=5),
    },
}
# Events younger than this are left to their own on-commit dispatch by the sweeper.
OUTBOX_REDISPATCH_AFTER = timedelta(seconds=30)
OUTBOX_RETENTION = timedelta(days=30)

# --- Forum rules ----------------------------------------------------------------------------
FORUM_EDIT_WINDOW = timedelta(hours=int(os.environ.get("FORUM_EDIT_WINDOW_HOURS", "48")))
FORUM_ANSWERS_PER_PAGE = 30
FORUM_THREADS_PER_PAGE = 25
FORUM_TITLE_MIN_LENGTH = 10
FORUM_TITLE_MAX_LENGTH = 200
FORUM_BODY_MIN_LENGTH = 15
FORUM_BODY_MAX_LENGTH = 30_000
FORUM_ANSWER_MIN_LENGTH = 5
FORUM_MAX_TAGS = 5
FORUM_RATE_POSTS = os.environ.get("FORUM_RATE_POSTS", "30/h")
FORUM_RATE_VOTES = os.environ.get("FORUM_RATE_VOTES", "120/h")
FORUM_RATE_ACCEPTS = os.environ.get("FORUM_RATE_ACCEPTS", "20/h")
# Per client IP, on top of the per-user limits above (core/ratelimit.py): several people
# share an address behind a NAT, so these are larger.
RATE_LIMITS_PER_IP = {
    "posts": os.environ.get("RATE_IP_POSTS", "120/h"),
    "votes": os.environ.get("RATE_IP_VOTES", "600/h"),
    "accepts": os.environ.get("RATE_IP_ACCEPTS", "60/h"),
    "flags": os.environ.get("RATE_IP_FLAGS", "100/h"),
}

# --- Moderation (forum/moderation/rules.py explains the flag weighting) -------------------
MODERATION_AUTOHIDE_THRESHOLD = float(os.environ.get("MODERATION_AUTOHIDE_THRESHOLD", "1.5"))
# 0 turns the new-account rules off; the test suite does (tests/moderation turn them on), so
# other apps' tests that post a lot from fresh accounts are not held for review.
MODERATION_NEW_ACCOUNT_DAYS = int(
    os.environ.get("MODERATION_NEW_ACCOUNT_DAYS", "0" if TESTING else "3")
)
MODERATION_NEW_ACCOUNT_MAX_LINKS = int(os.environ.get("MODERATION_NEW_ACCOUNT_MAX_LINKS", "2"))
MODERATION_NEW_ACCOUNT_POSTS_PER_HOUR = int(
    os.environ.get("MODERATION_NEW_ACCOUNT_POSTS_PER_HOUR", "5")
)
MODERATION_PREMODERATE_FIRST_POSTS = env_bool("MODERATION_PREMODERATE_FIRST_POSTS", default=False)
MODERATION_RATE_FLAGS = os.environ.get("MODERATION_RATE_FLAGS", "30/h")

# --- Privacy --------------------------------------------------------------------------------
PRIVACY_IP_RETENTION_DAYS = int(os.environ.get("PRIVACY_IP_RETENTION_DAYS", "90"))
PRIVACY_EXPORT_LINK_MAX_AGE = timedelta(hours=int(os.environ.get("PRIVACY_EXPORT_HOURS", "48")))

# --- Rewards (money in integer minor units) --------------------------------------------------
REWARDS_CURRENCIES = {
    "PTS": {"name": "points", "exponent": 0},
    "EUR": {"name": "euro", "exponent": 2},
}
REWARDS_POINTS_CURRENCY = "PTS"
REWARDS_CASH_CURRENCY = "EUR"
REWARDS_HOLD_DAYS = int(os.environ.get("REWARDS_HOLD_DAYS", "14"))
REWARDS_MIN_PAYOUT_MINOR = int(os.environ.get("REWARDS_MIN_PAYOUT_MINOR", "1000"))
REWARDS_AUTO_APPROVE_LIMIT_MINOR = int(os.environ.get("REWARDS_AUTO_APPROVE_LIMIT_MINOR", "0"))
REWARDS_BOUNTY_DAYS = 7
REWARDS_RATE_BOUNTIES = os.environ.get("REWARDS_RATE_BOUNTIES", "10/h")
REWARDS_STRIPE_API_KEY = os.environ.get("REWARDS_STRIPE_API_KEY", "sk_test_unset")
REWARDS_STRIPE_API_BASE = os.environ.get("REWARDS_STRIPE_API_BASE", "")
REWARDS_STRIPE_WEBHOOK_SECRET = os.environ.get("REWARDS_STRIPE_WEBHOOK_SECRET", "whsec_unset")
REWARDS_SEPA_DEBTOR = {
    "name": os.environ.get("REWARDS_SEPA_DEBTOR_NAME", "Help Community GmbH"),
    "IBAN": os.environ.get("REWARDS_SEPA_DEBTOR_IBAN", "DE89370400440532013000"),
    "BIC": os.environ.get("REWARDS_SEPA_DEBTOR_BIC", "COBADEFFXXX"),
}

# --- Notifications --------------------------------------------------------------------------
# Recipients per query/insert in a fan-out, and notification ids per e-mail task.
NOTIFICATIONS_BATCH_SIZE = 1000
NOTIFICATIONS_EMAIL_TASK_BATCH = 200
# Default e-mail frequency per kind when a user has not chosen ("instant", "daily", "never").
NOTIFICATIONS_EMAIL_DEFAULT = {"reward_update": "daily"}
# Reply by e-mail: reply+<token>@<domain> must reach the inbound webhook; empty disables it.
NOTIFICATIONS_REPLY_DOMAIN = os.environ.get("NOTIFICATIONS_REPLY_DOMAIN", "")
# Shared secret of the inbound mail webhook (HMAC-SHA256 in X-Inbound-Signature).
NOTIFICATIONS_INBOUND_SECRET = os.environ.get("NOTIFICATIONS_INBOUND_SECRET", "")

# --- Escalations ----------------------------------------------------------------------------
# How long the asker gives the community before the "ask staff" button works.
ESCALATIONS_CUSTOMER_WAIT = timedelta(
    hours=float(os.environ.get("ESCALATIONS_CUSTOMER_WAIT_HOURS", "24"))
)
ESCALATIONS_CUSTOMER_DAILY_LIMIT = int(os.environ.get("ESCALATIONS_CUSTOMER_DAILY_LIMIT", "3"))
ESCALATIONS_AUTO_ASSIGN = env_bool("ESCALATIONS_AUTO_ASSIGN", default=True)
ESCALATIONS_NO_RESPONSE_AFTER = timedelta(days=7)
ESCALATIONS_WEBHOOK_TIMEOUT = 10
# Allows helpdesk webhooks to private/loopback addresses for every endpoint (tests, on-prem).
ESCALATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("ESCALATIONS_WEBHOOK_ALLOW_PRIVATE", default=False)
ESCALATIONS_INBOUND_SECRET = os.environ.get("ESCALATIONS_INBOUND_SECRET", "")
ESCALATIONS_INBOUND_MAX_AGE = timedelta(minutes=5)

# --- Metrics dashboard (EUR minor units) ----------------------------------------------------
# What one escalation case costs in staff time, and one contact through the phone hotline.
METRICS_STAFF_COST_PER_CASE_MINOR = int(os.environ.get("METRICS_STAFF_COST_PER_CASE_MINOR", "2500"))
METRICS_HOTLINE_COST_PER_CONTACT_MINOR = int(
    os.environ.get("METRICS_HOTLINE_COST_PER_CONTACT_MINOR", "1200")
)

# --- Listening (support questions posted outside the community) ----------------------------
# Feeds and mailboxes on private/loopback addresses are refused unless this is on (tests,
# on-prem) or the source itself allows it.
LISTENING_ALLOW_PRIVATE = env_bool("LISTENING_ALLOW_PRIVATE", default=False)
LISTENING_FETCH_TIMEOUT = float(os.environ.get("LISTENING_FETCH_TIMEOUT", "15"))
LISTENING_FETCH_MAX_BYTES = int(os.environ.get("LISTENING_FETCH_MAX_BYTES", str(5 * 1024 * 1024)))
LISTENING_ITEM_MAX_CHARS = 10_000
LISTENING_POLL_INTERVAL = timedelta(minutes=int(os.environ.get("LISTENING_POLL_MINUTES", "15")))
LISTENING_INBOUND_MAX_AGE = timedelta(minutes=5)
# An item is shown in the inbox when the support probability reaches this.
LISTENING_SUPPORT_THRESHOLD = float(os.environ.get("LISTENING_SUPPORT_THRESHOLD", "0.5"))

# --- Search -------------------------------------------------------------------------------
# PostgreSQL text search configuration ("english", "german", …); SQLite's FTS5 stems English.
SEARCH_LANGUAGE = os.environ.get("SEARCH_LANGUAGE", "english")
# Full search on PostgreSQL ranks at most this many of the newest matches (see
# forum/search/backends/postgres.py); bench/README.md has the latency at 1M posts.
SEARCH_RANK_POOL = int(os.environ.get("SEARCH_RANK_POOL", "1000"))

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
