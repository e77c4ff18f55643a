"""Settings, every one read from the environment (see README, "Configuration")."""

import os
from datetime import timedelta
from pathlib import Path

import csp.constants
import dj_database_url
import pghistory
from celery.schedules import crontab

from config.env import SettingError, envbool, envchoice, envint, envlist, envproxyheader, envrequired, envurl
from config.observability import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent


DEBUG = envbool("DEBUG", "False")
# With DEBUG: Django's technical 404 and 400 pages instead of the site's (inventory/middleware.py).
DEBUG_TECHNICAL_ERRORS = envbool("DEBUG_TECHNICAL_ERRORS", "False")
SECRET_KEY = os.getenv("SECRET_KEY") or ("insecure-development-key" if DEBUG else envrequired("SECRET_KEY"))
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# An outdated form: a Dutch page that keeps what was typed (inventory/views/errors.py).
CSRF_FAILURE_VIEW = "inventory.views.errors.csrf_failure"
SITE_NAME = os.getenv("SITE_NAME", "Inventaris sociale economie")


# Where the site is reached from outside: e-mails (sent by a worker, without a request) link to pages under it.
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "import_export",
    "django_filters",
    "django_tables2",
    "csp",
    "accounts.apps.AxesConfig",  # django-axes with a Dutch name in the admin
    # The second factor (README, "Two-factor login"): django-otp's devices, an authenticator app and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "inventory",
    "opendata",
]

MIDDLEWARE = [
    # The access log: first, so that every answer has its line (README, "Logs and error reporting").
    "config.middleware.RequestLogMiddleware",
    # /livez and /readyz, answered before host checks, redirects and sessions (config/probes.py).
    "config.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so that static files keep its caching headers and go without these.
    "config.middleware.NoStoreMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # A query parameter with a control character is a 400 before any view reads it (inventory/middleware.py).
    "inventory.middleware.QueryCheckMiddleware",
    # The audit trail records the request's user and URL with every change (README, "Audit trail").
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Who needs a second factor and has not given it reaches only the set-up or code page (accounts/second_factor.py).
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The site's own 404 and 400 pages under DEBUG too (inventory/middleware.py).
    "inventory.middleware.FriendlyErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "inventory.context_processors.roles",
            ],
        },
    },
]

# Connections are kept between requests (CONN_MAX_AGE seconds) and checked before a request reuses one: after
# PostgreSQL dropped them (a restart, a failover) the next request connects anew instead of failing with a 500.
try:
    DATABASES = {
        "default": dj_database_url.parse(
            envurl("DATABASE_URL", "", schemes=("postgres", "postgresql")),
            conn_max_age=envint("CONN_MAX_AGE", "60"),
            conn_health_checks=envbool("CONN_HEALTH_CHECKS", "True"),
        )
    }
except ValueError as error:  # dj-database-url's own complaint (a port that is not a number, ...)
    raise SettingError("DATABASE_URL", str(error)) from None
