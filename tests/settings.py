"""Test settings: the project's settings with test defaults in the environment.

Each pytest-xdist worker gets its own Redis database and Celery queue, so one process's task
never runs in another process's worker against the wrong test database.
"""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_index = int(_worker.removeprefix("gw") or 0)
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{1 + _index}")
os.environ.setdefault("CELERY_QUEUE", f"together-test-{_worker}")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("SMS_URL", "locmem://")
# Handouts on the local disk, one folder a test process (tests/programmes/test_handouts.py
# moves them to a local S3 server).
os.environ.setdefault("FILES_URL", f"file:///tmp/together-test-files-{_worker}")
# Two keys, as after a rotation: the first encrypts, both decrypt.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdC1vbmx5LWZpZWxkLWtleS1udW1iZXItb25lLi4=,dGVzdC1vbmx5LWZpZWxkLWtleS1udW1iZXItdHdvLi4=",
)

from config.settings import *  # noqa: E402, F403

# pytest creates, migrates and empties the test database as the owner role; each test then acts
# as the app role (tests/conftest.py: act_as_app_role), as the web app and workers do.
DATABASES["default"].update(USER=DATABASE_OWNER["USER"], PASSWORD=DATABASE_OWNER["PASSWORD"])  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders, as in development (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Any N+1 query pattern in a request during the tests fails that test (django-zeal).
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]  # noqa: F405
ZEAL_RAISE = True
# allauth's own views read the same email address twice in one request; not ours to change.
ZEAL_ALLOWLIST = [{"model": "account.EmailAddress"}]
