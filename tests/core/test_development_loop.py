"""The development loop: email readable on the console, reload that nothing silently drops,
and beat's schedule inside the checkout."""

import importlib
import io
from pathlib import Path

from django.core.mail import EmailMultiAlternatives

from config import env
from core.mail import ReadableConsoleBackend

ROOT = Path(__file__).resolve().parents[2]


def test_console_email_is_printed_as_read_with_links_whole():
    """Django's console backend printed quoted-printable: a link broke at "=" (and a long one
    across lines), so it could not be pasted."""
    link = "http://127.0.0.1:8000/accounts/confirm-email/MQ:1vQx=abc-" + "x" * 90 + "/"
    message = EmailMultiAlternatives(
        "Confirm your email — Together",
        f"Hello Pía,\n\nOpen this link to confirm: {link}\n",
        "noreply@example.org",
        ["pia@example.org"],
    )
    message.attach_alternative(f'<p><a href="{link}">Confirm</a></p>', "text/html")
    out = io.StringIO()
    assert ReadableConsoleBackend(stream=out).send_messages([message]) == 1
    printed = out.getvalue()
    assert f"Open this link to confirm: {link}" in printed.splitlines()  # whole, one line
    assert "Subject: Confirm your email — Together" in printed and "Hello Pía," in printed
    assert "=3D" not in printed and "Content-Transfer-Encoding" not in printed
    assert "An HTML version of the same words went with it." in printed
    assert env.mailer_config("console://")["BACKEND"] == "core.mail.ReadableConsoleBackend"


def test_reload_is_its_own_setting_so_gunicorn_cmd_args_never_drops_it(monkeypatch):
    import config.gunicorn

    monkeypatch.setenv("RELOAD", "1")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--log-level debug")
    assert importlib.reload(config.gunicorn).reload is True
    monkeypatch.delenv("RELOAD")
    assert importlib.reload(config.gunicorn).reload is False
    assert "RELOAD ?= 1" in (ROOT / "Makefile").read_text()


def test_beat_keeps_its_schedule_in_the_checkout():
    beat = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("beat:")
    )
    assert "/tmp" not in beat and "${BEAT_SCHEDULE:-celerybeat-schedule}" in beat
    assert "celerybeat-schedule*" in (ROOT / ".gitignore").read_text().splitlines()
