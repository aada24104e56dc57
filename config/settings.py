"""Together's settings: one module, driven by the environment (see .env.example)."""

import base64
from urllib.parse import urlsplit

import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config import env

env.load_dotenv()
BASE_DIR = env.BASE_DIR

DEBUG = env.get_bool("DEBUG")
SITE_URL = env.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
HTTPS = urlsplit(SITE_URL).scheme == "https"

SECRET_KEY = env.get("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (50+ random characters) or run with DEBUG=1.")
    SECRET_KEY = "django-insecure-together-development-only-never-in-production"

# Keys for clinical text at rest (core/encryption.py), newest first: the first encrypts,
# all decrypt. Rotating: put a new key first, run `manage.py rotate_encryption_keys`, then
# drop the old one. Losing every key loses the notes, so they are backed up apart from the data.
FIELD_ENCRYPTION_KEYS = env.get_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set FIELD_ENCRYPTION_KEYS (one or more Fernet keys, comma-separated) or run with "
            "DEBUG=1. Make a key with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(b"development-only-key-32-bytes-xx").decode()]

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS") or [
    urlsplit(SITE_URL).hostname,
    "localhost",
    "127.0.0.1",
]
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "members.apps.TogetherAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # ArrayField (measures)
    "django.contrib.humanize",  # allauth.usersessions' templates use it
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "core",
    "members",
    "therapy_groups",
    "sessions.apps.SessionsConfig",
    "programmes",
    "measures",
    "pathways",
    "administration",
    "participation",
    "accounts",
    "facilitation",
    "demo",
]

MIDDLEWARE = [
    "core.request_context.RequestContextMiddleware",
    "core.forms.RefusedInputStatusMiddleware",  # a posted page showing a form's errors: 400
    "django.middleware.security.SecurityMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "members.middleware.AuthenticationMiddleware",  # Django's, not lazy
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.SessionActivityMiddleware",  # allauth's, at most once a minute
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "members.middleware.SessionTimeoutMiddleware",
    "members.middleware.PersonLocaleMiddleware",
    "members.middleware.StaffSecondStepMiddleware",
    "core.transactions.AtomicChangesMiddleware",  # last: around the view, as ATOMIC_REQUESTS
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "core.forms.FormRenderer"  # non-field errors once, by the page (core/forms.py)
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        # No "loaders" given: Django then wraps its loaders in the cached loader, so each
        # template is read and compiled once per process (in development too; runserver and
        # gunicorn --reload restart on changes).
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.organisation",
                "facilitation.context_processors.follow_up_alerts",
                "config.frame.frame",
            ],
        },
    },
    {
        # Plain-text emails: the same templates folder, nothing HTML-escaped ("&quot;").
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False},
    },
]

# Two roles (core/db_roles.py): the app role serves pages and runs workers with only the DML
# it needs; the owner role, on the same server and database, runs migrations and key rotation.
_app_database, DATABASE_OWNER = env.database_configs()
DATABASES = {"default": _app_database}
DATABASE_APP_ROLE = _app_database["USER"]
if any(DATABASE_OWNER[key] != DATABASES["default"][key] for key in ("NAME", "HOST", "PORT")):
    raise ImproperlyConfigured(
        "DATABASE_URL and DATABASE_OWNER_URL must name the same server and database; "
        "they differ only in the role (see .env.example)."
    )
DATABASES["default"].update(
    # Persistent connections with a health check: cheap requests under gunicorn's sync workers,
    # and a dropped connection is replaced instead of failing the next request.
    CONN_MAX_AGE=env.get_int("CONN_MAX_AGE", 60),
    CONN_HEALTH_CHECKS=True,
    ATOMIC_REQUESTS=False,  # core.transactions: only requests that may change something
)
if env.get_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Values travel apart from the SQL, and a query a connection runs a second time is
    # prepared: PostgreSQL plans it once per connection instead of on every page (about 40%
    # of its CPU in the realistic mix, bench/README.md). Off behind a pooler that cannot keep
    # prepared statements. The owner role (migrations) keeps Django's default.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.get("REDIS_URL")

