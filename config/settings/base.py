"""Settings shared by every mode, read from the environment only.

Embedded mode (the default): SQLite file and media under ``var/``, a Celery broker
on the filesystem (no server), a file cache. Scale-out mode: set ``DATABASE_URL``
(PostgreSQL) and ``REDIS_URL`` (Celery broker and cache), and S3 storage.
Every variable is documented in README.md (section "Configuration").
"""

import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

# pyHanko (the seal) imports cryptography's DSA types, which cryptography marks deprecated:
# nothing of ours uses DSA, and the warning would print on every command.
warnings.filterwarnings("ignore", message="DSA is deprecated")

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Where the embedded mode keeps its state (database, media, broker, cache).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def _embedded_secret_key() -> str:
    """A random key kept in var/ so that embedded installs never share a hard-coded key."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


# --- Core ------------------------------------------------------------------------------
SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address of the site, used in e-mails and on documents (verification links).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CERTIFIER_NAME = env.str("CERTIFIER_NAME", default="Organisme certificateur de démonstration")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # Domain apps, from the bottom of the dependency order to the top (DESIGN.md §3).
    "accounts",
    "certifications",
    "candidates",
    "assessments",
    "juries",
    "deliberations",
    "insertion",
    "reports",
    "notifications",
    "credentials",
    # The top floor, no models: pages that gather several apps, demo data and commands.
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Personal data never stays in a cache (signed-in answers, downloads).
    "config.middleware.NoStorePersonalDataMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.site",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout instead of
    # "database is locked" errors; IMMEDIATE transactions avoid upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Failed logins: 10 a minute per address, 5 per 5 minutes per account (then locked out).
# A whole jury signs in from one room behind one address: successful logins are not the
# attack, failed ones are.
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Public pages outside allauth (accounts.ratelimit), per client address: (requests, seconds).
# The verification page and its API: codes cannot be tried by the thousand.
# The insertion questionnaire (a signed link): links cannot be tried by the thousand either.
RATE_LIMITS = {"verify": (30, 60), "insertion_survey": (30, 60)}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Invitation and password-reset links stay valid this long.
PASSWORD_RESET_TIMEOUT = env.int("INVITATION_VALID_DAYS", default=7) * 24 * 60 * 60
# A login lasts one working day at most (the server forgets it then, whatever the browser
# keeps). The login form's "Remember me" keeps the cookie that long; unticked, the cookie
# ends with the browser. SESSION_EXPIRE_AT_BROWSER_CLOSE (shared computers: a jury room, a
# library) removes the choice: every login ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
ACCOUNT_SESSION_REMEMBER = False if SESSION_EXPIRE_AT_BROWSER_CLOSE else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Content Security Policy -----------------------------------------------------------
# https://docs.djangoproject.com/en/6.0/ref/csp/ — in every environment, so that the tests
# (and the browser tests) catch an inline script or style the moment it is written. No
# inline script, no inline style: behaviour lives in static/js/, presentation in
# static/css/ (htmx's own indicator <style> is turned off by the htmx-config meta tag).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice outlives the login session (Django's default cookie dies with the
# browser).
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
# Dates and numbers follow the active language ("3 juillet 2027", "July 3, 2027"); our own
# English formats spell months out.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads larger than this are refused before they reach a parser.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_UPLOAD_SIZE = env.int("IMPORT_MAX_UPLOAD_SIZE", default=50 * 1024 * 1024)
# What an import keeps in its row until it is confirmed (référentiel drafts, enrolment rows).
IMPORT_MAX_DRAFT_SIZE = env.int("IMPORT_MAX_DRAFT_SIZE", default=5 * 1024 * 1024)

_S3_BUCKET = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": (
        {
            # https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _S3_BUCKET,
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Cache -----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED = not REDIS_URL
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        # Shared by every process of the embedded mode (login rate limits must hold
        # across web processes).
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# With Redis, sessions are read from the cache and written through to the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# --- E-mail ----------------------------------------------------------------------------
# Requests hand mail to a Celery task (accounts.email.CeleryEmailBackend); the worker
# delivers it with EMAIL_DELIVERY_BACKEND, read from EMAIL_URL.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# Embedded default: each message is written to a file under var/mail/.
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = "accounts.email.CeleryEmailBackend"
EMAIL_DELIVERY_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# filemail:// writes under EMAIL_FILE_PATH (django-environ drops the leading "/" of a path
# given in the URL, so the folder has its own variable).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="certification@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task not acknowledged within this delay is handed to another worker: this is how
    # the tasks of a worker killed outright (SIGKILL, lost host) come back. Every time
    # limit below, and DOCUMENT_RENDER_STALE_AFTER, stays well under it so a running task
    # is never duplicated.
    _VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _VISIBILITY_TIMEOUT,
        # Workers look for such tasks every sixtieth of the timeout (at most every minute;
        # kombu's default, every 100 s, would dwarf a short timeout), and a sweeper that
        # dies holding the sweep lock blocks the others for half the timeout at most.
        "unacked_restore_interval": max(1, min(60, _VISIBILITY_TIMEOUT // 60)),
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": max(1, min(300, _VISIBILITY_TIMEOUT // 2)),
    }
else:
    # Embedded mode: a broker on the filesystem, so background work still leaves the
    # request without any server to install.
    _BROKER_DIR = VAR_DIR / "broker"
    # (A host named, though the transport has none: kombu warns on every start otherwise.)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(_BROKER_DIR / "control"),
    }
    # Kombu's filesystem transport expects its folders to exist, in every process.
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Slow PDF rendering never delays mail: everything in reports.tasks goes to its queue.
CELERY_TASK_ROUTES = {"reports.tasks.*": {"queue": "pdf"}}
# Work must not be lost: acknowledge after the task ran (every task is idempotent),
# give a task back to the broker when its worker dies, take one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 12 * 60
# Seconds after which a document still "rendering" belongs to a dead worker and the next
# run of its task takes it over: past the hard time limit, no live worker still renders it.
DOCUMENT_RENDER_STALE_AFTER = env.int("DOCUMENT_RENDER_STALE_AFTER",
                                      default=CELERY_TASK_TIME_LIMIT + 60)
# Documents per rendering task: laid out as one WeasyPrint document and split (the font
# subsetting, most of a render's cost, is paid once per batch).
DOCUMENT_RENDER_BATCH = env.int("DOCUMENT_RENDER_BATCH", default=40)
# The certifier's seal on every issued PDF (reports/seal.py, docs/operations.md): a PKCS#12
# file and its password (or a file holding it); unset, documents are issued unsealed. The
# embedded mode, unless told otherwise, seals with a self-signed demo seal that load_demo
# creates once under var/seal/ (never in the repository).
SEAL_PKCS12_PATH = env.str("SEAL_PKCS12_PATH", default="")
SEAL_PKCS12_PASSWORD = env.str("SEAL_PKCS12_PASSWORD", default="")
SEAL_PKCS12_PASSWORD_FILE = env.str("SEAL_PKCS12_PASSWORD_FILE", default="")
# Or a key on a PKCS#11 token (an HSM, a smart card; it wins over the PKCS#12 file): the
# module (the vendor's .so), the token's label, the key's label (the certificate's label
# defaults to it) and the user PIN (or a file holding it).
SEAL_PKCS11_MODULE = env.str("SEAL_PKCS11_MODULE", default="")
SEAL_PKCS11_TOKEN_LABEL = env.str("SEAL_PKCS11_TOKEN_LABEL", default="")
SEAL_PKCS11_KEY_LABEL = env.str("SEAL_PKCS11_KEY_LABEL", default="")
SEAL_PKCS11_CERT_LABEL = env.str("SEAL_PKCS11_CERT_LABEL", default="")
SEAL_PKCS11_PIN = env.str("SEAL_PKCS11_PIN", default="")
SEAL_PKCS11_PIN_FILE = env.str("SEAL_PKCS11_PIN_FILE", default="")
SEAL_DEMO_PATH = None
if (EMBEDDED and not SEAL_PKCS12_PATH and not SEAL_PKCS11_MODULE
        and env.bool("SEAL_DEMO", default=True)):
    SEAL_DEMO_PATH = VAR_DIR / "seal" / "demo-seal.p12"
    SEAL_PKCS12_PATH = str(SEAL_DEMO_PATH)
    SEAL_PKCS12_PASSWORD_FILE = str(SEAL_DEMO_PATH.with_suffix(".password"))
# An RFC 3161 time stamp authority: PAdES B-T instead of B-B.
SEAL_TSA_URL = env.str("SEAL_TSA_URL", default="")

# Open Badges 3.0 credentials (credentials.keys, docs/operations.md): a PEM private key;
# nothing configured, no credential. The embedded mode makes a demonstration key once.
CREDENTIAL_KEY_PATH = env.str("CREDENTIAL_KEY_PATH", default="")
CREDENTIAL_KEY_PASSWORD_FILE = env.str("CREDENTIAL_KEY_PASSWORD_FILE", default="")
CREDENTIAL_DEMO_PATH = None
if EMBEDDED and not CREDENTIAL_KEY_PATH and env.bool("CREDENTIAL_DEMO", default=True):
    CREDENTIAL_DEMO_PATH = VAR_DIR / "credentials" / "demo-key.pem"
    CREDENTIAL_KEY_PATH = str(CREDENTIAL_DEMO_PATH)
# The certification authorities whose seals the verification (page, API, verify_document)
# calls vouched for: PEM or DER certificates, paths separated by commas, or a directory.
SEAL_TRUST_ROOTS = env.list("SEAL_TRUST_ROOTS", default=[])
# Progress and outcomes live in database rows (documents, exports), not in a result store.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Django's LOGGING stays; ``--logfile`` still gets the log (config/celery_app.py).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # An export whose worker died (heartbeat stale) is taken up again.
    "resume-session-exports": {
        "task": "reports.tasks.session_exports_resume_task",
        "schedule": 300.0,
        "options": {"queue": "pdf"},
    },
    # The insertion survey's e-mails, due 6 and 24 months after the decision (docs/renewal.md);
    # a morning hour, so they arrive in working hours. Idempotent: a run missed or doubled
    # sends each holder's wave once.
    "send-insertion-surveys": {
        "task": "notifications.tasks.insertion_surveys_send_task",
        "schedule": crontab(hour=9, minute=30),
    },
}

# --- API -------------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/ — docs/api.md
REST_FRAMEWORK = {
    # The token first: its "WWW-Authenticate: Bearer" makes an unauthenticated call a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.Schema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html — the interactive docs
# are served from drf-spectacular-sidecar's static files, never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Certification assessment API",
    "DESCRIPTION": "Référentiels, candidates, sessions, juries, scores, deliberations and "
                   "documents of the certification platform. Guide: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or a "kind": one enum name each.
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "candidates.models.EnrolmentStatus",
        "ImportStatusEnum": "certifications.models.ReferentielImport.Status",
        "ModalityKindEnum": "certifications.vocabulary.ModalityKind",
        "DeliberationStatusEnum": "deliberations.models.Deliberation.Status",
        "BlocDecisionStatusEnum": "deliberations.models.BlocDecisionStatus",
        "OutcomeEnum": "deliberations.models.CandidateOutcome",
        "DocumentStatusEnum": "reports.models.DocumentStatus",
        "DocumentKindEnum": "reports.models.DocumentKind",
    },
}

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every rendering step at INFO: keep warnings only.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                # A self-signed seal (the demo one) is logged as a warning with a traceback
                # on each check; the check says it in words (reports/services/seal_check.py).
                "pyhanko.sign.validation.generic_cms": {"level": "ERROR"}},
}

# The Caisse des Dépôts accrochage XSD (a local copy downloaded from its portal): when set,
# every declaration flux is validated against it with lxml before download; otherwise by
# the structural checks of reports/cdc.py (docs/documents.md).
CDC_XSD_PATH = env("CDC_XSD_PATH", default="")
