"""Settings for the test suite: the project's settings plus a test-only app for the visibility rule."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("CACHE_URL", "locmem://")
os.environ.setdefault("TASKS_BACKEND", "immediate")

from clearinghouse.settings import *  # noqa: E402,F403
from clearinghouse.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # the live server of the browser tests serves static files without collectstatic
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 (no connection outlives a test thread, so the test database can be dropped)
SEARCH_INDEX_DIR = ""  # each test process keeps the search index in memory, rebuilt for each test
