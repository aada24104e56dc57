"""Project-wide promises: migrations match models; production settings pass the deploy check."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def manage_py_in_production(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    """Run manage.py as production would: config.settings, DEBUG off, a clean environment."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_check_passes_with_production_settings():
    result = manage_py_in_production(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k3Lr-9xPq2Zt8vNw4Yb7Hc6Jd1Fg5Ms0Ae3Ui8Oo2Ky9Tr6Wl4Qz1Xn7Vp5Bm",
        SITE_URL="https://together.example.org",
        EMAIL_URL="smtp://mail.example.org:587?tls=1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage_py_in_production("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["EMAIL_URL", "SMS_URL"])
def test_production_refuses_to_print_messages_with_their_codes_and_links_to_the_log(name):
    result = manage_py_in_production("check", SECRET_KEY="x" * 50, **{name: "console://"})
    assert result.returncode != 0
    assert f"{name}=console:// prints codes and reset links" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "ture"),
        ("BEHIND_PROXY", "maybe"),
        ("CONN_MAX_AGE", "60s"),
        ("CONN_MAX_AGE", "-1"),
        ("DATABASE_PREPARED_STATEMENTS", "yes please"),
    ],
)
def test_a_typo_in_a_setting_stops_the_start_with_a_clear_message(name, value):
    result = manage_py_in_production("check", SECRET_KEY="x" * 50, **{name: value})
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr and repr(value) in result.stderr


@pytest.mark.django_db
def test_the_app_role_prepares_repeated_queries_and_the_owner_role_does_not():
    from django.db import connection

    from members.models import User

    for _ in range(3):
        list(User.objects.filter(email="nobody@example.org"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%members_user%"],
        )
        assert cursor.fetchone()[0] >= 1
    # Migrations run as the owner with Django's defaults (multi-statement SQL stays possible).
    assert "server_side_binding" not in settings.DATABASE_OWNER["OPTIONS"]


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    result = manage_py_in_production(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        SECRET_KEY="x" * 50,
        DATABASE_PREPARED_STATEMENTS="0",
    )
    assert result.returncode == 0, result.stderr
    assert "server_side_binding" not in result.stdout
