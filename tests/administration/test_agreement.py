"""The group agreement changes only on its own page, only when its words change, and only after
the admin has seen how many participants it will stop (the finding: a settings save that changed
only the holiday country made version 2 of the same words, and stopped everyone)."""

import pytest
from django.urls import reverse

from members.models import ConfidentialityAgreement, Organisation
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin_agreement")


def settings_form(admin_client) -> dict:
    form = admin_client.get(reverse("admin_settings")).context["form"]
    return {k: v for k, v in form.initial.items() if v is not None and k in form.fields} | {
        "quiet_from": "21:00",
        "quiet_until": "08:00",
    }


def test_saving_the_settings_never_makes_a_version(admin_client, participant):
    data = settings_form(admin_client) | {"holiday_country": "GB"}
    assert "Settings saved." in admin_client.post(reverse("admin_settings"), data, follow=True).text
    assert Organisation.current().holiday_country == "GB"
    assert ConfidentialityAgreement.objects.count() == 1
    member = admin_client.__class__()
    member.force_login(participant)
    assert member.get(reverse("home")).status_code == 200  # not stopped by the agreement


def test_the_same_words_typed_again_are_not_a_new_version(admin_client):
    words = ConfidentialityAgreement.current().text
    typed = words.replace("\n", "  \r\n") + " \r\n\r\n"  # CRLF and trailing spaces
    response = admin_client.post(URL, {"text": typed, "reviewed": "on"}, follow=True)
    assert "The words are the same" in response.text
    assert ConfidentialityAgreement.objects.count() == 1


def test_new_words_are_reviewed_with_the_count_then_published(admin_client, participant):
    UserFactory(role="participant")  # accepted too
    UserFactory(role="participant", agreed=False)  # asked already: not "again"
    UserFactory(role="participant", is_active=False)
    review = admin_client.post(URL, {"text": "Be kind.\r\nKeep what is said here."})
    assert review.status_code == 200
    assert "2 participants who accepted the current version will be asked" in review.text
    assert "Publish version 2" in review.text
    assert ConfidentialityAgreement.objects.count() == 1  # nothing yet
    published = admin_client.post(
        URL, {"text": "Be kind.\r\nKeep what is said here.", "reviewed": "on"}, follow=True
    )
    assert "Version 2 is in force" in published.text
    current = ConfidentialityAgreement.current()
    assert (current.version, current.text) == (2, "Be kind.\nKeep what is said here.")
    member = admin_client.__class__()
    member.force_login(participant)
    assert member.get(reverse("home"))["Location"] == reverse("agreement")


def test_an_empty_agreement_is_refused(admin_client):
    response = admin_client.post(URL, {"text": "   \r\n ", "reviewed": "on"})
    assert response.status_code == 400
    assert ConfidentialityAgreement.objects.count() == 1


def test_only_admins_change_the_agreement(personas):
    for persona in ("facilitator", "participant"):
        assert personas[persona].get(URL).status_code in (403, 404)
        assert personas[persona].post(URL, {"text": "X", "reviewed": "on"}).status_code in (
            403,
            404,
        )
    assert ConfidentialityAgreement.objects.count() <= 1
