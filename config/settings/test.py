"""Test settings: fast hashing, mail kept in memory, no manifest for static files."""

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
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
