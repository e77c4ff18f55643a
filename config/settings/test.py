"""Test settings: base.py plus what only makes tests faster, plain HTTP for the test client and the browser tests'
live server (tests/test_security.py checks the redirect and HSTS with base.py's defaults), and no error reporting."""

import os
from urllib.parse import urlsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
# A developer's SENTRY_DSN must not receive the tests' errors (tests/test_logging.py starts Sentry itself).
os.environ.pop("SENTRY_DSN", None)

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests talk to a Redis database of their own, so that a development worker never takes their tasks.
REDIS_URL = os.getenv("TEST_REDIS_URL") or urlsplit(REDIS_URL)._replace(path="/15").geturl()  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CACHES = {"default": redis_cache(REDIS_URL)}  # noqa: F405
