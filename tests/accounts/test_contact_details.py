"""A participant's phone and emergency contact: theirs to give and remove, encrypted, seen only
by the facilitators of their groups (on the record and where a follow-up needs it), audited."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from measures.models import FollowUp
from members.models import PersonRecord
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

DETAILS = {
    "phone": "07700 900123",
    "may_call": "on",
    "emergency_name": "Sam (my sister)",
    "emergency_phone": "07700 900456",
    "may_call_emergency": "on",
}


def test_a_participant_gives_them_and_only_their_facilitators_see_them(
    world, personas, participant
):
    member = personas["participant"]
    assert member.post(reverse("contact_details"), DETAILS).status_code == 302
    details = PersonRecord.objects.get(person=participant)
    assert details.may_call and details.emergency_name == "Sam (my sister)"
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT phone, emergency_name FROM members_personrecord")
        stored = " ".join(cursor.fetchone())
    assert "900123" not in stored and "Sam" not in stored

    record = reverse("participant_record", args=[world.group.pk, participant.pk])
    page = personas["facilitator"].get(record).text
    assert '<a href="tel:07700900123">07700 900123</a>' in page
    assert "agreed to be phoned if you are worried" in page and "Sam (my sister)" in page
    follow_up = FollowUp.objects.create(
        group=world.group, participant=participant, reason=FollowUp.Reason.ABSENCES
    )
    page = personas["facilitator"].get(reverse("follow_up_detail", args=[follow_up.pk])).text
    assert "07700 900456" in page

    for outsider in ("other_facilitator", "admin", "other_participant"):
        assert "900123" not in personas[outsider].get(record).text
    assert personas["admin"].get(reverse("contact_details")).status_code in (403, 404)
    changed = AuditEvent.objects.get(object_type="members.personrecord", action="create")
    assert changed.participant == participant and "900123" not in str(changed.detail)


def test_consent_without_a_number_is_not_kept_and_details_can_be_removed(participant):
    member = signed_in_client(participant)
    member.post(reverse("contact_details"), {"may_call": "on", "may_call_emergency": "on"})
    details = PersonRecord.objects.get(person=participant)
    assert not details.may_call and not details.may_call_emergency
    member.post(reverse("contact_details"), DETAILS)
    member.post(reverse("contact_details"), {})  # everything cleared
    details.refresh_from_db()
    assert (details.phone, details.emergency_phone, details.may_call) == ("", "", False)


def test_a_number_that_is_not_a_phone_number_gets_a_message(participant):
    member = signed_in_client(participant)
    page = member.post(reverse("contact_details"), {"phone": "call my mum"}).text
    assert "Use digits, with spaces or hyphens" in page
    assert not PersonRecord.objects.exists()
    assert Client().get(reverse("contact_details")).status_code == 302  # sign in first


def test_they_are_in_the_persons_own_data(participant):
    member = signed_in_client(participant)
    member.post(reverse("contact_details"), DETAILS)
    data = member.get(reverse("my_data_json")).json()
    entered = {item["field"]: (item["value"], item["entered_by"]) for item in data["record"]}
    assert entered["emergency_name"] == ("Sam (my sister)", "you")
    assert "07700 900123" in member.get(reverse("my_data")).text
