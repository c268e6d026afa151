"""Test settings: fast hashing, mail kept in memory, no manifest for static files."""

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# What the notifications deliver with: kept in memory too (django.core.mail.outbox).
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Static files come from the finders; no collectstatic needed to run the tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Tasks sent by code under test go to an in-memory broker (never the developer's queue);
# the Celery integration tests start real workers with their own settings.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}

# SQLite: a test database in a file, not SQLite's shared-cache memory database, whose
# table locks answer "database table is locked" at once instead of waiting: tests that
# run real concurrent transactions (the signature racing score saves) need the same
# locking as production. pytest-django gives each xdist worker its own file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# No seal by default (the rest of the suite renders unsealed, as fast as before);
# reports/tests/test_seal.py configures a throwaway one.
SEAL_PKCS12_PATH = ""
SEAL_PKCS12_PASSWORD = ""
SEAL_PKCS12_PASSWORD_FILE = ""
SEAL_DEMO_PATH = None
SEAL_TSA_URL = ""
# No credential either: credentials/tests configure a throwaway key.
CREDENTIAL_KEY_PATH = ""
CREDENTIAL_KEY_PASSWORD_FILE = ""
CREDENTIAL_DEMO_PATH = None
SEAL_PKCS11_MODULE = ""
SEAL_PKCS11_PIN = ""
SEAL_PKCS11_PIN_FILE = ""
SEAL_TRUST_ROOTS: list[str] = []
