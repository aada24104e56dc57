"""allauth's pages speak in Together's plain voice: sentence-case headings, the organisation
named in the page itself, and the next step said plainly."""

import re

import pytest
from django.urls import reverse

from members.models import Organisation, Role
from members.services import create_invitation
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def heading(page: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1).strip()


def plain(page: str) -> None:
    title = heading(page)
    words = re.findall(r"[A-Za-z']+", title)
    assert not any(word[0].isupper() for word in words[1:]), f"Title Case heading: {title}"
    main = page.split('<main id="main"', 1)[1]
    assert "Riverside Clinic" in main, f"the organisation is not named on “{title}”"


@pytest.fixture(autouse=True)
def organisation():
    Organisation.objects.update_or_create(pk=1, defaults={"name": "Riverside Clinic"})


def test_pages_on_the_way_in(client, django_capture_on_commit_callbacks):
    for name in ("account_login", "account_reset_password"):
        plain(client.get(reverse(name)).text)
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    plain(client.get(reverse("account_reset_password_done")).text)
    expired = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "made-up"})
    ).text
    assert heading(expired) == "This link has expired" and "Ask for a new link" in expired
    _, link = create_invitation(email="nia@example.org", role=Role.PARTICIPANT, invited_by=None)
    client.get(link)
    signup = client.get(reverse("account_signup")).text
    plain(signup)
    assert "Your invitation already confirmed your email address" in signup


def test_pages_for_a_signed_in_person(client):
    person = UserFactory(role=Role.PARTICIPANT)
    client.force_login(person)
    plain(client.get(reverse("account_logout")).text)
    reauthenticate = client.get(reverse("account_reauthenticate")).text
    assert heading(reauthenticate) == "Confirm it's you"


def test_a_new_staff_members_two_step_set_up(client):
    staff = UserFactory(role=Role.FACILITATOR, mfa=False)
    client.force_login(staff)
    page = client.get(reverse("mfa_activate_totp")).text
    plain(page)
    assert "Turn on two-step sign-in" in page


ACCOUNT_PAGES = [
    "account_email",
    "account_change_password",
    "mfa_index",
    "usersessions_list",
    "account_email_verification_sent",
]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_every_account_page_is_plain(client, name):
    client.force_login(UserFactory(role=Role.PARTICIPANT))
    page = client.get(reverse(name), follow=True).text
    title = heading(page)
    words = re.findall(r"[A-Za-z']+", title)
    assert not any(word[0].isupper() for word in words[1:]), f"Title Case heading: {title}"
    assert '<a href="/" class="brand">Riverside Clinic</a>' in page  # in every page's header
