"""A referral's path as clinicians walk it: entered, taken on, screening booked, screened,
offered a place through the group's seats and waitlist, joined from the one invitation email,
or closed with a reason. Each step records who and when; only the handler opens a referral."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.outbox.models import Notification
from members.models import Invitation, PersonRecord, User
from pathways.models import Referral, ReferralStep
from tests.conftest import signed_in_client
from tests.pathways.factories import referral
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db

NEW = {
    "email": "Rae.Referred@Example.org",
    "known_as": "Rae",
    "legal_name": "Raewyn Marker-Legal",
    "date_of_birth": "1990-05-01",
    "phone": "07700 900555",
    "referrer_name": "Dr Okafor",
    "referrer_service": "Riverside Surgery",
    "identifier_kind": "nhs",
    "identifier": "943 476 5919",
    "reason": "Marker-reason: low mood since the spring",
    "consent": "on",
}


def step(client, made, name, data=None):
    return client.post(reverse("referral_step", args=[made.pk, name]), data or {})


def test_a_clinician_enters_a_referral_and_handles_it(facilitator):
    staff = signed_in_client(facilitator)
    response = staff.post(reverse("referral_new"), NEW)
    made = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "referral_detail", args=[made.pk]
    )
    person = made.person
    assert person.email == "rae.referred@example.org" and not person.has_usable_password()
    assert (made.source, made.referred_by, made.handler) == ("clinician", facilitator, facilitator)
    record = PersonRecord.objects.get(person=person)
    assert (
        record.legal_name == "Raewyn Marker-Legal" and record.entered_by["phone"] == facilitator.pk
    )
    assert [s.kind for s in made.steps.all()] == ["received", "taken"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM pathways_referral")
        assert "Marker-reason" not in cursor.fetchone()[0]
    page = staff.get(reverse("referral_detail", args=[made.pk])).text
    assert "Raewyn Marker-Legal" in page and "Marker-reason" in page
    assert "Rae" in staff.get(reverse("referral_list")).text


def test_a_staff_address_or_a_wrong_nhs_number_is_refused_with_a_message(facilitator, admin_user):
    staff = signed_in_client(facilitator)
    response = staff.post(reverse("referral_new"), {**NEW, "email": admin_user.email})
    assert response.status_code == 400 and "belongs to a staff account" in response.text
    response = staff.post(reverse("referral_new"), {**NEW, "identifier": "943 476 5918"})
    assert response.status_code == 400 and "An NHS number is ten digits" in response.text
    assert not Referral.objects.exists() and not PersonRecord.objects.exists()
    assert not User.objects.filter(email="rae.referred@example.org").exists()


def test_a_second_referral_of_someone_waiting_joins_the_first(facilitator):
    first = referral(handler=facilitator)
    again = referral(handler=None)
    assert again.pk == first.pk and Referral.objects.count() == 1
    assert "referred_again" in [s.kind for s in first.steps.all()]


def test_the_path_from_screening_to_a_place_and_the_one_email(facilitator, cofacilitator):
    group = TherapyGroupFactory(facilitators=[cofacilitator], capacity=8, name="Thursday group")
    made = referral(handler=facilitator, email="rae@example.org")
    staff = signed_in_client(facilitator)
    facilitator.timezone = "America/New_York"
    facilitator.save(update_fields=["timezone"])

    assert (
        step(staff, made, "book-screening", {"day": "2027-01-05", "at": "10:30"}).status_code == 302
    )
    made.refresh_from_db()
    new_york = datetime(2027, 1, 5, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    assert made.status == "screening_booked" and made.screening_at == new_york
    assert step(staff, made, "screened", {"readiness_note": ""}).status_code == 400
    step(staff, made, "screened", {"readiness_note": "Ready; prefers evenings"})
    made.refresh_from_db()
    assert made.status == "screened" and made.readiness_note == "Ready; prefers evenings"

    mail.outbox.clear()
    assert step(staff, made, "offer", {"group": group.pk}).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.group) == ("offered", group)
    enrollment = made.enrollment
    assert enrollment.status == "invited" and enrollment.participant is None
    sent = Notification.objects.filter(email="rae@example.org")
    assert [n.kind for n in sent] == ["invitation"]  # the one email, and nothing else
    # Before it, only the screening's questions, no longer waiting once they were screened.
    asked = Notification.objects.filter(recipient=made.person)
    assert [(n.kind, n.state) for n in asked] == [("screening_request", "cancelled")]

    # The invitation's link: they choose a password, and the account and place are theirs.
    invitation = Invitation.objects.get(email="rae@example.org")
    visitor = Client()
    link = reverse("invitation_accept", args=[invitation.token])
    page = visitor.get(link)
    assert "Choose a password" in page.text
    weak = visitor.post(link, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 400
    chosen = {
        "new_password1": "a long walk by the river",
        "new_password2": "a long walk by the river",
    }
    assert visitor.post(link, chosen).status_code == 302
    made.refresh_from_db()
    person = made.person
    assert person.check_password("a long walk by the river")
    assert made.status == "joined" and made.joined_at is not None
    enrollment.refresh_from_db()
    assert (enrollment.participant, enrollment.status) == (person, "active")
    assert visitor.get(reverse("home")).status_code in (200, 302)
    assert int(visitor.session["_auth_user_id"]) == person.pk
    assert [s.kind for s in made.steps.all()] == [
        "received",
        "taken",
        "screening_booked",
        "screened",
        "offered",
        "joined",
    ]
    assert all(s.by is not None for s in made.steps.all())
    # From now on the group's facilitators keep the record, no longer the handler.
    record = reverse("person_record", args=[person.pk])
    assert signed_in_client(cofacilitator).get(record).status_code == 200
    assert staff.get(record).status_code == 404


def test_a_full_group_puts_the_offer_on_its_waitlist(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], capacity=1)
    EnrollmentFactory(group=group)
    made = referral(handler=facilitator)
    staff = signed_in_client(facilitator)
    step(staff, made, "screened", {"readiness_note": "Ready"})
    step(staff, made, "offer", {"group": group.pk})
    made.refresh_from_db()
    assert made.status == "offered" and made.enrollment.status == "waitlisted"


def test_closing_for_no_contact_needs_three_tries(facilitator):
    made = referral(handler=facilitator)
    staff = signed_in_client(facilitator)
    response = step(staff, made, "close", {"reason": "no_contact"})
    assert response.status_code == 400 and "Try to reach them 3 times" in response.text
    for __ in range(3):
        step(staff, made, "contact-try")
    assert step(staff, made, "close", {"reason": "no_contact"}).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.close_reason, made.contact_tries) == ("closed", "no_contact", 3)
    assert made.closed_at is not None
    # Closed is closed: a late step is refused with a message, not an error.
    response = step(staff, made, "contact-try")
    assert response.status_code == 409 and "look again" in response.text.lower()


def test_declining_an_offer_withdraws_the_place_and_the_invitation(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    made = referral(handler=facilitator)
    staff = signed_in_client(facilitator)
    step(staff, made, "screened", {"readiness_note": "Ready"})
    step(staff, made, "offer", {"group": group.pk})
    assert step(staff, made, "close", {"reason": "declined"}).status_code == 302
    enrollment = Enrollment.objects.get(group=group)
    assert enrollment.status == "withdrawn"
    invitation = Invitation.objects.get(email="referred@example.org")
    assert invitation.is_expired
    assert Client().get(reverse("invitation_accept", args=[invitation.token])).status_code == 410


def test_only_the_handler_opens_a_referral_and_others_take_new_ones(
    facilitator, other_facilitator, personas
):
    mine = referral(handler=facilitator)
    waiting = referral(email="waiting@example.org", known_as="Wren")
    other = signed_in_client(other_facilitator)
    assert other.get(reverse("referral_detail", args=[mine.pk])).status_code == 404
    assert step(other, mine, "take").status_code == 404
    assert other.get(reverse("person_record", args=[mine.person_id])).status_code == 404
    listed = other.get(reverse("referral_list")).text
    assert "Wren" in listed and "Rae" not in listed
    assert step(other, waiting, "take").status_code == 302
    assert other.get(reverse("referral_detail", args=[waiting.pk])).status_code == 200
    assert other.get(reverse("person_record", args=[waiting.person_id])).status_code == 200
    # Too late for the first facilitator: someone else has taken it.
    response = step(signed_in_client(facilitator), waiting, "take")
    assert response.status_code == 404
    for persona in ("admin", "participant"):
        assert personas[persona].get(reverse("referral_list")).status_code == 404
        assert personas[persona].get(reverse("referral_detail", args=[mine.pk])).status_code == 404
    assert ReferralStep.objects.filter(
        referral=waiting, kind="taken", by=other_facilitator
    ).exists()


def test_offering_another_group_gives_back_the_first_place(facilitator):
    first = TherapyGroupFactory(facilitators=[facilitator], name="Monday group")
    second = TherapyGroupFactory(facilitators=[facilitator], name="Thursday group")
    made = referral(handler=facilitator)
    staff = signed_in_client(facilitator)
    step(staff, made, "screened", {"readiness_note": "Ready"})
    step(staff, made, "offer", {"group": first.pk})
    first_invitation = Invitation.objects.get()
    assert step(staff, made, "offer", {"group": second.pk}).status_code == 302
    assert Enrollment.objects.get(group=first).status == "withdrawn"
    assert Enrollment.objects.get(group=second).status == "invited"
    first_invitation.refresh_from_db()
    assert first_invitation.is_expired
    made.refresh_from_db()
    assert made.group == second
