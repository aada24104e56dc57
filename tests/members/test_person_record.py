"""The clinic's record of a person: one record whoever typed each value, encrypted, audited on
read and change, kept by the facilitators of the person's groups, corrected by the person
where they entered it, and never shown to admins or other members."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from core.models import AuditEvent
from core.validators import nhs_number
from members import services
from members.models import PersonRecord

pytestmark = pytest.mark.django_db

CLINIC = {
    "legal_name": "Alexandra Marker-Legal Jones",
    "known_as": "Alex",
    "date_of_birth": "1987-03-14",
    "pronouns": "she/her",
    "preferred_language": "English",
    "phone": "07700 900123",
    "referrer_name": "Dr Marker-Referrer",
    "referrer_service": "Riverside Surgery",
    "referrer_email": "gp@example.org",
    "referrer_address": "1 River Street\nTown",
    "identifier_kind": "nhs",
    "identifier": "943 476 5919",
}


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "4010232137", ""])
def test_a_real_nhs_number_passes_its_check_digit(number):
    nhs_number(number)


@pytest.mark.parametrize(
    "number", ["9434765918", "943476591", "94347659190", "943476591X", "٩٤٣٤٧٦٥٩١٩", "0000000010"]
)
def test_a_wrong_nhs_number_is_refused(number):
    with pytest.raises(ValidationError):
        nhs_number(number)


def record_url(person) -> str:
    return reverse("person_record", args=[person.pk])


def test_the_groups_facilitator_keeps_the_record_encrypted_and_audited(
    world, personas, participant
):
    staff = personas["facilitator"]
    response = staff.post(record_url(participant), CLINIC)
    assert response.status_code == 302
    record = PersonRecord.objects.get(person=participant)
    assert record.date_of_birth == date(1987, 3, 14)
    assert record.legal_name == CLINIC["legal_name"]
    facilitator = world.group.facilitators.get(email="facilitator@example.org")
    assert record.entered_by["legal_name"] == facilitator.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_personrecord")
        stored = " ".join(str(value) for value in cursor.fetchone())
    for secret in ("Marker-Legal", "1987", "Marker-Referrer", "5919", "River"):
        assert secret not in stored

    page = staff.get(record_url(participant)).text
    assert "Alexandra Marker-Legal Jones" in page and "entered by the clinic" in page
    opened = AuditEvent.objects.filter(action="view", participant=participant).last()
    assert opened.actor == facilitator and opened.detail["path"] == record_url(participant)
    changed = AuditEvent.objects.get(object_type="members.personrecord", action="create")
    assert "Marker" not in str(changed.detail)

    staff.post(record_url(participant), {**CLINIC, "pronouns": "they/them"})
    change = AuditEvent.objects.get(object_type="members.personrecord", action="change")
    assert "pronouns" in change.detail["fields"] and "they" not in str(change.detail)


def test_nobody_else_sees_the_record(world, personas, participant):
    services.save_record(
        person=participant,
        by=world.group.facilitators.first(),
        **{"legal_name": "Marker-Secret Name"},
    )
    for outsider in ("other_facilitator", "admin", "participant", "other_participant"):
        response = personas[outsider].get(record_url(participant))
        assert response.status_code == 404, outsider
        assert "Marker-Secret" not in response.text


def test_a_wrong_nhs_number_gets_a_message_and_saves_nothing(personas, participant, world):
    response = personas["facilitator"].post(
        record_url(participant), {**CLINIC, "identifier": "943 476 5918"}
    )
    assert response.status_code == 400
    assert "An NHS number is ten digits" in response.text
    assert not PersonRecord.objects.exists()


def test_a_birth_date_in_the_future_is_refused(personas, participant, world):
    response = personas["facilitator"].post(
        record_url(participant), {**CLINIC, "date_of_birth": "2999-01-01"}
    )
    assert response.status_code == 400 and not PersonRecord.objects.exists()


def test_the_person_sees_everything_and_corrects_only_what_they_entered(
    world, personas, participant
):
    facilitator = world.group.facilitators.first()
    services.save_record(person=participant, by=participant, phone="07700 900111")
    services.save_record(person=participant, by=facilitator, legal_name="Pia Marker-Legal")
    own = personas["participant"]
    page = own.get(reverse("contact_details")).text
    assert "Pia Marker-Legal" in page and "What the clinic wrote down" in page
    assert 'name="phone"' in page and 'name="legal_name"' not in page

    # A value the clinic entered is no longer the person's to change through their page.
    own.post(reverse("contact_details"), {"phone": "07700 900222", "legal_name": "Someone"})
    record = PersonRecord.objects.get(person=participant)
    assert (record.phone, record.legal_name) == ("07700 900222", "Pia Marker-Legal")
    services.save_record(person=participant, by=facilitator, phone="07700 900333")
    assert 'name="phone"' not in own.get(reverse("contact_details")).text
    with pytest.raises(ValidationError):
        services.save_record(person=participant, by=participant, phone="07700 900444")
    with pytest.raises(ValidationError):
        services.save_record(person=participant, by=participant, legal_name="Someone")

    export = own.get(reverse("my_data_json")).json()["record"]
    entered = {item["field"]: item["entered_by"] for item in export}
    assert entered == {"legal_name": "the clinic", "phone": "the clinic"}
