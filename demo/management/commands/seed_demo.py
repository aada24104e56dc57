"""Demo data for trying Together: safe to run again, refuses production unless --force."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.groups import seed_groups
from demo.referrals import seed_referrals
from members.models import Role, User

DEMO_PASSWORD = "together-demo"
# One fixed TOTP secret for every demo staff account, so a person can add it to an
# authenticator app once and scripts can compute codes. Demo data only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

STAFF = [
    ("admin@example.com", "Alex", "Admin", Role.ADMIN),
    ("facilitator@example.com", "Fran", "Facilitator", Role.FACILITATOR),
    ("cofacilitator@example.com", "Cody", "Cofacilitator", Role.FACILITATOR),
]
PARTICIPANT_NAMES = [
    ("Pat", "Park"),
    ("Sam", "Shaw"),
    ("Robin", "Reyes"),
    ("Jo", "Jensen"),
    ("Kim", "Kaur"),
    ("Lee", "Lopez"),
    ("Max", "Moreau"),
    ("Noor", "Nasser"),
    ("Ola", "Okafor"),
    ("Ria", "Rossi"),
    ("Tam", "Tran"),
    ("Val", "Varga"),
]


def participant_email(index: int) -> str:
    return "participant@example.com" if index == 1 else f"participant{index}@example.com"


def ensure_user(email: str, first: str, last: str, role: Role) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "display_name": first,
            "role": role,
            "timezone": "Europe/London",
            "is_staff": role == Role.ADMIN,
            "is_superuser": role == Role.ADMIN,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def ensure_mfa(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


class Command(BaseCommand):
    help = "Create demo accounts, groups, sessions, attendance and notes. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds demo accounts with a known password. "
                "It runs only with DEBUG=1, or with --force."
            )
        for email, first, last, role in STAFF:
            ensure_mfa(ensure_user(email, first, last, role))
        for index, (first, last) in enumerate(PARTICIPANT_NAMES, start=1):
            ensure_user(participant_email(index), first, last, Role.PARTICIPANT)

        seed_groups()
        seed_referrals(User.objects.get(email="facilitator@example.com"), password=DEMO_PASSWORD)

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Password for every demo account: {DEMO_PASSWORD}")
        self.stdout.write("  Staff: " + ", ".join(email for email, *_ in STAFF))
        self.stdout.write(
            f"  Participants: participant@example.com, participant2@example.com … "
            f"participant{len(PARTICIPANT_NAMES)}@example.com"
        )
        self.stdout.write(
            f"  Staff sign in with two-step codes from the demo TOTP secret "
            f"{DEMO_TOTP_SECRET} (add it to an authenticator app)."
        )