# A database that does not answer fails a request (and /readyz) after this many seconds instead of hanging.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint("DATABASE_CONNECT_TIMEOUT", "5", minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inventory:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# nl-BE first; Django's own strings (admin, auth) come translated.
LANGUAGE_CODE = "nl-be"
# Each language by its own name, as a language switch offers them (whoever needs English cannot read "Engels").
LANGUAGES = [("nl-be", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
# Off: years and ids must print as 2019, not 2.019; counts are grouped explicitly (inventory/templatetags/numbers.py).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Mails go out by SMTP unless DEBUG (`make run` prints them to its log); a production site without EMAIL_HOST
# fails to send loudly (the mail queue's log, error reporting) instead of printing mails nobody reads.
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "inventaris@pomwvl.be")

REDIS_URL = envurl("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A save must never hang on a broker that is away: fail fast, the periodic sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "visibility_timeout": 600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue per kind of work (README, "Production"), so that a long import never holds back a recompute or a
# mail. A worker started without -Q takes from all four (`make run`, the tests); production runs one per queue.
WORKER_QUEUES = ("aggregates", "imports", "mail", "housekeeping")
CELERY_TASK_QUEUES: dict[str, dict[str, str]] = {name: {} for name in WORKER_QUEUES}
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {
    "inventory.tasks.recompute_aggregates": {"queue": "aggregates"},
    "inventory.tasks.sweep_aggregates": {"queue": "aggregates"},
    "inventory.tasks.run_import_job": {"queue": "imports"},
    "inventory.tasks.sweep_import_jobs": {"queue": "imports"},
    "inventory.tasks.notify_submission": {"queue": "mail"},
    "inventory.tasks.send_reminders": {"queue": "mail"},
    "inventory.tasks.*": {"queue": "housekeeping"},
    "accounts.tasks.send_invitation": {"queue": "mail"},
    "accounts.tasks.*": {"queue": "housekeeping"},
    "opendata.tasks.*": {"queue": "housekeeping"},
}
# Every task stops itself after TASK_SOFT_TIME_LIMIT seconds and is killed after TASK_TIME_LIMIT (imports and
# backups bring their own limits); the hard limit stays under the broker's visibility timeout (600 s), or Redis
# would hand a running acks-late task to a second worker.
CELERY_TASK_SOFT_TIME_LIMIT = envint("TASK_SOFT_TIME_LIMIT", "300", minimum=1)
CELERY_TASK_TIME_LIMIT = envint("TASK_TIME_LIMIT", "360", minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < 600:
    raise SettingError(
        "TASK_TIME_LIMIT",
        f"TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT}) < TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT}) < 600 "
        "is required",
    )
# Workers write a heartbeat every WORKER_HEARTBEAT_SECONDS (config/celery.py); one whose last beat is older than
# WORKER_HEARTBEAT_MAX_AGE counts as gone (/readyz, the operations page, the dashboard's notice).
WORKER_HEARTBEAT_SECONDS = envint("WORKER_HEARTBEAT_SECONDS", "10", minimum=1)
WORKER_HEARTBEAT_MAX_AGE = envint("WORKER_HEARTBEAT_MAX_AGE", "60", minimum=1)


def redis_cache(url: str) -> dict[str, object]:
    # The dashboard and Kerncijfers keep their rendered figures here (inventory/figures.py `cached`); short
    # timeouts, because a page builds them itself when Redis is away.
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "inventaris",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHES = {"default": redis_cache(REDIS_URL)}

# HTTPS and the browser's protections (README, "Security"). Without DEBUG every switch defaults to the secure
# choice; `make run` (DEBUG=True) serves plain HTTP on 127.0.0.1. Only HSTS preload is opt-in: it asks browsers
# to hard-code the domain, which is slow to undo.
https_only = "False" if DEBUG else "True"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", https_only)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", https_only)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
# Checks an operator has decided to accept, named one by one: `entrypoint.sh check` fails on every other warning.
# Until POM has decided on preload, production sets security.W021 here (README, "Production").
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", "")


SECURE_PROXY_SSL_HEADER = envproxyheader("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", https_only)
CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
# Django's defaults, stated because the README promises them and `check --deploy` looks for them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: only the site's own static files. Every script is a file (static/js/), no inline style attribute
# (charts use SVG presentation attributes), so neither scripts nor styles need 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.NONE],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],  # the admin's autocomplete asks the server as one types
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
        "base-uri": [csp.constants.NONE],
    }
}
# Browser features no page uses, switched off for the site and anything it might embed (config/middleware.py).
PERMISSIONS_POLICY = [
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
]
# The portal form posts two fields per cell (persons and explanation) and one per row and added region: Django's
# default of 1,000 fields would answer 400 to an organisation with 500 cells (bench/portal.py saves 1,000).
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", "10000")

# Reporting years the inventory accepts (also a database constraint).
YEAR_MIN = 2000
YEAR_MAX = 2100

