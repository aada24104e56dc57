"""Asking for a place without an account: crisis help first, consent asked, robots kept out by a
hidden field and a signed page time, a rate limit, and the same answer whatever the address."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from members.models import CrisisLine, PersonRecord, User
from participation import referral as page
from pathways.models import Referral
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def typed_a_while_ago(seconds: int = 30) -> str:
    return signing.dumps(int(time.time()) - seconds, salt=page.SALT)


def answers(**changes) -> dict:
    return {
        "known_as": "Robin",
        "email": "robin@example.org",
        "phone": "07700 900777",
        "reason": "Marker-self: I can't get out of bed most days",
        "consent": "on",
        "website": "",
        "issued": typed_a_while_ago(),
        **changes,
    }


def test_the_page_puts_crisis_help_first_and_is_linked_from_sign_in():
    CrisisLine.objects.create(name="Samaritans", phone="116 123")
    text = Client().get(reverse("self_referral")).text.split("<main")[1]
    assert text.index("If you need help now") < text.index("Ask for a place in a group")
    assert "Call 116 123" in text and 'name="consent"' in text
    assert reverse("self_referral") == "/refer/"
    assert 'href="/refer/"' in Client().get(reverse("account_login")).text


def test_someone_refers_themselves_and_the_referral_waits_to_be_taken(personas):
    response = Client().post(reverse("self_referral"), answers())
    assert response.status_code == 302 and response["Location"] == reverse("self_referral_thanks")
    made = Referral.objects.get()
    person = made.person
    assert (made.source, made.handler, made.status, made.consent_to_contact) == (
        "self",
        None,
        "new",
        True,
    )
    assert person.email == "robin@example.org" and not person.has_usable_password()
    assert person.first_name == "Robin" and person.role == "participant"
    record = PersonRecord.objects.get(person=person)
    assert record.phone == "07700 900777" and record.entered_by["phone"] == person.pk
    assert made.reason.startswith("Marker-self")
    listed = personas["facilitator"].get(reverse("referral_list")).text
    assert "Robin" in listed and "referred themselves" in listed
    assert "Marker-self" not in listed  # nothing but the name until someone takes it on


def test_consent_is_required_and_bad_input_gets_a_message(personas):
    response = Client().post(reverse("self_referral"), answers(consent="", phone="call me"))
    assert response.status_code == 400
    assert "This field is required" in response.text and "Use digits" in response.text
    assert not Referral.objects.exists() and not User.objects.filter(email="robin@example.org")


def test_a_robot_that_fills_the_hidden_field_is_answered_but_nothing_is_kept():
    response = Client().post(reverse("self_referral"), answers(website="http://spam.example"))
    assert response.status_code == 302 and not Referral.objects.exists()


@pytest.mark.parametrize(
    "issued", ["not-a-token", signing.dumps(int(time.time()), salt="another salt")]
)
def test_a_forged_page_time_is_refused(issued):
    response = Client().post(reverse("self_referral"), answers(issued=issued))
    assert response.status_code == 400 and not Referral.objects.exists()


def test_answers_sent_faster_than_a_person_types_are_asked_for_again():
    response = Client().post(reverse("self_referral"), answers(issued=typed_a_while_ago(0)))
    assert response.status_code == 400
    assert "Please check your answers and send them again" in response.text
    assert not Referral.objects.exists()
    # The page gives a new time; sent again later, it goes through.
    response = Client().post(reverse("self_referral"), answers(issued=typed_a_while_ago(5)))
    assert response.status_code == 302 and Referral.objects.count() == 1


def test_a_page_left_open_for_hours_is_asked_for_again(monkeypatch):
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 4 * 60 * 60)
    old = signing.dumps(int(real()) - 4 * 60 * 60, salt=page.SALT)
    monkeypatch.setattr(signing.time, "time", real)
    response = Client().post(reverse("self_referral"), answers(issued=old))
    assert response.status_code == 400 and not Referral.objects.exists()


def test_five_an_hour_from_one_address_then_a_plain_429():
    visitor = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        sent = visitor.post(reverse("self_referral"), answers(email=f"person{n}@example.org"))
        assert sent.status_code == 302
    refused = visitor.post(reverse("self_referral"), answers(email="person6@example.org"))
    assert refused.status_code == 429 and "try again later" in refused.text
    assert Referral.objects.count() == 5
    assert (
        Client(REMOTE_ADDR="198.51.100.4")
        .post(reverse("self_referral"), answers(email="elsewhere@example.org"))
        .status_code
        == 302
    )


def test_the_answer_is_the_same_for_an_account_holder_a_staff_address_and_a_second_time(
    facilitator, participant
):
    for email in (participant.email, facilitator.email, participant.email):
        response = Client().post(reverse("self_referral"), answers(email=email))
        assert response.status_code == 302 and response["Location"] == reverse(
            "self_referral_thanks"
        )
    # The participant's referral was made once and noted again; the staff address made none.
    made = Referral.objects.get()
    assert made.person == participant
    assert [s.kind for s in made.steps.all()] == ["received", "referred_again"]
    assert AuditEvent.objects.filter(detail__refused="staff_address").count() == 1
    facilitator.refresh_from_db()
    assert facilitator.has_usable_password()


def test_admins_find_the_address_to_print(admin_user, settings):
    page = signed_in_client(admin_user).get(reverse("admin_settings")).text
    assert f"{settings.SITE_URL}/refer/" in page
