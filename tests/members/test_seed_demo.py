import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from members.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from members.models import Role, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_verified_demo_accounts_with_staff_mfa_and_is_idempotent(
    settings, capsys
):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert DEMO_TOTP_SECRET in capsys.readouterr().out

    assert User.objects.filter(role=Role.PARTICIPANT).count() >= 10
    assert set(User.objects.exclude(role=Role.PARTICIPANT).values_list("email", flat=True)) == {
        "admin@example.com",
        "facilitator@example.com",
        "cofacilitator@example.com",
    }
    participant = User.objects.get(email="participant2@example.com")
    assert participant.check_password(DEMO_PASSWORD)
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    for user in User.objects.exclude(role=Role.PARTICIPANT):
        assert user.authenticator_set.filter(type="totp").count() == 1
    assert not participant.authenticator_set.exists()


def test_seed_demo_force_runs_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="admin@example.com").exists()
