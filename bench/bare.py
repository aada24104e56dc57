"""The bare floor: a minimal Django project (no apps, no middleware, one view doing one indexed
query on the same database), served by the same gunicorn settings as the app. bench/load.py
reports the app against it: what the framework, the database round trip and the machine allow.

    DJANGO_SETTINGS_MODULE=bench.bare gunicorn bench.bare:application -c config/gunicorn.py
"""

import os

from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from config import env

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-bare-floor-only")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES = {
    "default": {
        **env.database_config(env.get("DATABASE_URL")),
        "ENGINE": "django.db.backends.postgresql",  # Django's own, as a bare project has
        "CONN_MAX_AGE": 600,
    }
}
USE_TZ = True


def floor(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM members_user WHERE id = %s", [1])
        row = cursor.fetchone()
    return HttpResponse(f"ok {len(row[0]) if row else 0}", content_type="text/plain")


urlpatterns = [path("bench/bare", floor)]
application = get_wsgi_application()
