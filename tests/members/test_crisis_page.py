"""The crisis page, one tap from every page: structured lines with large buttons to call and
text, and the organisation's own number; admins keep the lines on their own page."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from members.models import CrisisLine, Organisation
from members.services import set_crisis_lines

pytestmark = pytest.mark.django_db


def test_each_line_is_a_card_with_buttons_to_call_and_text(client):
    set_crisis_lines(
        lines=[
            {"name": "Samaritans", "phone": "116 123", "hours": "24 hours", "web": ""},
            {
                "name": "Lifeline",
                "phone": "988",
                "text_number": "988",
                "web": "https://988.example",
            },
        ]
    )
    Organisation.objects.filter(pk=1).update(
        name="Riverside Clinic", contact_phone="+44 20 7946 0958", contact_hours="Weekdays 9-5"
    )
    page = client.get(reverse("crisis_resources")).text  # no sign-in needed
    assert '<a href="tel:116123" class="button-link">Call 116 123</a>' in page
    assert '<a href="sms:988" class="button-link">Text 988</a>' in page
    assert '<a href="tel:+442079460958" class="button-link">Call +44 20 7946 0958</a>' in page
    assert page.index("Samaritans") < page.index("Lifeline") < page.index("Weekdays 9-5")


def test_admins_add_change_and_remove_lines(admin_client):
    set_crisis_lines(lines=[{"name": "Old line", "phone": "111"}])
    old = CrisisLine.objects.get()
    page = admin_client.get(reverse("admin_crisis_lines")).text
    assert "Old line" in page
    data = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(old.pk),
        "form-0-name": "Old line",
        "form-0-phone": "111",
        "form-0-DELETE": "on",
        "form-1-name": "Night line",
        "form-1-phone": "0800 123 456",
        "form-1-hours": "20:00 to 08:00",
    }
    admin_client.post(reverse("admin_crisis_lines"), data)
    assert [(line.name, line.phone) for line in CrisisLine.objects.all()] == [
        ("Night line", "0800 123 456")
    ]


def test_a_line_must_say_how_to_reach_it_and_numbers_must_be_numbers(admin_client):
    set_crisis_lines(lines=[])
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-name": "Nowhere line",
        "form-1-name": "Letters line",
        "form-1-phone": "call us",
    }
    page = admin_client.post(reverse("admin_crisis_lines"), data).text
    assert "Give a phone number, a number to text or a website." in page
    assert "Use digits, with spaces or hyphens" in page
    assert not CrisisLine.objects.exists()


def test_only_admins_keep_the_lines(participant, facilitator):
    for person in (participant, facilitator):
        visitor = Client()
        visitor.force_login(person)
        assert visitor.get(reverse("admin_crisis_lines")).status_code in (403, 404)


def test_the_old_default_text_becomes_structured_lines_and_an_admins_own_text_stays():
    migration = importlib.import_module("members.migrations.0022_crisis_lines")
    set_crisis_lines(lines=[])
    old_text = {"crisis_resources": migration.OLD_DEFAULT}
    Organisation.objects.update_or_create(pk=1, defaults=old_text)
    migration.structured_lines(apps, None)
    assert Organisation.objects.get().crisis_resources == migration.NEW_DEFAULT
    assert CrisisLine.objects.first().phone == "116 123"
    set_crisis_lines(lines=[])
    Organisation.objects.filter(pk=1).update(crisis_resources="Call our duty worker.")
    migration.structured_lines(apps, None)
    assert Organisation.objects.get().crisis_resources == "Call our duty worker."