# Figures that belong to no organisation go to POM's own submission; this is POM's enterprise number
# (the demo's "POM West-Vlaanderen" by default).
POM_KBO = os.getenv("POM_KBO", "0410013753")
# Bulk imports (inventory/services/imports.py): limits on what one uploaded file may hold.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(50 * 1024 * 1024))
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "1000000")
# An XLSX is a zip: the declared unpacked size of every part is checked before it is opened (zip bombs): no part
# over IMPORT_MAX_UNZIPPED_RATIO times the upload, no part nor all together over IMPORT_MAX_UNZIPPED_BYTES (a
# 1,000,000-row sheet unpacks to 150-290 MB), the shared strings, which openpyxl reads into memory whole, not over
# IMPORT_MAX_SHARED_STRINGS_BYTES. Real workbooks unpack to 5-15 times their size.
IMPORT_MAX_UNZIPPED_RATIO = envint("IMPORT_MAX_UNZIPPED_RATIO", "100")
IMPORT_MAX_UNZIPPED_BYTES = envint("IMPORT_MAX_UNZIPPED_BYTES", str(300 * 1024 * 1024))
IMPORT_MAX_SHARED_STRINGS_BYTES = envint("IMPORT_MAX_SHARED_STRINGS_BYTES", str(50 * 1024 * 1024))
# Every upload is read in the Celery task run_import_job, never in a web process (README, "Imports"). Past the soft
# limit the task stops itself and the job fails with a message; past the hard limit the worker kills its process.
# The hard limit stays under the broker's visibility timeout, or Redis would hand a running task to another worker.
IMPORT_SOFT_TIME_LIMIT = envint("IMPORT_SOFT_TIME_LIMIT", "300")
IMPORT_TIME_LIMIT = envint("IMPORT_TIME_LIMIT", "360")
if not 0 < IMPORT_SOFT_TIME_LIMIT < IMPORT_TIME_LIMIT < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]:
    raise SettingError(
        "IMPORT_TIME_LIMIT",
        f"IMPORT_SOFT_TIME_LIMIT ({IMPORT_SOFT_TIME_LIMIT}) < IMPORT_TIME_LIMIT ({IMPORT_TIME_LIMIT}) < 600 "
        "is required",
    )
# A job still queued after this many seconds failed to reach a worker; the sweep (every IMPORT_SWEEP_SECONDS) marks
# it failed, and a job running past IMPORT_TIME_LIMIT as well (its worker was lost).
IMPORT_QUEUE_TIMEOUT = envint("IMPORT_QUEUE_TIMEOUT", "1800")
IMPORT_SWEEP_SECONDS = envint("IMPORT_SWEEP_SECONDS", "60")
# A worker process that grew past this (in MB) after a task is replaced by a fresh one.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = envint("WORKER_MAX_MEMORY_MB", "512") * 1024  # Celery counts in KiB
# Uploaded files are kept this many days, refused ones (errors, failed jobs) fewer; then the file is dropped and
# the job's report stays (the beat task purge_import_files, hourly).
IMPORT_RETENTION_DAYS = envint("IMPORT_RETENTION_DAYS", "30")
IMPORT_REFUSED_RETENTION_DAYS = envint("IMPORT_REFUSED_RETENTION_DAYS", "1")
# Backups (README, "Backups and restore"; inventory/services/backups.py): every night at BACKUP_HOUR (local time)
# the beat task nightly_backup writes one into BACKUP_DIR, proves it restores, then keeps the newest BACKUP_KEEP.
# An empty BACKUP_DIR switches it off; `manage.py backup` writes there too (else into the current folder).
BACKUP_DIR = os.getenv("BACKUP_DIR", "")
BACKUP_KEEP = envint("BACKUP_KEEP", "7", minimum=1)
BACKUP_HOUR = envint("BACKUP_HOUR", "2", maximum=23)


