"""Settings for the test suite."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# Demo data, the benchmark and the load test: never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