# The cache holds rate-limit counters and used TOTP codes. It lives in PostgreSQL so that every
# web process shares it and logging in keeps working while Redis is down.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "together_cache",
    },
}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "members.auth_backends.ModelBackend",
    "members.auth_backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; signup only through an invitation (members.adapter).
ACCOUNT_ADAPTER = "members.adapter.InvitationOnlyAccountAdapter"
ACCOUNT_FORMS = {"signup": "members.forms.InvitationSignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_USER_DISPLAY = "members.models.user_display"
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # confirm the password before changing email or password
ACCOUNT_RATE_LIMITS = {
    # Failed passwords: 10 a minute from one address, and 5 in 5 minutes for one account from one
    # address (members.adapter). Wrong second-step codes: 5 in 5 minutes per account, from
    # anywhere (allauth keys them by user): only someone with the password gets that far.
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
    # The public self-referral page (participation/referral.py): 5 an hour from one address,
    # 100 an hour from everyone.
    "self_referral": "5/h/ip,100/h/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "members.mfa_secrets.EncryptingMFAAdapter"  # secrets encrypted at rest
MFA_TOTP_ISSUER = "Together"
# One 30-second step either side: a code typed just as the phone moves to the next one is still
# accepted (RFC 6238 allows a step for delay). allauth keeps a used code used for the whole window.
MFA_TOTP_TOLERANCE = 1
USERSESSIONS_TRACK_ACTIVITY = True
# Signed out after this long without activity (staff see clinical data), and 12 hours after
# signing in whatever happens (members.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_SECONDS = {"admin": 15 * 60, "facilitator": 15 * 60, "participant": 60 * 60}
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_ENGINE = "members.sessions"  # in the database, read with the person in one query

LANGUAGE_CODE = "en-gb"
# What a person may choose (members.models.User.language); the organisation picks the default.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
TIME_ZONE = env.get("TIME_ZONE", "UTC")
USE_I18N = True
# Our words in each language: locale/<language>/LC_MESSAGES/django.po (English: our voice for
# allauth's pages). `make messages` gathers them; tests/test_translations.py keeps them complete.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded files (handouts): the local disk, or an S3-compatible store (config/env.py).
    "files": env.files_storage(env.get("FILES_URL"), default_root=BASE_DIR / "files"),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_URL = env.get("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25")
MAILERS = {"default": env.mailer_config(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "Together <no-reply@localhost>")
# Text messages (core/outbox/sms.py): off when empty, which is the default outside development.
SMS_URL = env.get("SMS_URL", "console://" if DEBUG else "")
SMS = env.sms_config(SMS_URL)
# console:// prints whole messages, sign-in codes and password-reset links included, to the
# process's output: a development convenience that must never reach a kept log.
for _name, _url in (("EMAIL_URL", EMAIL_URL), ("SMS_URL", SMS_URL)):
    if not DEBUG and _url.startswith("console:"):
        raise env.SettingError(
            f"{_name}=console:// prints codes and reset links to the log; use it only with "
            "DEBUG=1 (make run)."
        )
# The country a mobile number typed without its country code belongs to (ISO 3166 code).
PHONE_REGION = env.get("PHONE_REGION", "GB").upper()
if PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise env.SettingError(
        f"PHONE_REGION must be a country code such as GB or ES: {PHONE_REGION!r}"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS: everything below follows from SITE_URL starting with https://.
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env.get_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # allauth's TOTP QR code and Pico's icons are data: URIs
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery: JSON only, acknowledged after the work is done, bounded in time.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task's soft limit; a delivery batch stops sending at two thirds of it (core.outbox.delivery).
CELERY_TASK_SOFT_TIME_LIMIT = env.get_int("TASK_SOFT_TIME_LIMIT", 60, minimum=3)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.get("CELERY_QUEUE", "together")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.request_context.RequestIdLogFilter"},
        "redact": {"()": "core.redaction.RedactingLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "INFO")},
    # Django's default handlers for these (console in development) would bypass the filters.
    "loggers": {
        name: {"handlers": ["console"], "propagate": False} for name in ("django", "django.server")
    },
}
