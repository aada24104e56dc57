import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from members.models import STAFF_ROLES, AgreementAcceptance, ConfidentialityAgreement, Role, User

PASSWORD = "a-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user as signup leaves one: verified email; staff also have a TOTP authenticator."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    display_name = factory.SelfAttribute("first_name")
    role = Role.PARTICIPANT
    timezone = "Europe/London"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    @factory.post_generation
    def agreed(user, create, extracted, **kwargs):
        """Participants have accepted the current group agreement unless agreed=False."""
        wanted = user.role == Role.PARTICIPANT if extracted is None else extracted
        agreement = ConfidentialityAgreement.current()
        if create and wanted:
            AgreementAcceptance.objects.create(user=user, agreement=agreement)

    @factory.post_generation
    def mfa(user, create, extracted, **kwargs):
        """mfa=False leaves a staff user without an authenticator."""
        wanted = user.role in STAFF_ROLES if extracted is None else extracted
        if create and wanted:
            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)
            RecoveryCodes.activate(user)


def current_totp(secret: str, steps_ago: int = 0) -> str:
    """The code an authenticator app shows right now for `secret` (or `steps_ago` 30-second
    steps ago)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 - steps_ago))
