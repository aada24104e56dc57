"""Reading configuration from the environment (and an optional .env file).

Kept free of Django imports so scripts/services.py can use it before Django is installed.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "DATABASE_URL": "postgres://together_app@127.0.0.1:5432/together",
    # Only scripts/services.py uses it: to create the two roles and the database when missing.
    "POSTGRES_SUPERUSER_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def load_dotenv(path: Path = BASE_DIR / ".env") -> None:
    """Copy KEY=value lines from `path` into os.environ; the real environment wins."""
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def get(name: str, default: str = "") -> str:
    return os.environ.get(name, DEFAULTS.get(name, default))


class SettingError(ValueError):
    """A setting that cannot be read: the app refuses to start and says which and why."""


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def get_bool(name: str, default: bool = False) -> bool:
    """Strict: a typo ("ture") stops the start instead of quietly meaning off."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE | FALSE:
        raise SettingError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}.")
    return word in TRUE


def get_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        raise SettingError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def get_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in get(name, default).split(",") if item.strip()]


def database_config(url: str, name: str = "DATABASE_URL") -> dict:
    """Django DATABASES entry for a postgres:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"{name} must start with postgres://, not {parts.scheme}://")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "core.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


def database_configs() -> tuple[dict, dict]:
    """The app role's and the owner role's connections (core/db_roles.py).

    DATABASE_OWNER_URL defaults to DATABASE_URL with the role `together_owner` and no password:
    enough where local connections are trusted; elsewhere only the process that migrates (or
    rotates keys) is given the owner's URL, and the web and worker processes never hold it.
    """
    app = database_config(get("DATABASE_URL"))
    owner_url = get("DATABASE_OWNER_URL")
    if owner_url:
        owner = database_config(owner_url, "DATABASE_OWNER_URL")
    else:
        owner = {**app, "USER": "together_owner", "PASSWORD": "", "OPTIONS": {**app["OPTIONS"]}}
    return app, owner


def owner_url() -> str:
    """DATABASE_OWNER_URL as a URL (scripts/backup.sh and restore.sh pass it to pg_dump)."""
    _, owner = database_configs()
    password = f":{quote(owner['PASSWORD'])}" if owner["PASSWORD"] else ""
    host = f"{owner['HOST'] or 'localhost'}:{owner['PORT'] or 5432}"
    return f"postgresql://{quote(owner['USER'])}{password}@{host}/{owner['NAME']}"


def mailer_config(url: str) -> dict:
    """A Django 6.1 MAILERS entry for smtp://, smtps://, console:// or locmem:// URLs."""
    parts = urlsplit(url)
    backends = {
        "console": "core.mail.ReadableConsoleBackend",  # decoded, links whole
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ValueError(f"EMAIL_URL must be smtp://, smtps://, console:// or locmem://: {url!r}")
    config: dict = {"BACKEND": backends[parts.scheme]}
    if parts.scheme.startswith("smtp"):
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        config["OPTIONS"] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": query.get("tls", "") in {"1", "true"},
            "timeout": 10,
        }
    return config


def sms_config(url: str) -> dict | None:
    """The text-message provider for an SMS_URL (core/outbox/sms.py), or None when texts are off.

    - console:// prints each text; locmem:// keeps them for tests.
    - twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B447700900123 sends through
      Twilio's REST API from that number (or ?from=MG... for a Messaging Service).
      twilio+http://... speaks plain HTTP, for a local fake provider in tests only.
    """
    if not url:
        return None
    parts = urlsplit(url)
    simple = {
        "console": "core.outbox.sms.ConsoleBackend",
        "locmem": "core.outbox.sms.LocmemBackend",
    }
    if parts.scheme in simple:
        return {"BACKEND": simple[parts.scheme]}
    if parts.scheme not in {"twilio", "twilio+http"}:
        raise SettingError(f"SMS_URL must be console://, locmem:// or twilio://...: {url!r}")
    # A "+" in a query string reads as a space; a phone number never has one.
    sender = parse_qs(parts.query).get("from", [""])[-1].replace(" ", "+")
    account_sid, auth_token = unquote(parts.username or ""), unquote(parts.password or "")
    if not (account_sid.startswith("AC") and auth_token and parts.hostname):
        raise SettingError(
            "SMS_URL for Twilio is twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=NUMBER "
            f"(the account SID starts with AC): {redacted(url)!r}"
        )
    digits = sender[1:]
    if not (
        sender.startswith("MG") or (sender[:1] == "+" and digits.isascii() and digits.isdigit())
    ):
        raise SettingError(
            "SMS_URL's from= must be the sending number in E.164 (%2B447700900123) or a "
            f"Messaging Service SID (MG...): {redacted(url)!r}"
        )
    scheme = "http" if parts.scheme == "twilio+http" else "https"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    timeout = parse_qs(parts.query).get("timeout", ["10"])[-1]
    if not (timeout.isascii() and timeout.isdigit() and int(timeout) > 0):
        raise SettingError(f"SMS_URL's timeout= is whole seconds: {redacted(url)!r}")
    return {
        "BACKEND": "core.outbox.sms.TwilioBackend",
        "OPTIONS": {
            "account_sid": account_sid,
            "auth_token": auth_token,
            "sender": sender,
            "api": f"{scheme}://{host}",
            "timeout": int(timeout),
        },
    }


def redacted(url: str) -> str:
    """`url` with any password replaced, for error messages."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def files_storage(url: str, *, default_root: Path) -> dict:
    """The STORAGES entry for uploaded files (handouts), from FILES_URL. Neither is served at a
    URL of its own: every file goes out through a view that checks who asks.

    - empty: the local disk, under `default_root`; file:///an/absolute/path: there.
    - s3://ACCESS_KEY:SECRET@host[:port]/bucket?region=eu-west-2 : an S3-compatible store
      (django-storages), objects private; s3+http://... speaks plain HTTP, for a local server.
    """
    if not url:
        return _local_files(default_root)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise SettingError(
                f"FILES_URL file:// needs an absolute path, after three slashes: {url!r}"
            )
        return _local_files(Path(unquote(parts.path)))
    if parts.scheme not in {"s3", "s3+http"}:
        raise SettingError(f"FILES_URL must be empty, file:///path or s3://...: {redacted(url)!r}")
    bucket = parts.path.strip("/")
    if not (parts.username and parts.password and parts.hostname and bucket):
        raise SettingError(
            "FILES_URL for S3 is s3://ACCESS_KEY:SECRET@host/bucket?region=REGION: "
            f"{redacted(url)!r}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    scheme = "http" if parts.scheme == "s3+http" else "https"
    port = f":{parts.port}" if parts.port else ""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "access_key": unquote(parts.username),
            "secret_key": unquote(parts.password),
            "endpoint_url": f"{scheme}://{parts.hostname}{port}",
            "region_name": query.get("region", "us-east-1"),
            "default_acl": "private",
            "querystring_auth": True,  # were a URL ever made, it would expire
            "file_overwrite": False,
            "addressing_style": "path",  # works with any S3-compatible host
        },
    }


def _local_files(root: Path) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": root, "file_permissions_mode": 0o600},
    }