LOG_FORMAT = envchoice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOG_LEVEL = envchoice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOG_STREAM = envchoice("LOG_STREAM", "stdout", ("stdout", "stderr"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stream": {"class": "logging.StreamHandler", "stream": f"ext://sys.{LOG_STREAM}", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["stream"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default handlers (stderr under DEBUG, mail to ADMINS) off: its records go to the root's.
        "django": {"handlers": [], "level": LOG_LEVEL},
        # The request line says 404 and 400 already; a 500's traceback stays (ERROR).
        "django.request": {"level": "ERROR"},
        # runserver's own access line would repeat the request line.
        "django.server": {"level": "ERROR"},
        # django-axes logs every login at INFO; lockouts and failed logins are WARNINGs (AXES_VERBOSE below).
        "axes": {"level": "WARNING"},
    },
}

# The sweep recovers recomputes whose message was lost (Redis away at save time, a worker that died).
AGGREGATES_SWEEP_SECONDS = envint("AGGREGATES_SWEEP_SECONDS", "15")
# Run by one beat process only (README, "Production"). Each entry expires after its own interval: while a queue
# has no worker, its sweeps do not pile up (the next one does the same work).
HOUSEKEEPING_HOUR = envint("HOUSEKEEPING_HOUR", "3", maximum=23)
CELERY_BEAT_SCHEDULE = {
    "sweep-aggregates": {
        "task": "inventory.tasks.sweep_aggregates",
        "schedule": AGGREGATES_SWEEP_SECONDS,
        "options": {"expires": AGGREGATES_SWEEP_SECONDS},
    },
    "sweep-import-jobs": {
        "task": "inventory.tasks.sweep_import_jobs",
        "schedule": IMPORT_SWEEP_SECONDS,
        "options": {"expires": IMPORT_SWEEP_SECONDS},
    },
    "purge-import-files": {
        "task": "inventory.tasks.purge_import_files",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "housekeeping": {
        "task": "inventory.tasks.housekeeping",
        "schedule": crontab(minute=30, hour=HOUSEKEEPING_HOUR),
        "options": {"expires": 12 * 3600},
    },
    # Reminders to unused accounts and their deactivation (accounts/hygiene.py), after housekeeping.
    "deactivate-inactive-accounts": {
        "task": "accounts.tasks.deactivate_inactive_accounts",
        "schedule": crontab(minute=45, hour=HOUSEKEEPING_HOUR),
        "options": {"expires": 12 * 3600},
    },
    "nightly-backup": {
        "task": "inventory.tasks.nightly_backup",
        "schedule": crontab(hour=BACKUP_HOUR, minute=0),
        "options": {"expires": 12 * 3600},
    },
}
# Housekeeping (inventory/services/housekeeping.py), nightly: finished import jobs and their reports, reminders and
# django-axes' login records are kept this many days.
IMPORT_JOB_RETENTION_DAYS = envint("IMPORT_JOB_RETENTION_DAYS", "730", minimum=1)
REMINDER_RETENTION_DAYS = envint("REMINDER_RETENTION_DAYS", "730", minimum=1)
LOGIN_LOG_RETENTION_DAYS = envint("LOGIN_LOG_RETENTION_DAYS", "90", minimum=1)

# The list pages' tables: django-tables2's markup with the site's page links (templates/_pagination.html).
DJANGO_TABLES2_TEMPLATE = "inventory/_table.html"

# django-import-export (admin imports): all or nothing, and only users with the "import" permission
# (its default is any staff user).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"

# Public exports hide counts from 1 up to this threshold (exclusive) as "<5" (inventory/services/suppression.py).
SMALL_CELL_THRESHOLD = envint("SMALL_CELL_THRESHOLD", "5")
# The public site (/cijfers/): how long browsers and proxies may keep a page without asking again (0: they ask
# each time and get a 304 while it is the same; opendata/cache.py), and how long the site keeps what it
# made (an edition never changes; a withdrawal or a new next-edition date makes new pages at once).
PUBLIC_MAX_AGE = envint("PUBLIC_MAX_AGE", "0")
PUBLIC_CACHE_SECONDS = envint("PUBLIC_CACHE_SECONDS", str(7 * 24 * 3600))
# The public API (/cijfers/api/, opendata/throttle.py): at most PUBLIC_API_RATE requests per client address in
# PUBLIC_API_WINDOW_SECONDS (the window starts at its first request), then 429 with Retry-After; 0: no limit (a
# proxy in front limits instead).
PUBLIC_API_RATE = envint("PUBLIC_API_RATE", "120")
PUBLIC_API_WINDOW_SECONDS = envint("PUBLIC_API_WINDOW_SECONDS", "60", minimum=1)
# The contact point of the open data (the DCAT catalogue's vcard:hasEmail, opendata/catalogue.py).
PUBLIC_CONTACT_EMAIL = os.getenv("PUBLIC_CONTACT_EMAIL", "inventaris@pomwvl.be")


# Plausibility at submit (inventory/services/plausibility.py): a change of more than this % and more than this
# many persons against last year needs a written explanation.
PLAUSIBILITY_CHANGE_PCT = envint("PLAUSIBILITY_CHANGE_PCT", "30")
PLAUSIBILITY_CHANGE_PERSONS = envint("PLAUSIBILITY_CHANGE_PERSONS", "10")

# Audit trail (README, "Audit trail"): django-pghistory's triggers write a snapshot of every change.
# Event tables take a row per imported figure: only the indexes the history pages read are built (models.py).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
# The time of the change itself, not of its transaction's start: orders the events of one transaction.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# django-axes: after AXES_FAILURE_LIMIT failed logins for one username from one IP address, that pair waits
# AXES_COOLOFF_MINUTES (its default would lock the IP alone, forever).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Not axes' reset at the password step: a password followed by wrong codes must not start the count anew. The count
# is reset when the login is complete, at the password for those who need no second factor, else at the code
# (accounts/second_factor.py `login_attempts_reset`).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the client's address is read from there
# (accounts/clients.py), for the lock-out and the password-reset limit; 0 (directly reached): REMOTE_ADDR.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0", maximum=5)
AXES_CLIENT_IP_CALLABLE = "accounts.clients.client_ip"
# Failures count per username as the login form reads it (an e-mail address in any case is one username).
AXES_USERNAME_CALLABLE = "accounts.clients.lockout_username"
# Quiet: no "AXES: BEGIN version ..." at every start (management commands included); its warnings show the lockout
# parameters only, masked (AXES_SENSITIVE_PARAMETERS), and not the user agent.
AXES_VERBOSE = False
# Axes' default list, and the codes of the second factor's pages: axes stores what a failed attempt posted, masked.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "recovery_code"]

# The second factor (README, "Two-factor login"): the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = SITE_NAME

# Password reset e-mails (accounts/throttle.py): at most this many requests per e-mail address and per client
# address in a window of this many minutes; over it, the same answer but no e-mail.
PASSWORD_RESET_MAX_PER_ADDRESS = envint("PASSWORD_RESET_MAX_PER_ADDRESS", "3")
PASSWORD_RESET_MAX_PER_IP = envint("PASSWORD_RESET_MAX_PER_IP", "20")
PASSWORD_RESET_WINDOW_MINUTES = envint("PASSWORD_RESET_WINDOW_MINUTES", "60")

# Invitations (accounts/invitations.py): a link works for INVITATION_DAYS days; the invitee may ask a new one
# themselves until it was sent INVITATION_MAX_SENDS times, then their contacts or staff are asked.
INVITATION_DAYS = envint("INVITATION_DAYS", "14", minimum=1, maximum=365)
INVITATION_MAX_SENDS = envint("INVITATION_MAX_SENDS", "5", minimum=1)
# Accounts not used for ACCOUNT_INACTIVE_DAYS are deactivated after two reminders (accounts/hygiene.py).
ACCOUNT_INACTIVE_DAYS = envint("ACCOUNT_INACTIVE_DAYS", "365", minimum=30)

# Error reporting to Sentry or GlitchTip when SENTRY_DSN is set (README, "Logs and error reporting"): here, so that
# the web, the worker, beat and every management command start it, once.
SENTRY_ENABLED = sentry_init(os.environ)
