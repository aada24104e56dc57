"""A second language (issue 18): each person reads the app, and gets their messages, in their
own language (theirs, or else the organisation's); someone not signed in picks one at the foot
of any page. Questionnaires stay in their validated English, with a note, and say so in the
answers; the crisis resources are as the organisation writes them for each language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from measures import services as measure_services
from measures.models import MeasureResponse
from members.models import Organisation, TextNumber
from sessions import outbox
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
MOBILE = "+447400123456"


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def speaks(person, language):
    person.language = language
    person.save()
    return person


def test_a_person_reads_the_app_in_their_own_language(world, participant):
    speaks(participant, "es")
    page = signed_in(participant).get(reverse("home"))
    text = page.content.decode()
    assert '<html lang="es">' in text and page["Content-Language"] == "es"
    assert "Tu próxima sesión" in text and "Your next session" not in text
    assert " de 20" in text  # dates in Spanish order: "martes 3 de marzo de 2026, 18:00"
    other = signed_in(UserFactory(role="participant")).get(reverse("home"))
    assert '<html lang="en-gb">' in other.content.decode() and other["Content-Language"] == "en-gb"


def test_without_a_choice_the_organisations_language_counts(participant):
    Organisation.objects.update(language="es")
    assert "Tu cuenta" in signed_in(participant).get(reverse("account_overview")).text
    speaks(participant, "en-gb")
    assert "Your account" in signed_in(participant).get(reverse("account_overview")).text


def test_someone_not_signed_in_picks_a_language_at_the_foot_of_the_page():
    client = Client()
    login = reverse("account_login")
    assert 'lang="en-gb"' in client.get(login).text
    assert 'value="es" lang="es"' in client.get(login).text  # the picker, named in Spanish
    picked = client.post(reverse("choose_language"), {"language": "es", "next": login})
    assert picked.status_code == 302 and picked["Location"] == login
    assert '<html lang="es">' in client.get(login).text
    elsewhere = client.post(
        reverse("choose_language"), {"language": "en-gb", "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == reverse("home")  # never off the site
    client.post(reverse("choose_language"), {"language": "klingon", "next": login})
    assert '<html lang="en-gb">' in client.get(login).text


def test_a_pick_when_signed_in_is_kept_on_the_account(participant):
    client = signed_in(participant)
    client.post(reverse("choose_language"), {"language": "es", "next": reverse("home")})
    participant.refresh_from_db()
    assert participant.language == "es"
    page = client.get(reverse("preferences")).text
    assert '<option value="es" selected>Español</option>' in page
    assert "English, el idioma de la organización" in page
    # The way back, in the footer of every page, names English in English (not "Inglés").
    assert 'lang="en-gb" class="link-button">English</button>' in page and "Inglés" not in page
    client.post(
        reverse("preferences"),
        {"display_name": "Pia", "timezone": "Europe/London", "language": ""},
    )
    participant.refresh_from_db()
    assert participant.language == ""  # back to the organisation's


@pytest.mark.usefixtures("no_quiet_hours")
def test_messages_go_in_each_recipients_language(world, participant, other_participant):
    speaks(participant, "es")
    EnrollmentFactory(group=world.group, participant=other_participant)
    TextNumber.objects.create(person=participant, number=MOBILE, verified_at=timezone.now())
    sms.LocmemBackend.sent.clear()
    GroupSessionFactory(group=world.group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))

    by_address = {m.to[0]: m for m in mail.outbox}
    spanish, english = by_address[participant.email], by_address[other_participant.email]
    assert spanish.subject.startswith("Recordatorio: ") and " de " in spanish.subject
    assert spanish.body.startswith("Hola, ") and "Si necesitas ayuda ahora:" in spanish.body
    assert english.subject.startswith("Reminder: ") and english.body.startswith("Hello")
    [(_, text)] = sms.LocmemBackend.sent
    assert text.startswith("Recordatorio: tu grupo se reune el ")  # "reúne", GSM-7 look-alike
    assert sms.segments(text) == 1


def test_the_questionnaire_stays_in_its_validated_english_and_the_answers_say_so(
    world, participant
):
    speaks(participant, "es")
    measure_services.set_measure_plan(group=world.group, instruments=["gad7"], schedule="every")
    session = GroupSessionFactory(group=world.group, starts_at=timezone.now())
    client = signed_in(participant)
    page = client.get(reverse("measure_check_in", args=[session.pk])).text
    assert "Estas preguntas están en inglés" in page
    assert '<span lang="en">Feeling nervous, anxious or on edge</span>' in page
    assert "Enviar mis respuestas" in page
    client.post(
        reverse("measure_check_in", args=[session.pk]),
        {f"gad7-{n}": "1" for n in range(1, 8)},
    )
    assert MeasureResponse.objects.get(participant=participant).language == "en"
    english = signed_in(speaks(participant, "en-gb")).get(
        reverse("measure_check_in", args=[session.pk])
    )
    assert english.status_code == 302  # answered; and an English reader gets no note:
    assert "tested, published translation" not in english.text


def test_the_crisis_resources_are_as_the_organisation_writes_them_in_each_language(
    admin_user, participant
):
    crisis = reverse("crisis_resources")
    spanish = signed_in(speaks(participant, "es"))
    assert "llama ahora al número de emergencias" in spanish.get(crisis).text  # the default's
    admin = signed_in(admin_user)
    form = admin.get(reverse("admin_settings")).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data |= {"quiet_from": "21:00", "quiet_until": "08:00"}
    data |= {"crisis_resources_es": "Llama al 024, la línea de atención a la conducta suicida."}
    assert "Settings saved." in admin.post(reverse("admin_settings"), data, follow=True).text
    assert Organisation.objects.get().crisis_resources_in == {
        "es": "Llama al 024, la línea de atención a la conducta suicida."
    }
    assert "Llama al" in spanish.get(crisis).text
    english = signed_in(UserFactory(role="participant")).get(crisis).text
    assert "Llama al" not in english and Organisation.objects.get().crisis_resources[:20] in (
        english
    )


def test_the_calendar_feed_is_in_its_persons_language(world, participant):
    speaks(participant, "es")
    participant.calendar_token = "feed-token-for-a-test"
    participant.save()
    GroupSessionFactory(group=world.group, starts_at=timezone.now() + timedelta(days=2))
    feed = Client().get(reverse("calendar_feed", args=[participant.calendar_token]))
    assert "Detalles y «No puedo ir»" in feed.content.decode().replace("\r\n ", "")


def test_allauths_emails_come_in_the_language_of_the_page(participant):
    client = Client()
    client.post(reverse("choose_language"), {"language": "es", "next": "/"})
    client.post(reverse("account_reset_password"), {"email": participant.email})
    [message] = mail.outbox
    assert message.subject.startswith("Elige una contraseña nueva")
    assert message.body.startswith("Hola:") and "Alguien ha pedido una contraseña nueva" in (
        message.body
    )
