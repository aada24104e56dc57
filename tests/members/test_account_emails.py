"""allauth's emails speak in Together's plain voice and the organisation's name: no "Hello
from 127.0.0.1:8200!", no site domain; subjects lead with the message."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from members.models import Organisation, Role
from members.services import create_invitation
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import TherapyGroupFactory
from therapy_groups import services as group_services

pytestmark = pytest.mark.django_db

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
OURS = Path(settings.BASE_DIR) / "templates"
EMAIL_FOLDERS = ["account/email", "mfa/email"]
CONTEXT = {
    "code": "493021",
    "activate_url": "https://together.example/accounts/confirm-email/abc/",
    "password_reset_url": "https://together.example/accounts/password/reset/key/abc/",
    "from_email": "old@example.org",
    "to_email": "new@example.org",
    "deleted_email": "old@example.org",
    "timestamp": timezone.now(),
    "ip": "203.0.113.9",
    "user_agent": "Firefox",
    "signup_url": "https://together.example/accounts/signup/",
}


def every_allauth_email() -> list[str]:
    return sorted(
        f"{folder}/{path.name.removesuffix('_message.txt')}"
        for folder in EMAIL_FOLDERS
        for path in (ALLAUTH_TEMPLATES / folder).glob("*_message.txt")
        if not path.name.startswith("base_")
    )


def sent(prefix: str, user) -> mail.EmailMessage:
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8200")
    request.user = user
    with context.request_context(request):
        get_adapter(request).send_mail(prefix, "ana@example.org", {"user": user, **CONTEXT})
    return mail.outbox[-1]


def test_every_allauth_email_has_our_own_words():
    missing = [
        f"{prefix}_{part}.txt"
        for prefix in every_allauth_email()
        for part in ("subject", "message")
        if not (OURS / f"{prefix}_{part}.txt").exists()
    ]
    assert not missing, f"allauth emails still in its default voice: {missing}"


@pytest.mark.parametrize("prefix", every_allauth_email())
def test_each_account_email_is_plain_and_names_the_organisation(prefix, participant):
    Organisation.objects.update_or_create(pk=1, defaults={"name": "Riverside Clinic"})
    message = sent(prefix, participant)
    assert message.body.startswith("Hello,\n")
    assert "Riverside Clinic" in message.body
    assert message.body.rstrip().endswith(f"Riverside Clinic\n{settings.SITE_URL}")
    for default_voice in ("Hello from", "Thank you for using", "127.0.0.1:8200", "example.com"):
        assert default_voice not in message.body + message.subject
    assert message.subject[0].isupper() and "Riverside" not in message.subject
    assert message.subject != message.subject.title()  # sentence case, not Title Case


def test_the_organisation_chooses_to_be_named_in_subjects(participant):
    Organisation.objects.update_or_create(
        pk=1, defaults={"name": "Riverside Clinic", "name_in_subjects": True}
    )
    assert sent("account/email/password_changed", participant).subject == (
        "Your password was changed · Riverside Clinic"
    )


def test_a_real_password_reset_email(client, participant):
    client.post(reverse("account_reset_password"), {"email": participant.email})
    message = mail.outbox[-1]
    assert message.subject == "Set a new password"
    assert "Someone asked to set a new password for your" in message.body
    assert "/accounts/password/reset/key/" in message.body
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert "Accounts at" in mail.outbox[-1].body and "by invitation" in mail.outbox[-1].body


def test_the_invitation_names_the_group_and_its_next_session(
    facilitator, django_capture_on_commit_callbacks, send_outbox
):
    group = TherapyGroupFactory(
        facilitators=[facilitator], display_name="Tuesday group", timezone="Europe/London"
    )
    soon = datetime(2030, 7, 2, 17, 0, tzinfo=UTC)  # 18:00 in London (summer time)
    GroupSessionFactory(group=group, starts_at=soon + timedelta(days=7))
    GroupSessionFactory(group=group, starts_at=soon)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.invite_to_group(
            group=group, email="nia@example.org", invited_by=facilitator, cohort_started=False
        )
    send_outbox()
    message = mail.outbox[-1]
    assert "You have a place in Tuesday group." in message.body
    assert "The next session is Tuesday 2 July, 18:00 (Europe/London)." in message.body
    assert message.subject == "You're invited"


def test_a_staff_invitation_names_no_group(django_capture_on_commit_callbacks, send_outbox):
    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(email="fern@example.org", role=Role.FACILITATOR, invited_by=None)
    send_outbox()
    assert "You're invited to join" in mail.outbox[-1].body
    assert "You have a place" not in mail.outbox[-1].body


def test_app_emails_follow_the_organisations_choice_too(
    django_capture_on_commit_callbacks, send_outbox
):
    Organisation.objects.update_or_create(
        pk=1, defaults={"name": "Riverside Clinic", "name_in_subjects": True}
    )
    with django_capture_on_commit_callbacks(execute=True):
        create_invitation(email="fern@example.org", role=Role.FACILITATOR, invited_by=None)
    send_outbox()
    assert mail.outbox[-1].subject == "You're invited · Riverside Clinic"
