"""Settings for the NTM portal: one module, read from the environment (django-environ).

With no environment at all the portal runs on the embedded default: SQLite under var/,
Celery tasks executed in-process, mail written to var/mail/. Production sets DEBUG=0 and
must then provide SECRET_KEY (see .env.example and docs).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_celery_beat",
    "axes",
    "csp",
    "communes",
    "criteria",
    "core",
    "notifications",
    "inspections",
    "reports",
    "meetings",
    "dashboards",
    "office",
    "ntm_portal",
]

MIDDLEWARE = [
    "ntm_portal.health_probe.HealthProbeMiddleware",  # first: monitoring asks gunicorn's address over HTTP
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ntm_portal.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before checking passwords
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account (username + address) for an hour after 5 failed logins; the page explains it in Vietnamese.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client's address, read by django-axes through django-ipware. AXES_PROXY_COUNT is the number of
# reverse proxies in front of gunicorn (1 behind the nginx of docs/DEPLOY.md). 0, the default: the
# connection's address only, and X-Forwarded-For is ignored (a client could write anything there).
# Each proxy appends the address it saw to X-Forwarded-For, so the client is the N-th entry from the right;
# entries further left come from the client and are skipped (IPWARE_STRICT off: a forged header is not
# refused, which would lump every forger together under the proxy's own address).
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1  # ipware counts the proxies listed in the header
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
IPWARE_STRICT = False

# Content-Security-Policy: no inline scripts or styles anywhere in the portal (the admin excepted).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
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
    },
}

ROOT_URLCONF = "ntm_portal.urls"
WSGI_APPLICATION = "ntm_portal.wsgi.application"

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
                "ntm_portal.context_processors.portal",
            ],
        },
    },
]

if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default keeps its SQLite file there
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ntm_portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first, English second. Source strings are Vietnamese; locale/en holds English.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["ntm_portal.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Media: a local folder by default; several web nodes share an S3-compatible store instead
# (MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage with django-storages; see docs/DEPLOY.md).
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The S3 backend (django-storages) reads these; credentials come from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY in the environment (boto3 reads them). The bucket stays private: every file is
# streamed by a view that checks who asks (ntm_portal/tests/test_two_nodes_storage.py).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
# "path" for a store reached by a host name without wildcard DNS (MinIO and the like): bucket in the path.
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
AWS_DEFAULT_ACL = None  # no ACL sent: objects take the bucket's (private); works with ACLs disabled too
AWS_QUERYSTRING_AUTH = True  # private files: never public URLs
# A file read from the store (to stream a download) spills from memory to a temporary file above this size.
AWS_S3_MAX_MEMORY_SIZE = 2 * 1024 * 1024
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set with the S3 media storage.")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
# Widgets render through Jinja2 (Django ships its widget templates for it): the monthly report form has
# about 250 widgets, which the Django template engine renders several times slower.
FORM_RENDERER = "core.form_renderer.FastWidgetsJinja2"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: by default written as files to var/mail/ so a newcomer can read what the portal sends.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng NTM <ntm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message whose worker died unacknowledged goes back to the queue after this long (Redis' default is
    # one hour): longer than the longest task and than any retry countdown, or it would run twice.
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=900),
    # A broker that does not answer (or vanished without closing the connection) must fail a hand-over
    # quickly, not hang the request that asked for it.
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Reminders: days before the deadline (negative: after it) and the channels used.
REMINDER_OFFSETS = {"t-5": 5, "t-2": 2, "t-0": 0, "overdue": -1}
REMINDER_CHANNELS = env.list("REMINDER_CHANNELS", default=["email", "inbox"])
REMINDER_MAX_ATTEMPTS = 6
# A claim older than this is taken to be a crashed sender: the reminder is tried again.
REMINDER_CLAIM_TIMEOUT_SECONDS = 600

# The outbox (core/outbox.py): a task handed over but not done after OUTBOX_RETRY_AFTER_SECONDS is
# handed over again (the wait doubles each time), at most OUTBOX_MAX_ATTEMPTS times; the meeting page
# offers a retry for minutes still not rendered after OUTBOX_RENDER_PATIENCE_SECONDS.
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=600)
OUTBOX_MAX_ATTEMPTS = 6
OUTBOX_RENDER_PATIENCE_SECONDS = 120

# Every periodic job of the portal, in one place (django-celery-beat copies them into the database,
# where an administrator can see them and pause one).
CELERY_BEAT_SCHEDULE = {
    "daily-reminders": {
        "task": "reports.tasks.run_daily_reminders",
        "schedule": crontab(minute=30, hour=7),
    },
    "create-periods-ahead": {
        "task": "reports.tasks.create_periods_ahead",
        "schedule": crontab(minute=5, hour=0, day_of_month=1),
    },
    # Hands over again what a broker outage or a killed worker lost (mails, minutes, reminders).
    "sweep-outbox": {
        "task": "core.tasks.sweep_outbox",
        "schedule": crontab(minute="*/2"),
    },
}

# Security: strict in production (DEBUG off), relaxed for the local embedded default.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way decision for the operator's domain; not ours to make.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

# Upload limits (bytes); files above are refused by the central validator.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_BYTES = 15 * 1024 * 1024
IMPORT_MAX_BYTES = 5 * 1024 * 1024  # a unit or criteria file an office imports (office.imports)
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Images (photos, evidence) are refused above this many pixels, read from the header before decoding;
# processing a 40 MP photo takes ~210 MB as PNG, ~60 MB as JPEG (decoded at a reduced scale).
# Pillow's own limit is set to it too (core/uploads.py).
IMAGE_MAX_PIXELS = 40_000_000
# XLSX files read by the portal (report template, criteria and unit imports) are refused before parsing
# above these limits (core/tabular.py open_workbook): openpyxl's time and memory follow the XML inside.
XLSX_MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # all parts unpacked; 5,000 units × 5 columns is 1.5 MB
XLSX_MAX_RATIO = 100  # unpacked / packed size of any part over 1 MB; real sheets pack 5-20 times
XLSX_MAX_PARTS = 200
# XML elements in all parts together (5,000 units × 5 columns: 80,000). At the limit openpyxl's worst
# part (styles) takes ~4 s and ~150 MB; 1,000,000 took 14 s and 600 MB.
XLSX_MAX_XML_ELEMENTS = 250_000
XLSX_MAX_ROWS = 5_000  # per sheet, counting rows that hold cells; the report template has ~45
XLSX_MAX_COLUMNS = 60
