"""Settings shared by every environment, read from the process environment.

`DATABASE_URL` selects PostgreSQL (``postgres://...``); without it the app uses
an embedded SQLite file, which is the quick start's default only.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me")
# Key of the ID-number search hash (casework.search_keys). Its own setting, so that rotating
# SECRET_KEY (sessions, signed links) does not orphan every stored hash; changing this one
# means re-running migration 0017's backfill (`manage.py person_search_keys`).
ID_NUMBER_SEARCH_KEY = os.environ.get("ID_NUMBER_SEARCH_KEY", SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "guardian",
    "axes",
    "django_htmx",
    "csp",
    "treebeard",
    "viewflow",
    "viewflow.workflow",
    "casework",
    "permissions",
    "obligations",
    "workflows",
    "notifications",
    "oversight",
    "persons",
    "caseload",
    "drugfree",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.db_routers.WroteMarkerMiddleware",
    "permissions.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "permissions.middleware.PrivateResponseMiddleware",
    "permissions.middleware.RejectNulMiddleware",
    "permissions.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "permissions.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "api.middleware.TokenCallLogMiddleware",
]

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline,
# so an injected <script> or on* attribute does not run. Styles may be inline: the print
# pages and the server-drawn SVG charts carry their own.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# viewflow would append its own site and Turbo middleware; we render our own pages.
VIEWFLOW = {"AUTOREGISTER": False}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "permissions.context_processors.staff",
            ],
        },
    }
]
# Django's form renderer, with select boxes written without a template per option.
FORM_RENDERER = "config.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The planner's cost of a random read. PostgreSQL's default (4) assumes spinning disks and
    # makes it hash whole tables where an index walk from a few thousand grants is 5x faster
    # (the work station's queue: 59 ms -> 13 ms at 100,000 persons). 1.1 is the usual value for
    # SSD storage; set PG_RANDOM_PAGE_COST=4 on rotating disks.
    # JIT off (PG_JIT=on to allow it): at a million persons the estimated cost of a page's
    # statement passes jit_above_cost, and PostgreSQL spent 34 ms compiling 127 functions for a
    # statement that then ran in 6 ms (the work station's duties, whose plan starts from its 500
    # persons; the estimate counts every person's duties).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={os.environ.get('PG_RANDOM_PAGE_COST', '1.1')} "
        f"-c jit={os.environ.get('PG_JIT', 'off')}"
    )
# A streaming replica of the primary (README, deployment): supervisors' read-only pages and
# exports read there (config.db_routers); every write and every other read stays on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.config(
        env="DATABASE_REPLICA_URL", conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        # The primary's planner costs, and a short wait: a replica that does not answer is
        # skipped, and each request should not hang on it first.
        DATABASES["replica"].setdefault("OPTIONS", {}).update(
            {
                **DATABASES["default"].get("OPTIONS", {}),
                "connect_timeout": int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "2")),
            }
        )
    # The test runner makes no database for it: a test that reads from a replica points the alias
    # at the replica's copy of the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_routers.ReplicaRouter"]
# A replica further behind than this is skipped (its answer is checked every few seconds).
DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "30"))
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "5"))
# After a write, the same browser reads from the primary this long, so that it sees its write.
DATABASE_REPLICA_STICKY_SECONDS = int(os.environ.get("DATABASE_REPLICA_STICKY_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The person list counts its persons exactly up to this many; a larger scope (a county) shows
# PostgreSQL's estimate ("about N") instead of reading every row of it on each request.
PERSON_LIST_EXACT_COUNT_MAX = int(os.environ.get("PERSON_LIST_EXACT_COUNT_MAX", "1000"))
# The access-log page pages through at most this many of the newest matching rows (a count of
# them, not of the millions a county's log holds); older ones are found by date.
ACCESS_LOG_PAGE_ROWS_MAX = int(os.environ.get("ACCESS_LOG_PAGE_ROWS_MAX", "1000"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures lock the username for 15 minutes (perf-security.md, ASVS V2.2).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Offices share one NAT address: locking by IP would lock a whole police station
# out after one colleague's typos, so lockout is per account (ASVS V2.2.1 allows either).
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    # SQLite (quick start only) cannot enforce NULLS NOT DISTINCT on the schedule table; PostgreSQL does.
    "models.W047",
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Sessions: 30 minutes idle, 12 hours absolute (enforced by SessionTimeoutMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# `make run` lets whitenoise serve the files straight from the apps' static folders (no
# collectstatic: compressing viewflow's bundles takes minutes on a small machine); deployments
# collect them into STATIC_ROOT.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", False)
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"
# A decision document's photo or scan (PDF, JPEG or PNG); a phone photo is 2-4 MB.
DECISION_UPLOAD_MAX_BYTES = int(os.environ.get("DECISION_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
# The quick start (`make run`, `make dev`) runs without a broker or worker: the page's background
# work (a monthly report, a township's case-file zip) then runs in the request that asks for it.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Proxies whose X-Forwarded-For the access log believes (addresses or networks, comma-separated),
# e.g. TRUSTED_PROXIES=127.0.0.1 for the HTTPS proxy on the same host. Empty: REMOTE_ADDR only.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

APP_NAME = _("社区戒毒社区康复工作平台")

# Background work in deployments: the daily scan and viewflow's DB timers.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # At night, in this order: the scan marks what fell overdue (and sends the digests), then
    # the supervisors' figures are recomputed from the marked records.
    # A help-team membership ends on its date in the door itself; this removes the spent rows
    # and adds the grants of memberships starting today.
    "team-grants-daily": {
        "task": "workflows.tasks.refresh_team_grants",
        "schedule": crontab(minute=5, hour=0),
    },
    "scan-obligations-daily": {
        "task": "workflows.tasks.scan_obligations",
        "schedule": crontab(minute=30, hour=1),
    },
    "refresh-figures-daily": {
        "task": "oversight.tasks.refresh_figures",
        "schedule": crontab(minute=0, hour=2),
    },
    "workflow-timers-every-minute": {
        "task": "workflows.tasks.fire_workflow_timers",
        "schedule": 60,
    },
    # The access log's partitions for this month and the next two, then the retention (if set).
    "access-log-partitions-daily": {
        "task": "permissions.tasks.access_log_partitions_maintain",
        "schedule": crontab(minute=15, hour=0),
    },
    # Last month's township reports, on the 1st at 02:30.
    "monthly-reports": {
        "task": "oversight.tasks.monthly_reports",
        "schedule": crontab(minute=30, hour=2, day_of_month=1),
    },
}
# The night's scan and figures as one canvas split by county across the workers, instead of the
# two single-process jobs (workflows.tasks says when that pays). Same rows either way.
NIGHTLY_BY_COUNTY = env_bool("NIGHTLY_BY_COUNTY", False)
if NIGHTLY_BY_COUNTY:
    del CELERY_BEAT_SCHEDULE["scan-obligations-daily"], CELERY_BEAT_SCHEDULE["refresh-figures-daily"]
    CELERY_BEAT_SCHEDULE["nightly-by-county"] = {
        "task": "workflows.tasks.nightly_by_county",
        "schedule": crontab(minute=30, hour=1),
    }
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- The REST API (api/): DRF, tokens (django-rest-knox, our own token model with a name),
# OpenAPI 3 by drf-spectacular with Swagger UI and ReDoc served from the app (sidecar, no CDN).
KNOX_TOKEN_MODEL = "api.ApiToken"
# knox's own migrations create its default token table, which the swapped model never uses (and
# whose foreign key to users would outlive every test's flush): the api app's migration is the table.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=90),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "cw_",
}
# Requests per minute, per token and per user (a user's tokens and browser session together).
API_THROTTLE_RATES = {
    "token": os.environ.get("API_THROTTLE_TOKEN", "120/min"),
    "user": os.environ.get("API_THROTTLE_USER", "240/min"),
}
# A JSON body larger than this is refused before it is parsed (the one error shape, 413).
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(256 * 1024)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.NamedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "api.throttling.UserRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "社区戒毒社区康复工作平台 API · Community Detox & Rehabilitation Casework API",
    "DESCRIPTION": (
        "与页面同一道门：只返回调用者可见的人员和记录，无权查看的对象一律 404；每次读取人员写访问日志。\n\n"
        "Through the same door as the pages: only what the caller may see; anything else is 404; "
        "every read of a person writes an access-log row."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "casework.models.Person.Sex",
        "EpisodeStatusEnum": "casework.models.Episode.Status",
        "EpisodeKindEnum": "casework.models.Episode.Kind",
        "ObligationStatusEnum": "casework.models.Obligation.Status",
        "ObligationKindEnum": "casework.models.ObligationKind",
        "TalkKindEnum": "casework.models.Talk.Kind",
        "ReferralKindEnum": "casework.models.Referral.Kind",
        "ReferralStatusEnum": "casework.models.Referral.Status",
        "OutcomeKindEnum": "casework.models.ReferralOutcome.Kind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}

# Months of access log kept on PostgreSQL; older monthly partitions are dropped by the nightly job.
# 0 keeps every row. The law asks for at least six months of network logs (网络安全法 第二十一条),
# so a smaller number is refused here, at start-up.
ACCESS_LOG_RETENTION_MONTHS = int(os.environ.get("ACCESS_LOG_RETENTION_MONTHS", "0") or "0")
if 0 < ACCESS_LOG_RETENTION_MONTHS < 6 or ACCESS_LOG_RETENTION_MONTHS < 0:
    from django.core.exceptions import ImproperlyConfigured  # noqa: E402

    raise ImproperlyConfigured(
        f"ACCESS_LOG_RETENTION_MONTHS={ACCESS_LOG_RETENTION_MONTHS}：访问记录至少保存 6 个月"
        "（网络安全法第二十一条），请设为 0（永久保存）或不少于 6 的月数。"
    )
