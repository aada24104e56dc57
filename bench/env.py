"""The environment every benchmark runs under: production settings, DEBUG off, bench secrets."""

import os
import time


def production(database: str, **overrides: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k" * 50),
        # A fixed key, so a dataset built once can be read by every later run.
        "FIELD_ENCRYPTION_KEYS": os.environ.get(
            "FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE="
        ),
        # One role for the bench: it builds its own database and measures pages, not grants.
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DATABASE_OWNER_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def second_step_passed(session, user) -> None:
    """Mark a bench session as signed in with both steps, as allauth's login would: staff
    pages open only to such a session (members/second_step.py)."""
    session["account_authentication_methods"] = [
        {"method": "mfa", "type": "totp", "at": time.time()}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
